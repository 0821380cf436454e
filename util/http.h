/* http.h: one small HTTP(S) client over libcurl (loaded on first use) for
 * connection tests, webhooks and OAuth: one request, one answer. */
#ifndef SETUPLINK_HTTP_H
#define SETUPLINK_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct http_request {
	const char	*method;	/* "GET", "POST", ...; NULL: GET */
	const char	*url;		/* http:// or https:// only */
	const char	*const *headers;	/* "Name: value" lines */
	size_t		 nheaders;
	const char	*body;		/* NULL: none */
	size_t		 body_len;
	long		 timeout_ms;	/* the whole exchange; 0: 20 s */
	const char	*ca_file;	/* trust these instead of the system's */
	size_t		 max_response;	/* bytes kept of the body; 0: 1 MB */
	/* Called with each address before connecting (NULL: any): false
	 * refuses it, and the request fails as HTTP_FAIL_REFUSED. */
	bool		(*allow)(const struct sockaddr *, socklen_t, void *);
	void		*allow_arg;
};

enum http_fail {
	HTTP_FAIL_NONE,		/* a response arrived, whatever its status */
	HTTP_FAIL_RESOLVE,	/* the host name does not resolve */
	HTTP_FAIL_REFUSED,	/* allow() said no to every address */
	HTTP_FAIL_CONNECT,	/* nothing listens, or the network is down */
	HTTP_FAIL_TLS,		/* the certificate or the handshake failed */
	HTTP_FAIL_TIMEOUT,	/* no answer in time */
	HTTP_FAIL_OTHER,
};

struct http_response {
	long		 status;	/* 200, 404, ...; 0 when none arrived */
	char		*body;		/* NUL-terminated, at most max_response */
	size_t		 len;
	bool		 truncated;	/* the server sent more than that */
	char		*content_type;	/* or NULL */
	enum http_fail	 fail;
};

/*
 * Send one request.  0 when a response arrived (any status: the caller
 * judges it); otherwise resp->fail says why, and the status is
 * EX_TEMPFAIL for a timeout or a refused connection, EX_UNAVAILABLE for
 * a name that does not resolve, a certificate that does not verify or an
 * address allow() refused, EX_USAGE for a URL that is not http(s), with
 * a sentence that names the host, never the URL's query or credentials.
 */
int	 http_do(const struct http_request *, struct http_response *,
	     char **errstr);
void	 http_response_free(struct http_response *);
/* "a=b&c=d" with each value percent-encoded (RFC 3986 unreserved kept). */
char	*http_form_encode(const char *const *names, const char *const *values,
	     size_t n);
/* Percent-encode every byte but RFC 3986's unreserved ones. */
char	*http_escape(const char *);

#endif
