/* http.c: one HTTP(S) request through libcurl: what connection tests,
 * webhooks and OAuth sign-in share.  No redirects are followed. */
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/util.h"
#include "util/curl.h"
#include "util/http.h"

#define HTTP_DEFAULT_TIMEOUT_MS	20000L
#define HTTP_DEFAULT_MAX	(1024 * 1024)

struct http_sink {
	struct buf	 b;
	size_t		 max;
	bool		 truncated;
};

struct http_gate {
	const struct http_request *rq;
	bool		 refused;
};

static size_t
http_write(char *p, size_t size, size_t n, void *arg)
{
	struct http_sink *s = arg;
	size_t len = size * n, room = s->max - s->b.len;

	if (len > room) {
		s->truncated = true;
		buf_add(&s->b, p, room);
		return len;	/* keep reading: the status still counts */
	}
	buf_add(&s->b, p, len);
	return len;
}

/*
 * Every socket libcurl opens comes here first, with the address it is
 * about to connect to, after name resolution: the only place where a
 * check of the address cannot be fooled by DNS answering differently
 * the second time.
 */
static curl_socket_t
http_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct http_gate *g = arg;

	if (g->rq->allow != NULL && !g->rq->allow(&a->addr, a->addrlen,
	    g->rq->allow_arg)) {
		g->refused = true;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* The host part of an http(s) URL, for sentences: never user or query. */
static char *
http_host(const char *url)
{
	const char *p = strstr(url, "://"), *e, *at;

	p = p != NULL ? p + 3 : url;
	e = p + strcspn(p, "/?#");
	at = memchr(p, '@', (size_t)(e - p));
	if (at != NULL)
		p = at + 1;
	return xstrndup(p, (size_t)(e - p));
}

static enum http_fail
http_classify(CURLcode res, bool refused)
{
	switch (res) {
	case CURLE_OK:
		return HTTP_FAIL_NONE;
	case CURLE_COULDNT_RESOLVE_HOST:
		return HTTP_FAIL_RESOLVE;
	case CURLE_COULDNT_CONNECT:
		return refused ? HTTP_FAIL_REFUSED : HTTP_FAIL_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_FAIL_TIMEOUT;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		return HTTP_FAIL_TLS;
	default:
		return refused ? HTTP_FAIL_REFUSED : HTTP_FAIL_OTHER;
	}
}

static int
http_fail_status(enum http_fail f, const char *host, const char *why,
    char **errstr)
{
	switch (f) {
	case HTTP_FAIL_RESOLVE:
		return errorf(errstr, EX_UNAVAILABLE, "the host name %s does "
		    "not resolve", host);
	case HTTP_FAIL_REFUSED:
		return errorf(errstr, EX_UNAVAILABLE, "%s resolves to an "
		    "address this request may not reach", host);
	case HTTP_FAIL_TLS:
		return errorf(errstr, EX_UNAVAILABLE, "the TLS certificate of "
		    "%s does not verify (%s)", host, why);
	case HTTP_FAIL_TIMEOUT:
		return errorf(errstr, EX_TEMPFAIL, "%s did not answer in "
		    "time", host);
	case HTTP_FAIL_CONNECT:
		return errorf(errstr, EX_TEMPFAIL, "cannot connect to %s (%s)",
		    host, why);
	default:
		return errorf(errstr, EX_TEMPFAIL, "the request to %s failed "
		    "(%s)", host, why);
	}
}

static struct curl_slist *
http_headers(const struct http_request *rq)
{
	struct curl_slist *l = NULL, *t;
	size_t i;

	for (i = 0; i < rq->nheaders; i++) {
		if ((t = curl_slist_append(l, rq->headers[i])) == NULL)
			fatalx("out of memory");
		l = t;
	}
	/* No "Expect: 100-continue" pause before a body. */
	if ((t = curl_slist_append(l, "Expect:")) == NULL)
		fatalx("out of memory");
	return t;
}

static void
http_setup(CURL *c, const struct http_request *rq, struct curl_slist *hdrs,
    struct http_sink *sink, struct http_gate *gate, char *errbuf)
{
	long ms = rq->timeout_ms > 0 ? rq->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;

	curl_easy_setopt(c, CURLOPT_URL, rq->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, http_open_socket);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, gate);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "setuplink/" SETUPLINK_VERSION);
	if (rq->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, rq->ca_file);
	if (rq->method != NULL && strcmp(rq->method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
	if (rq->body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)rq->body_len);
	}
}

int
http_do(const struct http_request *rq, struct http_response *resp,
    char **errstr)
{
	struct http_sink sink;
	struct http_gate gate = { rq, false };
	struct curl_slist *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE], *host, *ct = NULL;
	CURLcode res;
	CURL *c = NULL;
	int rv;

	memset(resp, 0, sizeof *resp);
	buf_init(&sink.b);
	sink.max = rq->max_response > 0 ? rq->max_response : HTTP_DEFAULT_MAX;
	sink.truncated = false;
	host = http_host(rq->url);
	if (strncasecmp(rq->url, "http://", 7) != 0 &&
	    strncasecmp(rq->url, "https://", 8) != 0) {
		rv = errorf(errstr, EX_USAGE, "a request goes to an http:// or "
		    "https:// address, not %s", host);
		goto out;
	}
	if ((rv = curl_load(errstr)) != 0)
		goto out;
	if ((c = curl_easy_init()) == NULL) {
		rv = errorf(errstr, EX_TEMPFAIL, "cannot start libcurl");
		goto out;
	}
	errbuf[0] = '\0';
	hdrs = http_headers(rq);
	http_setup(c, rq, hdrs, &sink, &gate, errbuf);
	res = curl_easy_perform(c);
	resp->fail = http_classify(res, gate.refused);
	if (resp->fail != HTTP_FAIL_NONE) {
		rv = http_fail_status(resp->fail, host, *errbuf ? errbuf :
		    curl_easy_strerror(res), errstr);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK &&
	    ct != NULL)
		resp->content_type = xstrdup(ct);
	resp->truncated = sink.truncated;
	resp->len = sink.b.len;
	resp->body = sink.b.data != NULL ? buf_take(&sink.b) : xstrdup("");
	rv = 0;
out:
	if (c != NULL)
		curl_easy_cleanup(c);
	if (hdrs != NULL)
		curl_slist_free_all(hdrs);
	buf_free(&sink.b);
	free(host);
	return rv;
}

void
http_response_free(struct http_response *r)
{
	freep(&r->body);
	freep(&r->content_type);
	r->len = 0;
}

char *
http_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b;
	unsigned char c;

	buf_init(&b);
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			buf_addc(&b, (char)c);
		else {
			buf_addc(&b, '%');
			buf_addc(&b, hex[c >> 4]);
			buf_addc(&b, hex[c & 15]);
		}
	}
	return b.data != NULL ? buf_take(&b) : xstrdup("");
}

char *
http_form_encode(const char *const *names, const char *const *values,
    size_t n)
{
	struct buf b;
	char *e;
	size_t i;

	buf_init(&b);
	for (i = 0; i < n; i++) {
		e = http_escape(names[i]);
		buf_printf(&b, "%s%s=", i ? "&" : "", e);
		free(e);
		e = http_escape(values[i] != NULL ? values[i] : "");
		buf_adds(&b, e);
		free(e);
	}
	return b.data != NULL ? buf_take(&b) : xstrdup("");
}
