/* probe-http.c: the http kind: one request built from the definition's
 * URL template and the draft's fields, the credential where the
 * definition puts it (basic, bearer, a header, the query), judged by its
 * status.  The body is never read: it could echo a value. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "mailer/probe/private.h"
#include "util/http.h"

/* The URL with each {key} replaced; URL fields as they are (the catalog
 * validated them), others percent-encoded.  *keys gets the keys used. */
static int
http_url(struct probe *p, char **url, struct buf *keys)
{
	const char *s = p->t->url, *e, *v;
	const struct field_def *f;
	struct buf b;
	char *key, *esc;
	size_t len, i;

	buf_init(&b);
	while (*s != '\0') {
		if (*s != '{' || (e = strchr(s, '}')) == NULL) {
			buf_addc(&b, *s++);
			continue;
		}
		key = xstrndup(s + 1, (size_t)(e - s - 1));
		f = connector_field(p->c, key);
		v = NULL;
		for (i = 0; f != NULL && i < p->nvals; i++) {
			if (strcmp(p->vals[i].key, f->key) == 0 &&
			    p->vals[i].len > 0)
				v = p->vals[i].value;
		}
		if (v == NULL && f != NULL)
			v = f->dflt;
		buf_printf(keys, "%s%s", keys->len ? "," : "", key);
		if (v == NULL || *v == '\0') {
			probe_fail(p, EX_DATAERR, "incomplete", key, "%s has no "
			    "value, and the test's address needs it", key);
			free(key);
			buf_free(&b);
			return EX_DATAERR;
		}
		if (f->type == FT_URL) {
			len = strlen(v);
			while (len > 0 && v[len - 1] == '/')
				len--;
			buf_add(&b, v, len);
		} else {
			esc = http_escape(v);
			buf_adds(&b, esc);
			free(esc);
		}
		free(key);
		s = e + 1;
	}
	*url = b.data != NULL ? buf_take(&b) : xstrdup("");
	return 0;
}

static char *
url_host(const char *url)
{
	const char *p = strstr(url, "://"), *e, *at;

	p = p != NULL ? p + 3 : url;
	e = p + strcspn(p, "/?#");
	if ((at = memchr(p, '@', (size_t)(e - p))) != NULL)
		p = at + 1;
	return xstrndup(p, (size_t)(e - p));
}

/* Where the credential goes.  A value with a line break could add a
 * header: refused before anything is sent. */
static int
http_auth(struct probe *p, const char *access, char **url, char **header)
{
	const char *auth = p->t->auth, *sec, *user;
	char *pair, *enc, *esc, *u;

	*header = NULL;
	if (strcmp(auth, "none") == 0)
		return 0;
	if (probe_need(p, "secret") != 0)
		return EX_DATAERR;
	sec = access != NULL ? access : probe_get(p, "secret", NULL);
	user = probe_get(p, "user", NULL);
	if (strpbrk(sec, "\r\n") != NULL || (user && strpbrk(user, "\r\n")))
		return probe_fail(p, EX_DATAERR, "login", "secret", "%s holds a "
		    "line break, which no HTTP header can carry",
		    probe_key(p, "secret"));
	if (strcmp(auth, "basic") == 0) {
		pair = xprintf("%s:%s", user ? user : "", sec);
		enc = base64_encode(pair, strlen(pair));
		*header = xprintf("Authorization: Basic %s", enc);
		explicit_bzero(pair, strlen(pair));
		free(pair);
		free(enc);
	} else if (strcmp(auth, "bearer") == 0)
		*header = xprintf("Authorization: Bearer %s", sec);
	else if (strcmp(auth, "header") == 0)
		*header = xprintf("%s: %s", p->t->auth_name, sec);
	else {
		esc = http_escape(sec);
		u = xprintf("%s%c%s=%s", *url, strchr(*url, '?') ? '&' : '?',
		    p->t->auth_name, esc);
		free(esc);
		free(*url);
		*url = u;
	}
	return 0;
}

/* A value the caller added beside the draft's (the OAuth client). */
static const char *
http_extra(struct probe *p, const char *key)
{
	size_t i;

	for (i = 0; i < p->nvals; i++) {
		if (strcmp(p->vals[i].key, key) == 0 && p->vals[i].len > 0)
			return p->vals[i].value;
	}
	return NULL;
}

/*
 * Where the secret is a sign-in's refresh token and the workspace's
 * client is known, trade it for an access token first (RFC 6749 6): the
 * token is proved by the provider, and the request goes with what it
 * gave.  The token endpoint is the definition's (the admin's), so it is
 * not held to test_networks.  *access stays NULL when there is nothing to
 * trade.
 */
static int
http_refresh(struct probe *p, char **access)
{
	const struct oauth_def *o = p->c->oauth;
	const struct field_def *f = conntest_field(p->c, p->t, "secret");
	const char *names[4], *vals[4], *rt, *cid, *at, *hdr[2];
	const char **keys = NULL, **values = NULL;
	struct http_request rq = { 0 };
	struct http_response rs = { 0 };
	char *url = NULL, *body = NULL, *err = NULL, *host = NULL;
	json_t *a = NULL;
	size_t n = 0, i;
	int rv = 0;

	*access = NULL;
	if (o == NULL || o->access_token || f == NULL ||
	    strcmp(f->key, o->token_field) != 0 || p->method == NULL ||
	    strcmp(p->method, o->method) != 0 ||
	    (cid = http_extra(p, "oauth.client_id")) == NULL ||
	    (rt = probe_get(p, "secret", NULL)) == NULL)
		return 0;
	keys = xcalloc(p->nvals + 1, sizeof *keys);
	values = xcalloc(p->nvals + 1, sizeof *values);
	for (i = 0; i < p->nvals; i++) {
		keys[i] = p->vals[i].key;
		values[i] = p->vals[i].value;
	}
	if (oauth_url(o->token_endpoint, keys, values, p->nvals, &url,
	    &err) != 0) {
		rv = probe_fail(p, EX_DATAERR, "request", NULL, "%s", err);
		goto out;
	}
	names[n] = "grant_type";
	vals[n++] = "refresh_token";
	names[n] = "refresh_token";
	vals[n++] = rt;
	names[n] = "client_id";
	vals[n++] = cid;
	if (http_extra(p, "oauth.client_secret") != NULL) {
		names[n] = "client_secret";
		vals[n++] = http_extra(p, "oauth.client_secret");
	}
	body = http_form_encode(names, vals, n);
	hdr[0] = "Accept: application/json";
	hdr[1] = "Content-Type: application/x-www-form-urlencoded";
	rq.method = "POST";
	rq.url = url;
	rq.headers = hdr;
	rq.nheaders = 2;
	rq.body = body;
	rq.body_len = strlen(body);
	rq.timeout_ms = (long)p->timeout_ms;
	host = url_host(url);
	if (http_do(&rq, &rs, &err) != 0) {
		rv = probe_fail(p, EX_TEMPFAIL, "connect", NULL, "the provider's "
		    "token endpoint at %s did not answer", host);
		goto out;
	}
	if (rs.status >= 500 || rs.status == 429) {
		rv = probe_fail(p, EX_TEMPFAIL, "request", NULL, "HTTP %ld: the "
		    "provider's token endpoint is in trouble; try again later",
		    rs.status);
		goto out;
	}
	a = json_loadb(rs.body != NULL ? rs.body : "", rs.len, 0, NULL);
	at = a != NULL && json_is_string(json_object_get(a, "access_token")) ?
	    json_string_value(json_object_get(a, "access_token")) : NULL;
	if (rs.status != 200 || at == NULL || *at == '\0') {
		rv = probe_fail(p, EX_UNAVAILABLE, "login", "secret", "HTTP %ld: "
		    "the provider refused the refresh token in %s", rs.status,
		    f->key);
		goto out;
	}
	probe_ok(p, "refresh", "the provider traded %s for an access token",
	    f->key);
	*access = xstrdup(at);
out:
	json_decref(a);
	if (rs.body != NULL)
		explicit_bzero(rs.body, rs.len);
	http_response_free(&rs);
	if (body != NULL)
		explicit_bzero(body, strlen(body));
	free(body);
	free(url);
	free(err);
	free(host);
	free(keys);
	free(values);
	return rv;
}

static bool
status_ok(const struct conntest *t, long st)
{
	size_t i;

	if (t->nstatus == 0)
		return st >= 200 && st <= 299;
	for (i = 0; i < t->nstatus; i++) {
		if (t->status[i] == st)
			return true;
	}
	return false;
}

static int
http_judge(struct probe *p, const struct http_response *resp,
    const char *host, const char *keys)
{
	const char *cred = strcmp(p->t->auth, "basic") == 0 ? "user,secret" :
	    "secret";

	probe_ok(p, "connect", "%s answered", host);
	if (status_ok(p->t, resp->status)) {
		probe_ok(p, "login", "HTTP %ld: the service accepted the "
		    "request", resp->status);
		return 0;
	}
	if (resp->status == 401 || resp->status == 403)
		return probe_fail(p, EX_UNAVAILABLE, "login", cred, "HTTP %ld: "
		    "the service refused the credentials", resp->status);
	if (resp->status >= 500 || resp->status == 429)
		return probe_fail(p, EX_TEMPFAIL, "request", NULL, "HTTP %ld: "
		    "the service is in trouble; try again later",
		    resp->status);
	return probe_fail(p, EX_UNAVAILABLE, "request", keys, "HTTP %ld: not "
	    "a success for this test (check %s)", resp->status, keys);
}

static int
http_fail(struct probe *p, enum http_fail f, const char *host,
    const char *keys)
{
	switch (f) {
	case HTTP_FAIL_RESOLVE:
		return probe_fail(p, EX_UNAVAILABLE, "resolve", keys, "the host "
		    "name %s does not resolve", host);
	case HTTP_FAIL_REFUSED:
		return probe_fail(p, EX_UNAVAILABLE, "network", keys, "%s "
		    "resolves only to addresses test_networks does not allow: "
		    "nothing was connected", host);
	case HTTP_FAIL_TLS:
		return probe_fail(p, EX_UNAVAILABLE, "tls", "ca", "the TLS "
		    "certificate of %s does not verify", host);
	case HTTP_FAIL_TIMEOUT:
		return probe_fail(p, EX_TEMPFAIL, "connect", NULL, "%s did not "
		    "answer in time", host);
	default:
		return probe_fail(p, EX_TEMPFAIL, "connect", NULL, "cannot "
		    "connect to %s", host);
	}
}

int
probe_http(struct probe *p)
{
	struct http_request rq = { 0 };
	struct http_response resp = { 0 };
	const char *hdrs[1], *ca;
	char *url = NULL, *hdr = NULL, *host = NULL, *err = NULL, path[64];
	char *access = NULL;
	struct buf keys;
	size_t calen = 0;
	int rv, cafd = -1;

	buf_init(&keys);
	if ((rv = http_url(p, &url, &keys)) != 0 ||
	    (rv = http_refresh(p, &access)) != 0 ||
	    (rv = http_auth(p, access, &url, &hdr)) != 0)
		goto out;
	host = url_host(url);
	rq.method = p->t->http_method;
	rq.url = url;
	rq.timeout_ms = (long)p->timeout_ms;
	rq.max_response = 1;
	rq.allow = netgate_allow_cb;
	rq.allow_arg = p->gate;
	if (hdr != NULL) {
		hdrs[0] = hdr;
		rq.headers = hdrs;
		rq.nheaders = 1;
	}
	if ((ca = probe_get(p, "ca", &calen)) != NULL) {
		if ((cafd = probe_memfile(ca, calen, path)) < 0) {
			rv = probe_fail(p, EX_TEMPFAIL, "tls", NULL, "cannot "
			    "hold the CA file in memory");
			goto out;
		}
		rq.ca_file = path;
	}
	if (http_do(&rq, &resp, &err) == 0)
		rv = http_judge(p, &resp, host, keys.data ? keys.data : "");
	else
		rv = http_fail(p, resp.fail, host, keys.data ? keys.data : "");
out:
	if (cafd >= 0)
		close(cafd);
	http_response_free(&resp);
	if (hdr != NULL)
		explicit_bzero(hdr, strlen(hdr));
	if (url != NULL)
		explicit_bzero(url, strlen(url));
	if (access != NULL)
		explicit_bzero(access, strlen(access));
	free(access);
	free(hdr);
	free(url);
	free(host);
	free(err);
	buf_free(&keys);
	return rv;
}
