/* transport-smtp.c: the smtp://HOST[:PORT] (STARTTLS required unless
 * smtp_require_starttls is off) and smtps://HOST[:PORT] transports,
 * through libcurl. */
#include <sys/stat.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "util/curl.h"
#include "util/config.h"
#include "mailer/send/private.h"

#define SMTP_CONNECT_TIMEOUT	15L	/* seconds */
#define SMTP_TIMEOUT		60L	/* seconds, the whole message */
#define SMTP_PASSWORD_MAX	4096

/* What the server last said, for the sentence when it says no. */
struct smtp_reply {
	char	 line[256];
	char	 refusal[256];	/* the first 4xx or 5xx reply, if any */
};

struct smtp_src {
	const char	*p;
	size_t		 left;
};

/*
 * HOST[:PORT] with HOST a name, an IPv4 address or a bracketed IPv6 one.
 * Credentials never go here: a transport may be typed on a command line,
 * where every user on the machine can read it.
 */
static int
transport_smtp_parse(const char *scheme, const char *arg, long dflt,
    char **host, long *port, char **errstr)
{
	const char *p = arg, *h, *he;
	char *end;
	long v = dflt;

	if (host != NULL)
		*host = NULL;
	if (strchr(arg, '@') != NULL)
		return errorf(errstr, EX_USAGE, "a transport does not carry "
		    "credentials: write %s://HOST[:PORT] and set smtp_user and "
		    "smtp_password_file (or smtp_password_env) in setuplink.conf",
		    scheme);
	h = p;
	if (*p == '[') {
		if ((he = strchr(p, ']')) == NULL || he == p + 1)
			goto bad;
		for (p++; p < he; p++) {
			if (!isxdigit((unsigned char)*p) && *p != ':' &&
			    *p != '.')
				goto bad;
		}
		p = he + 1;
	} else {
		while (isalnum((unsigned char)*p) || *p == '.' || *p == '-' ||
		    *p == '_')
			p++;
		if (p == h)
			goto bad;
	}
	he = p;
	if (*p == ':') {
		if (!isdigit((unsigned char)p[1]))
			goto bad;
		v = strtol(p + 1, &end, 10);
		if (v < 1 || v > 65535)
			goto bad;
		p = end;
	}
	if (*p == '/')
		p++;
	if (*p != '\0')
		goto bad;
	if (host != NULL)
		*host = xstrndup(h, (size_t)(he - h));
	if (port != NULL)
		*port = v;
	return 0;
bad:
	return errorf(errstr, EX_USAGE, "'%s://%s' is not an SMTP server: "
	    "write %s://HOST[:PORT] with a port from 1 to 65535", scheme, arg,
	    scheme);
}

static int
transport_smtp_check(const char *arg, char **errstr)
{
	return transport_smtp_parse("smtp", arg, 25, NULL, NULL, errstr);
}

static int
transport_smtps_check(const char *arg, char **errstr)
{
	return transport_smtp_parse("smtps", arg, 465, NULL, NULL, errstr);
}

/*
 * The password comes from a file (its first line) or from the
 * environment, never from the command line or the configuration itself.
 */
static int
transport_smtp_password(const struct config *cfg, char **pw, char **errstr)
{
	const char *e;
	struct stat st;
	size_t len;
	char *data = NULL;
	int rv;

	*pw = NULL;
	if (cfg->smtp_password_file != NULL && *cfg->smtp_password_file) {
		if ((rv = file_read(cfg->smtp_password_file, SMTP_PASSWORD_MAX,
		    &data, &len, NULL)) != 0)
			return errorf(errstr, EX_CONFIG, "cannot read the SMTP "
			    "password from %s (smtp_password_file): check that "
			    "the file exists and is readable",
			    cfg->smtp_password_file);
		if (stat(cfg->smtp_password_file, &st) == 0 &&
		    (st.st_mode & 077) != 0)
			log_warnx("%s (smtp_password_file) can be read by other "
			    "users: chmod 600 it", cfg->smtp_password_file);
		data[strcspn(data, "\r\n")] = '\0';
		*pw = data;
		return 0;
	}
	if (cfg->smtp_password_env != NULL && *cfg->smtp_password_env) {
		if ((e = getenv(cfg->smtp_password_env)) == NULL || *e == '\0')
			return errorf(errstr, EX_CONFIG, "the environment "
			    "variable %s (smtp_password_env) that should hold "
			    "the SMTP password is not set",
			    cfg->smtp_password_env);
		*pw = xstrdup(e);
		return 0;
	}
	return errorf(errstr, EX_CONFIG, "smtp_user is set but no password: "
	    "set smtp_password_file or smtp_password_env in setuplink.conf");
}

static size_t
transport_smtp_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct smtp_src *s = arg;
	size_t n = size * nitems;

	if (n > s->left)
		n = s->left;
	memcpy(buf, s->p, n);
	s->p += n;
	s->left -= n;
	return n;
}

/*
 * Keep the server's last reply line, and the first that said no (4xx or
 * 5xx): after a refusal curl says QUIT, and "221 Bye" is not the reason.
 * What we send (AUTH!) is never kept.
 */
static int
transport_smtp_debug(CURL *h, curl_infotype type, char *data, size_t size,
    void *arg)
{
	struct smtp_reply *r = arg;
	size_t n;

	if (type != CURLINFO_HEADER_IN)
		return 0;
	while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
		size--;
	if (size == 0)
		return 0;
	n = size < sizeof r->line - 1 ? size : sizeof r->line - 1;
	memcpy(r->line, data, n);
	r->line[n] = '\0';
	if (r->refusal[0] == '\0' && (data[0] == '4' || data[0] == '5') &&
	    size >= 3 && isdigit((unsigned char)data[1]) &&
	    isdigit((unsigned char)data[2]))
		memcpy(r->refusal, r->line, n + 1);
	return 0;
}

/* Asked while curl waits: the TUI's Esc cancels a send. */
static int
transport_smtp_progress(void *arg, curl_off_t dlt, curl_off_t dln,
    curl_off_t ult, curl_off_t uln)
{
	return transport_cancelled() ? 1 : 0;
}

/* The code of a reply line ("530 5.7.0 ..."), or 0. */
static long
transport_smtp_code(const char *line)
{
	if (!isdigit((unsigned char)line[0]) ||
	    !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2]))
		return 0;
	return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

/* SMTP wants CRLF line ends; curl dot-stuffs only after a CRLF. */
static char *
transport_smtp_crlf(const char *p, size_t len, size_t *outlen)
{
	struct buf b;
	size_t i, start = 0;

	buf_init(&b);
	for (i = 0; i < len; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r')) {
			buf_add(&b, p + start, i - start);
			buf_add(&b, "\r\n", 2);
			start = i + 1;
		}
	}
	buf_add(&b, p + start, len - start);
	*outlen = b.len;
	return buf_take(&b);
}

/*
 * The sentence and the status for a send that failed.  What the admin
 * must fix in the configuration (a host that does not exist, a login
 * refused or missing) is 78, so that nothing is moved aside and no one
 * waits for a retry that cannot work; a refusal of the message itself
 * (5xx to MAIL, RCPT or DATA) is 69; anything else may pass: 75.
 */
static int
transport_smtp_error(const struct config *cfg, const char *scheme,
    const char *host, const char *where, const char *user, CURLcode res,
    long code, const char *said, const char *errbuf, char **errstr)
{
	if (res == CURLE_ABORTED_BY_CALLBACK)
		return errorf(errstr, EX_TEMPFAIL, "sending through the SMTP "
		    "server %s was cancelled", where);
	if (res == CURLE_COULDNT_RESOLVE_HOST)
		return errorf(errstr, EX_CONFIG, "the SMTP server's host '%s' "
		    "cannot be found (no such name in DNS): fix the host in "
		    "the transport setting (transport in setuplink.conf, or "
		    "--transport %s://HOST[:PORT])", host, scheme);
	if (res == CURLE_LOGIN_DENIED || code == 535 || code == 534)
		return errorf(errstr, EX_CONFIG, "the SMTP server %s refused "
		    "the login of smtp_user '%s'%s%s%s: check smtp_user and the "
		    "password", where, user != NULL ? user : "",
		    *said ? " (" : "", said, *said ? ")" : "");
	if (code == 530)
		return errorf(errstr, EX_CONFIG, "the SMTP server %s wants a "
		    "login before it takes mail (it said \"%s\"): %s; nothing "
		    "was sent", where, said, user == NULL ? "set smtp_user and "
		    "smtp_password_file in setuplink.conf" : "check smtp_user, "
		    "the password and the port");
	if (res == CURLE_SSL_CACERT_BADFILE && cfg != NULL &&
	    cfg->smtp_ca_file != NULL && *cfg->smtp_ca_file)
		return errorf(errstr, EX_CONFIG, "cannot use %s (smtp_ca_file) "
		    "to check the SMTP server %s: %s: give a readable PEM file "
		    "of CA certificates", cfg->smtp_ca_file, where, *errbuf ?
		    errbuf : curl_easy_strerror(res));
	if (res == CURLE_USE_SSL_FAILED && user != NULL &&
	    strcmp(scheme, "smtp") == 0)
		return errorf(errstr, EX_TEMPFAIL, "the SMTP server %s does not "
		    "offer STARTTLS, and with smtp_user set the password goes "
		    "only over TLS: the message was not sent (use a server or "
		    "port with TLS, or smtps://)", where);
	if (res == CURLE_USE_SSL_FAILED && strcmp(scheme, "smtp") == 0)
		return errorf(errstr, EX_TEMPFAIL, "the SMTP server %s does not "
		    "offer STARTTLS, and a setup email's addresses carry its "
		    "link's token: the message was not sent (use a server or "
		    "port with TLS, or smtps://; or, knowing the risk, set "
		    "smtp_require_starttls = no)", where);
	if (code >= 500 && code <= 599)
		return errorf(errstr, EX_UNAVAILABLE, "the SMTP server %s "
		    "refused the message for good: %s", where, *said ? said :
		    curl_easy_strerror(res));
	return errorf(errstr, EX_TEMPFAIL, "cannot send through the SMTP "
	    "server %s: %s%s%s%s%s%s%s: the message was not sent; try again "
	    "later", where, curl_easy_strerror(res), *errbuf ? " (" : "",
	    errbuf, *errbuf ? ")" : "", code >= 400 ? "; the server said \"" :
	    "", code >= 400 ? said : "", code >= 400 ? "\"" : "");
}

/*
 * STARTTLS is required unless smtp_require_starttls is off (never with
 * AUTH, whose password goes only over TLS); off, every send says so.
 */
static bool
transport_smtp_tls_required(const struct config *cfg, const char *user,
    const char *where)
{
	if (user != NULL || cfg == NULL || cfg->smtp_require_starttls)
		return true;
	log_warnx("smtp_require_starttls is off: if the SMTP server %s offers "
	    "no STARTTLS, this mail and the link token in its addresses go "
	    "in cleartext", where);
	return false;
}

static int
transport_smtp_run(const struct config *cfg, const char *scheme,
    const char *arg, long dflt, const struct transport_msg *m, char **errstr)
{
	struct curl_slist *rcpts = NULL;
	struct smtp_reply reply;
	struct smtp_src src;
	char errbuf[CURL_ERROR_SIZE], *host = NULL, *url = NULL, *from = NULL;
	char *pw = NULL, *data = NULL, *said = NULL, *where = NULL;
	const char *user = NULL, *ehlo = "localhost";
	size_t i, len;
	long port, code = 0;
	CURLcode res;
	CURL *c = NULL;
	int rv;

	if ((rv = transport_smtp_parse(scheme, arg, dflt, &host, &port,
	    errstr)) != 0)
		return EX_CONFIG;
	where = xprintf("%s:%ld", host, port);
	if ((rv = curl_load(errstr)) != 0)
		goto out;
	if (cfg != NULL && cfg->smtp_user != NULL && *cfg->smtp_user) {
		user = cfg->smtp_user;
		if ((rv = transport_smtp_password(cfg, &pw, errstr)) != 0)
			goto out;
	}
	if (cfg != NULL && cfg->intake_domain != NULL && *cfg->intake_domain)
		ehlo = cfg->intake_domain;
	if ((c = curl_easy_init()) == NULL) {
		rv = errorf(errstr, EX_TEMPFAIL, "cannot start libcurl to reach "
		    "the SMTP server %s", where);
		goto out;
	}
	url = xprintf("%s://%s:%ld/%s", scheme, host, port, ehlo);
	from = xprintf("<%s>", m->env_from);
	for (i = 0; i < m->nrcpts; i++) {
		char *r = xprintf("<%s>", m->rcpts[i]);
		struct curl_slist *t = curl_slist_append(rcpts, r);
		free(r);
		if (t == NULL)
			fatalx("out of memory");
		rcpts = t;
	}
	data = transport_smtp_crlf(m->data, m->len, &len);
	src.p = data;
	src.left = len;
	errbuf[0] = '\0';
	reply.line[0] = reply.refusal[0] = '\0';

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, SMTP_CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, SMTP_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, *m->env_from ? from : "");
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, transport_smtp_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &src);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, transport_smtp_debug);
	curl_easy_setopt(c, CURLOPT_DEBUGDATA, &reply);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, transport_smtp_progress);
	if (strcmp(scheme, "smtp") == 0)
		curl_easy_setopt(c, CURLOPT_USE_SSL,
		    transport_smtp_tls_required(cfg, user, where) ?
		    (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
	if (user != NULL) {
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, pw);
	}
	if (cfg != NULL && cfg->smtp_ca_file != NULL && *cfg->smtp_ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, cfg->smtp_ca_file);
	if (cfg != NULL && !cfg->smtp_verify) {
		log_warnx("smtp_verify is off: the certificate of the SMTP server "
		    "%s is not checked, so anyone on the way can read this mail%s",
		    where, user != NULL ? " and the SMTP password" : "");
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}

	res = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (res == CURLE_OK) {
		rv = 0;
		log_debug("sent through %s to %s", where, m->rcpts[0]);
		goto out;
	}
	if (reply.refusal[0] != '\0')
		code = transport_smtp_code(reply.refusal);
	said = str_safe(reply.refusal[0] ? reply.refusal : reply.line);
	rv = transport_smtp_error(cfg, scheme, host, where, user, res, code,
	    said, errbuf, errstr);
out:
	if (pw != NULL) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
	if (c != NULL)
		curl_easy_cleanup(c);
	curl_slist_free_all(rcpts);
	free(said);
	free(data);
	free(from);
	free(url);
	free(where);
	free(host);
	return rv;
}

static int
transport_smtp_send(const struct config *cfg, const struct home *home,
    const char *arg, const struct transport_msg *m, char **errstr)
{
	return transport_smtp_run(cfg, "smtp", arg, 25, m, errstr);
}

static int
transport_smtps_send(const struct config *cfg, const struct home *home,
    const char *arg, const struct transport_msg *m, char **errstr)
{
	return transport_smtp_run(cfg, "smtps", arg, 465, m, errstr);
}

const struct transport_backend transport_smtp_backend = {
	"smtp", "://", true, transport_smtp_check, transport_smtp_send
};

const struct transport_backend transport_smtps_backend = {
	"smtps", "://", true, transport_smtps_check, transport_smtps_send
};
