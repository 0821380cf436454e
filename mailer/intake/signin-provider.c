/* signin-provider.c: what an OAuth sign-in says to the provider (RFC
 * 8628): the workspace's client (HOME/oauth/NAME.conf, its secret read
 * from client_secret_file), the device authorization request, one poll
 * of the token endpoint, and who signed in (the ID token's claims, else
 * the user endpoint).  Over util/http.c, libcurl loaded on first use.
 * No token, device code or secret reaches a log: errors name the host. */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>
#include <jansson.h>

#include "util/util.h"
#include "util/http.h"
#include "mailer/intake/private.h"

#define SIGNIN_SECRET_MAX 4096
#define GRANT_DEVICE	"urn:ietf:params:oauth:grant-type:device_code"
/* ---- The workspace's client, HOME/oauth/NAME.conf ---- */


static int
signin_client_key(void *arg, const char *section, const char *name,
    const char *value)
{
	struct signin_client *c = arg;

	(void)section;
	if (strcmp(name, "client_id") == 0) {
		free(c->client_id);
		c->client_id = xstrdup(value);
	} else if (strcmp(name, "client_secret_file") == 0) {
		free(c->secret_file);
		c->secret_file = xstrdup(value);
	} else if (c->bad == NULL)
		c->bad = xstrdup(name);
	return 1;
}

void
signin_client_free(struct signin_client *c)
{
	free(c->client_id);
	free(c->secret_file);
	if (c->secret != NULL)
		explicit_bzero(c->secret, strlen(c->secret));
	free(c->secret);
	free(c->bad);
	memset(c, 0, sizeof *c);
}

int
signin_client_load(const struct home *home, const char *name,
    struct signin_client *c, char **errstr)
{
	struct stat st;
	char *path = xprintf("%s/oauth/%s.conf", home->dir, name), *err = NULL;
	size_t len;
	int line, rv = 0;

	memset(c, 0, sizeof *c);
	if ((line = ini_parse(path, signin_client_key, c)) != 0) {
		rv = line < 0 ? errorf(errstr, EX_CONFIG, "the OAuth client "
		    "'%s' is not configured: write client_id = ... into %s",
		    name, path) : errorf(errstr, EX_CONFIG, "%s, line %d: not "
		    "a key = value line", path, line);
		goto out;
	}
	if (c->bad != NULL) {
		rv = errorf(errstr, EX_CONFIG, "%s: unknown key '%s' (known: "
		    "client_id, client_secret_file)", path, c->bad);
		goto out;
	}
	if (c->client_id == NULL || *c->client_id == '\0' ||
	    str_has_ctl(c->client_id)) {
		rv = errorf(errstr, EX_CONFIG, "%s: client_id is missing: "
		    "copy it from the provider's app registration", path);
		goto out;
	}
	if (c->secret_file != NULL && *c->secret_file != '\0') {
		if (file_read(c->secret_file, SIGNIN_SECRET_MAX, &c->secret,
		    &len, &err) != 0) {
			rv = errorf(errstr, EX_CONFIG, "%s: cannot read "
			    "client_secret_file %s: check that it exists and "
			    "is readable", path, c->secret_file);
			free(err);
			goto out;
		}
		if (stat(c->secret_file, &st) == 0 && (st.st_mode & 077) != 0)
			log_warnx("%s (client_secret_file of %s) can be read by "
			    "other users: chmod 600 it", c->secret_file, path);
		c->secret[strcspn(c->secret, "\r\n")] = '\0';
		if (*c->secret == '\0') {
			rv = errorf(errstr, EX_CONFIG, "client_secret_file %s "
			    "is empty: write the secret on its first line",
			    c->secret_file);
			goto out;
		}
	}
out:
	if (rv != 0)
		signin_client_free(c);
	free(path);
	return rv;
}

char *
signin_aad(int64_t link, const char *message_id, const char *what)
{
	return xprintf("setuplink signin %lld %s %s", (long long)link,
	    message_id, what);
}

/* The endpoint with the draft's values (and the reply's) for {key}. */
static int
signin_endpoint(struct signin_run *r, const char *tmpl, char **url,
    char **errstr)
{
	return oauth_url(tmpl, (const char *const *)r->keys,
	    (const char *const *)r->values, r->nkv, url, errstr);
}

/* POST a form; the parsed JSON answer (or NULL) and the status. */
static int
signin_post(const char *url, const char *const *names,
    const char *const *vals, size_t n, long *status, json_t **answer,
    char **errstr)
{
	static const char *const headers[] = {
		"Accept: application/json",
		"Content-Type: application/x-www-form-urlencoded",
	};
	struct http_request rq;
	struct http_response rs;
	char *body = http_form_encode(names, vals, n);
	int rv;

	*answer = NULL;
	*status = 0;
	memset(&rq, 0, sizeof rq);
	rq.method = "POST";
	rq.url = url;
	rq.headers = headers;
	rq.nheaders = nitems(headers);
	rq.body = body;
	rq.body_len = strlen(body);
	rq.timeout_ms = 20000;
	rv = http_do(&rq, &rs, errstr);
	explicit_bzero(body, strlen(body));
	free(body);
	if (rv == 0) {
		*status = rs.status;
		*answer = json_loadb(rs.body != NULL ? rs.body : "", rs.len, 0,
		    NULL);
	}
	if (rs.body != NULL)
		explicit_bzero(rs.body, rs.len);
	http_response_free(&rs);
	return rv;
}

/* The client's credentials in a form (client_secret_post). */
static size_t
signin_form(struct signin_run *r, const char **names, const char **vals)
{
	size_t n = 0;

	names[n] = "client_id";
	vals[n++] = r->client.client_id;
	if (r->client.secret != NULL) {
		names[n] = "client_secret";
		vals[n++] = r->client.secret;
	}
	return n;
}

static const char *
json_str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A line of text the recipient may read: printable, bounded. */
static char *
signin_plain(const char *s, size_t max)
{
	if (s == NULL || *s == '\0' || strlen(s) > max || str_has_ctl(s))
		return NULL;
	return xstrdup(s);
}

/* Ask for the device code.  1: try again later; 0 done; else a status. */
int
signin_device(struct signin_run *r, char **why, char **errstr)
{
	const struct oauth_def *o = r->conn->oauth;
	const char *names[4], *vals[4], *s;
	char *url = NULL, *err = NULL, *aad;
	json_t *a = NULL, *v;
	size_t n;
	long status;
	int rv;

	if ((rv = signin_endpoint(r, o->device_endpoint, &url, &err)) != 0) {
		*why = err;
		return EX_DATAERR;
	}
	n = signin_form(r, names, vals);
	if (o->scope != NULL) {
		names[n] = "scope";
		vals[n++] = o->scope;
	}
	if (signin_post(url, names, vals, n, &status, &a, &err) != 0 ||
	    status >= 500 || status == 429) {
		log_warnx("sign-in %lld: the device authorization endpoint "
		    "failed: %s", (long long)r->g->id, err != NULL ? err :
		    "a server error");
		free(err);
		rv = 1;
		goto out;
	}
	if (status != 200 || a == NULL || json_str(a, "device_code") == NULL ||
	    json_str(a, "user_code") == NULL ||
	    (json_str(a, "verification_uri") == NULL &&
	    json_str(a, "verification_url") == NULL)) {
		s = a != NULL ? json_str(a, "error") : NULL;
		*why = xprintf("the provider refused the sign-in request (%s)",
		    s != NULL && !str_has_ctl(s) && strlen(s) < 64 ? s :
		    "no device code");
		rv = EX_UNAVAILABLE;
		goto out;
	}
	free(r->g->user_code);
	free(r->g->verify_uri);
	free(r->g->verify_uri_complete);
	r->g->user_code = signin_plain(json_str(a, "user_code"), 64);
	s = json_str(a, "verification_uri");
	r->g->verify_uri = signin_plain(s != NULL ? s :
	    json_str(a, "verification_url"), 2000);
	r->g->verify_uri_complete = signin_plain(json_str(a,
	    "verification_uri_complete"), 2000);
	if (r->g->user_code == NULL || r->g->verify_uri == NULL ||
	    (strncmp(r->g->verify_uri, "https://", 8) != 0 &&
	    strncmp(r->g->verify_uri, "http://", 7) != 0)) {
		*why = xstrdup("the provider's answer had no usable address "
		    "or code");
		rv = EX_UNAVAILABLE;
		goto out;
	}
	v = json_object_get(a, "interval");
	r->g->poll_every = json_is_integer(v) && json_integer_value(v) > 0 &&
	    json_integer_value(v) < 600 ? json_integer_value(v) : 5;
	v = json_object_get(a, "expires_in");
	r->g->expires = time_now() + (json_is_integer(v) &&
	    json_integer_value(v) > 0 && json_integer_value(v) < 86400 ?
	    json_integer_value(v) : 900);
	aad = signin_aad(r->g->link, r->g->message_id, "device");
	free(r->g->device_code);
	r->g->device_code = seal_text(r->key, aad, json_str(a,
	    "device_code"));
	free(aad);
	r->g->failures = 0;
	rv = 0;
out:
	json_decref(a);
	free(url);
	(void)errstr;
	return rv;
}

/* base64url without padding, as a JWT's parts are. */
static char *
signin_b64url(const char *s, size_t len)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *out = xmalloc(len * 3 / 4 + 4), *p;
	unsigned int acc = 0;
	int bits = 0;
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '=')
			break;
		if ((p = strchr(al, s[i] == '+' ? '-' : s[i] == '/' ? '_' :
		    s[i])) == NULL || s[i] == '\0') {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned int)(p - al);
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	return out;
}

/* Who signed in: from the claims of an ID token or a user endpoint. */
static char *
signin_who(json_t *claims)
{
	static const char *const keys[] = { "email", "preferred_username",
	    "upn", "login", "username", "name" };
	const char *s;
	size_t i;

	for (i = 0; claims != NULL && i < nitems(keys); i++) {
		if ((s = json_str(claims, keys[i])) != NULL &&
		    *s != '\0' && strlen(s) <= 254 && !str_has_ctl(s))
			return xstrdup(s);
	}
	return NULL;
}

/*
 * The account that signed in: the ID token's claims (it came straight
 * from the token endpoint over the connection we opened, so it is read,
 * not verified: OpenID Connect Core 3.1.3.7), else the user endpoint's
 * answer to the access token.  NULL when the provider does not say.
 */
static char *
signin_account(struct signin_run *r, json_t *tok)
{
	const char *idt = json_str(tok, "id_token"), *at, *dot1, *dot2;
	struct http_request rq;
	struct http_response rs;
	char *payload, *who = NULL, *url = NULL, *auth, *err = NULL;
	const char *hdr[2];
	json_t *claims;

	if (idt != NULL && (dot1 = strchr(idt, '.')) != NULL &&
	    (dot2 = strchr(dot1 + 1, '.')) != NULL &&
	    (payload = signin_b64url(dot1 + 1, (size_t)(dot2 - dot1 - 1))) !=
	    NULL) {
		claims = json_loads(payload, 0, NULL);
		who = signin_who(claims);
		json_decref(claims);
		free(payload);
	}
	if (who != NULL || r->conn->oauth->userinfo_endpoint == NULL ||
	    (at = json_str(tok, "access_token")) == NULL ||
	    signin_endpoint(r, r->conn->oauth->userinfo_endpoint, &url,
	    &err) != 0) {
		free(err);
		return who;
	}
	auth = xprintf("Authorization: Bearer %s", at);
	hdr[0] = auth;
	hdr[1] = "Accept: application/json";
	memset(&rq, 0, sizeof rq);
	rq.url = url;
	rq.headers = hdr;
	rq.nheaders = 2;
	rq.timeout_ms = 20000;
	if (http_do(&rq, &rs, &err) == 0 && rs.status == 200 &&
	    (claims = json_loadb(rs.body, rs.len, 0, NULL)) != NULL) {
		who = signin_who(claims);
		json_decref(claims);
	}
	http_response_free(&rs);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	free(err);
	free(url);
	return who;
}



enum signin_poll
signin_poll(struct signin_run *r, char **token, char **account, char **why)
{
	const struct oauth_def *o = r->conn->oauth;
	const char *names[5], *vals[5], *e;
	char *url = NULL, *err = NULL, *aad, *dc = NULL;
	enum signin_poll p;
	json_t *a = NULL;
	size_t n;
	long status;

	*token = *account = NULL;
	aad = signin_aad(r->g->link, r->g->message_id, "device");
	if (unseal_text(r->key, aad, r->g->device_code, &dc, &err) != 0) {
		free(aad);
		*why = xstrdup("the sign-in's device code cannot be read");
		free(err);
		return POLL_REFUSED;
	}
	free(aad);
	if (signin_endpoint(r, o->token_endpoint, &url, &err) != 0) {
		*why = err;
		p = POLL_REFUSED;
		goto out;
	}
	n = signin_form(r, names, vals);
	names[n] = "grant_type";
	vals[n++] = GRANT_DEVICE;
	names[n] = "device_code";
	vals[n++] = dc;
	if (signin_post(url, names, vals, n, &status, &a, &err) != 0 ||
	    status >= 500 || status == 429 || a == NULL) {
		log_warnx("sign-in %lld: the token endpoint failed: %s",
		    (long long)r->g->id, err != NULL ? err : status ?
		    "a server error" : "no answer");
		freep(&err);
		p = POLL_ERROR;
		goto out;
	}
	if (status == 200 && json_str(a, "access_token") != NULL) {
		const char *kept = json_str(a, o->access_token ?
		    "access_token" : "refresh_token");
		if (kept == NULL || *kept == '\0') {
			*why = xstrdup("the provider issued no refresh token "
			    "(the sign-in does not allow offline access)");
			p = POLL_REFUSED;
			goto out;
		}
		*token = xstrdup(kept);
		*account = signin_account(r, a);
		p = POLL_DONE;
		goto out;
	}
	e = json_str(a, "error");
	if (e != NULL && strcmp(e, "authorization_pending") == 0)
		p = POLL_WAIT;
	else if (e != NULL && strcmp(e, "slow_down") == 0)
		p = POLL_SLOW;
	else if (e != NULL && strcmp(e, "access_denied") == 0)
		p = POLL_DENIED;
	else if (e != NULL && strcmp(e, "expired_token") == 0)
		p = POLL_EXPIRED;
	else {
		*why = xprintf("the provider refused the sign-in (%s)",
		    e != NULL && !str_has_ctl(e) && strlen(e) < 64 ? e :
		    "no reason given");
		p = POLL_REFUSED;
	}
out:
	json_decref(a);
	if (dc != NULL)
		explicit_bzero(dc, strlen(dc));
	free(dc);
	free(url);
	free(err);
	return p;
}

int
intake_signin_client(const struct home *home, const char *name,
    char **client_id, char **secret, char **errstr)
{
	struct signin_client c;
	int rv;

	*client_id = *secret = NULL;
	if ((rv = signin_client_load(home, name, &c, errstr)) != 0)
		return rv;
	*client_id = c.client_id;
	*secret = c.secret;
	c.client_id = c.secret = NULL;
	signin_client_free(&c);
	return 0;
}
