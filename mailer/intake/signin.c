/* signin.c: OAuth sign-in by email (RFC 8628, the device authorization
 * grant).  A reply that chooses a connector's OAuth method without giving
 * its token starts one: the intake stores it (one active per link) and
 * starts a worker of its own (setuplink intake --signin ID), which asks
 * the provider for a device code, mails the recipient the address and
 * the user code, and polls the token endpoint at the provider's interval.
 * Once authorised, the refresh token is merged with the reply's other
 * values (source kind oauth), the link used, the receipt sent.  Every
 * step is in the store, under a lease the worker renews: a --watch loop
 * starts a new worker for a sign-in whose worker is gone.  No token is
 * ever written to mail, a log or stderr. */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ini.h>
#include <jansson.h>

#include "util/util.h"
#include "util/http.h"
#include "mailer/intake/private.h"

#define SIGNIN_LEASE	30	/* seconds past a poll that a lease runs */
#define SIGNIN_TRIES	5	/* provider failures in a row before giving up */
#define SIGNIN_SECRET_MAX 4096
#define GRANT_DEVICE	"urn:ietf:params:oauth:grant-type:device_code"

/* ---- The workspace's client, HOME/oauth/NAME.conf ---- */

struct signin_client {
	char	*client_id;
	char	*secret_file;
	char	*secret;	/* the file's first line, or NULL */
	char	*bad;		/* a key inih read that we do not know */
};

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

static void
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

static int
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

/* ---- Starting one, in the intake's transaction ---- */

/* The reply chose the OAuth method and left its token to us. */
static bool
signin_wanted(const struct intake_verdict *v)
{
	const struct oauth_def *o = v->conn != NULL ? v->conn->oauth : NULL;
	bool method = false, in_link = false;
	size_t i;

	if (o == NULL || v->link == NULL)
		return false;
	for (i = 0; i < v->nv; i++) {
		if (strcmp(v->v[i].f->key, o->token_field) == 0)
			return false;
		if (strcmp(v->v[i].f->key, v->conn->method_field) == 0 &&
		    strcmp(v->v[i].value, o->method) == 0)
			method = true;
	}
	for (i = 0; i < v->link->nfields; i++)
		in_link |= strcmp(v->link->fields[i], o->token_field) == 0;
	return method && in_link;
}

static char *
signin_aad(int64_t link, const char *message_id, const char *what)
{
	return xprintf("setuplink signin %lld %s %s", (long long)link,
	    message_id, what);
}

static char *
signin_hex(const char *p, size_t len)
{
	static const char hx[] = "0123456789abcdef";
	char *s = xmalloc(2 * len + 1);
	size_t i;

	for (i = 0; i < len; i++) {
		s[2 * i] = hx[(unsigned char)p[i] >> 4];
		s[2 * i + 1] = hx[(unsigned char)p[i] & 15];
	}
	s[2 * len] = '\0';
	return s;
}

static int
signin_unhex(const char *s, char **out, size_t *len)
{
	size_t n = strlen(s), i;
	unsigned int b;

	if (n % 2 != 0)
		return -1;
	*out = xmalloc(n / 2 + 1);
	for (i = 0; i < n / 2; i++) {
		if (sscanf(s + 2 * i, "%2x", &b) != 1) {
			free(*out);
			return -1;
		}
		(*out)[i] = (char)b;
	}
	(*out)[n / 2] = '\0';
	*len = n / 2;
	return 0;
}

/*
 * Inside the intake's transaction: 0 with *id the new sign-in, or *id 0
 * when one is running for the link already.
 */
int
intake_signin_begin(struct intake *in, struct intake_verdict *v,
    int64_t now, int64_t *id, char **errstr)
{
	unsigned char key[SEAL_KEY_BYTES];
	struct signin g;
	json_t *o;
	char *text, *aad, *hex;
	size_t i;
	int rv;

	*id = 0;
	if (!signin_wanted(v))
		return 0;
	if ((rv = share_token_key(in->home, key, errstr)) != 0)
		return rv;
	o = json_object();
	for (i = 0; i < v->nv; i++) {
		hex = signin_hex(v->v[i].value, v->v[i].len);
		json_object_set_new(o, v->v[i].f->key, json_string(hex));
		explicit_bzero(hex, strlen(hex));
		free(hex);
	}
	if ((text = json_dumps(o, JSON_COMPACT)) == NULL)
		fatalx("out of memory writing JSON");
	json_decref(o);
	aad = signin_aad(v->link->id, v->message_id, "values");
	memset(&g, 0, sizeof g);
	g.link = v->link->id;
	g.draft = v->link->draft;
	g.created = now;
	g.sender = v->sender;
	g.rcpt = v->reply_rcpt;
	g.message_id = v->message_id;
	g.in_reply_to = v->mail != NULL ? v->mail->message_id : NULL;
	g.signer = v->signer;
	g.encrypted = v->encrypted;
	g.pending = seal_text(key, aad, text);
	rv = signin_start(in->st, &g, id, errstr);
	explicit_bzero(text, strlen(text));
	explicit_bzero(key, sizeof key);
	free(text);
	free(aad);
	free(g.pending);
	if (rv == 0 && *id == 0) {
		intake_verdict_set(v, OUTCOME_IGNORED, "duplicate", "an OAuth "
		    "sign-in for link %lld is under way already; its code "
		    "still works", (long long)v->link->id);
		v->signin_busy = true;
	}
	return rv;
}

/* After the commit: the worker that polls, holding none of the MTA's pipes. */
void
intake_signin_spawn(struct intake *in, int64_t id)
{
	char sid[32], home[PATH_MAX];
	char *argv[] = { "setuplink", "--home", home, "intake", "--signin",
	    sid, NULL };

	if (id == 0 || in->opts.dry_run)
		return;
	snprintf(sid, sizeof sid, "%lld", (long long)id);
	snprintf(home, sizeof home, "%s", in->home->dir);
	intake_spawn_self(in, argv, "the OAuth sign-in");
}

/* ---- The worker ---- */

struct signin_run {
	struct intake		*in;
	struct signin		*g;
	const struct connector	*conn;
	struct draft		*draft;
	struct signin_client	 client;
	char			 owner[300];
	unsigned char		 key[SEAL_KEY_BYTES];
	char			**keys;		/* the draft's values for {key} */
	char			**values;
	size_t			 nkv;
};

static void
signin_owner(char *buf, size_t len)
{
	char host[256];

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	snprintf(buf, len, "%s:%ld", host, (long)getpid());
}

/* The owner's process is gone, as far as this host can tell. */
static bool
signin_owner_dead(const char *owner)
{
	char me[300], *colon;
	size_t hl;
	long pid;

	if (owner == NULL)
		return false;
	signin_owner(me, sizeof me);
	if ((colon = strrchr(owner, ':')) == NULL)
		return false;
	hl = (size_t)(colon - owner);
	if (strncmp(me, owner, hl) != 0 || me[hl] != ':')
		return false;
	pid = strtol(colon + 1, NULL, 10);
	return pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* What a reply told the recipient, queued and sent. */
static int
signin_tell(struct signin_run *r, enum signin_mail_kind kind,
    const char *why)
{
	struct intake *in = r->in;
	struct signin_mail sm;
	struct reply_mail rm;
	char *err = NULL;
	int rv;

	if (r->g->rcpt == NULL)
		return 0;
	memset(&sm, 0, sizeof sm);
	sm.kind = kind;
	sm.cfg = in->cfg;
	sm.now = time_now();
	sm.signin = r->g->id;
	sm.seed = r->g->message_id;
	sm.rcpt = r->g->rcpt;
	sm.in_reply_to = r->g->in_reply_to;
	sm.draft_name = r->draft->name;
	sm.connector = r->conn->name;
	sm.method_field = r->conn->method_field;
	sm.method = r->conn->oauth->method;
	sm.verify_uri = r->g->verify_uri;
	sm.verify_uri_complete = r->g->verify_uri_complete;
	sm.user_code = r->g->user_code;
	sm.expires = r->g->expires;
	sm.why = why;
	if ((rv = signin_mail_compose(&sm, &rm, &err)) == 0) {
		rv = outmail_queue(in->st, rm.message_id, "", rm.rcpt, rm.data,
		    rm.len, &err);
		reply_mail_free(&rm);
	}
	if (rv != 0)
		log_warnx("sign-in %lld: could not queue the message to %s: %s",
		    (long long)r->g->id, r->g->rcpt, err);
	free(err);
	return rv;
}

/* End the sign-in (the link stays as it is) and tell the recipient. */
static int
signin_stop(struct signin_run *r, const char *state,
    enum signin_mail_kind kind, const char *why, char **errstr)
{
	struct intake *in = r->in;
	int rv;

	if ((rv = store_begin(in->st, errstr)) != 0)
		return rv;
	if ((rv = signin_end(in->st, r->g->id, state, why, time_now(),
	    errstr)) != 0 || (rv = signin_tell(r, kind, why)) != 0) {
		store_rollback(in->st);
		return rv;
	}
	if ((rv = store_commit(in->st, errstr)) != 0)
		return rv;
	log_info("sign-in %lld for link %lld: %s%s%s", (long long)r->g->id,
	    (long long)r->g->link, state, why != NULL ? ": " : "",
	    why != NULL ? why : "");
	intake_send_queued(in);
	return 0;
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
static int
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

/*
 * Authorised: the reply's values and the refresh token merged in one
 * transaction (the token with source kind oauth, from the account that
 * signed in), the link used, the receipt queued, the sign-in ended.
 */
static int
signin_merge(struct signin_run *r, const char *token, const char *account,
    struct intake_decision *d, char **errstr)
{
	struct intake *in = r->in;
	struct intake_verdict v;
	struct link *l = NULL;
	char *plain = NULL, *aad, *val;
	const struct field_def *f;
	const char *k;
	json_t *o = NULL, *jv;
	struct buf keys;
	size_t n, len;
	int rv;

	memset(&v, 0, sizeof v);
	memset(d, 0, sizeof *d);
	buf_init(&keys);
	if ((rv = store_begin(in->st, errstr)) != 0)
		return rv;
	if ((rv = link_get(in->st, r->g->link, &l, errstr)) != 0)
		goto fail;
	if (l->state != LINK_PENDING && l->state != LINK_BOUNCED) {
		/* Revoked, expired or answered meanwhile: nothing to merge. */
		rv = signin_end(in->st, r->g->id, "failed", "the link is no "
		    "longer open", time_now(), errstr);
		goto done;
	}
	aad = signin_aad(r->g->link, r->g->message_id, "values");
	rv = r->g->pending != NULL ? unseal_text(r->key, aad, r->g->pending,
	    &plain, errstr) : 0;
	free(aad);
	if (rv != 0)
		goto fail;
	o = plain != NULL ? json_loads(plain, 0, NULL) : json_object();
	if (o == NULL)
		o = json_object();
	n = json_object_size(o) + 2;
	v.v = xcalloc(n, sizeof *v.v);
	json_object_foreach(o, k, jv) {
		if ((f = connector_field(r->conn, k)) == NULL ||
		    !json_is_string(jv) ||
		    signin_unhex(json_string_value(jv), &val, &len) != 0)
			continue;
		v.v[v.nv].f = f;
		v.v[v.nv].value = val;
		v.v[v.nv++].len = len;
	}
	v.oauth_from = v.nv;
	v.v[v.nv].f = connector_field(r->conn, r->conn->oauth->token_field);
	v.v[v.nv].value = xstrdup(token);
	v.v[v.nv++].len = strlen(token);
	if (account != NULL && r->conn->oauth->account_field != NULL &&
	    (f = connector_field(r->conn, r->conn->oauth->account_field)) !=
	    NULL) {
		v.v[v.nv].f = f;
		v.v[v.nv].value = xstrdup(account);
		v.v[v.nv++].len = strlen(account);
	}
	v.outcome = OUTCOME_ACCEPTED;
	v.oauth = true;
	v.oauth_account = account;
	v.message_id = r->g->message_id;
	v.in_reply_to = r->g->in_reply_to;
	v.sender = r->g->sender;
	v.reply_rcpt = r->g->rcpt;
	v.signer = r->g->signer;
	v.encrypted = r->g->encrypted;
	v.link = l;
	v.draft = r->draft;
	v.conn = r->conn;
	if ((rv = intake_merge(in, &v, time_now(), &keys, errstr)) != 0 ||
	    (rv = signin_end(in->st, r->g->id, "done", NULL, time_now(),
	    errstr)) != 0)
		goto fail;
	d->outcome = OUTCOME_ACCEPTED;
	d->link = l->id;
	d->draft = l->draft;
	d->fields = buf_take(&keys);
done:
	rv = store_commit(in->st, errstr);
	goto out;
fail:
	store_rollback(in->st);
out:
	/* The verdict borrowed these: only what it was given is freed. */
	v.message_id = v.sender = v.reply_rcpt = v.signer = NULL;
	v.in_reply_to = NULL;
	v.draft = NULL;
	v.link = NULL;
	intake_verdict_free(&v);
	json_decref(o);
	if (plain != NULL)
		explicit_bzero(plain, strlen(plain));
	free(plain);
	buf_free(&keys);
	link_free(&l);
	return rv;
}

/* Sleep s seconds (a signal ends the worker, and the lease lapses). */
static void
signin_sleep(int64_t s)
{
	struct timespec ts = { (time_t)s, 0 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Write the grant's state while the lease is ours: false when lost. */
static bool
signin_keep(struct signin_run *r)
{
	char *err = NULL;
	bool won = false;

	r->g->lease = time_now() + r->g->poll_every + SIGNIN_LEASE;
	if (signin_save(r->in->st, r->g, r->owner, &won, &err) != 0) {
		log_warnx("sign-in %lld: %s", (long long)r->g->id, err);
		free(err);
		return true;	/* the store is busy: go on, try again */
	}
	return won;
}

/* One poll of the token endpoint. */
enum signin_poll { POLL_WAIT, POLL_SLOW, POLL_DONE, POLL_DENIED,
	POLL_EXPIRED, POLL_ERROR, POLL_REFUSED };

static enum signin_poll
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
		if (json_str(a, "refresh_token") == NULL) {
			*why = xstrdup("the provider issued no refresh token "
			    "(the sign-in does not allow offline access)");
			p = POLL_REFUSED;
			goto out;
		}
		*token = xstrdup(json_str(a, "refresh_token"));
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

/* The draft's values (and the reply's, which win) for the URL templates. */
static int
signin_values(struct signin_run *r, char **errstr)
{
	char *plain = NULL, *aad, *val;
	const char *k;
	json_t *o, *jv;
	size_t i, len;
	int rv = 0;

	for (i = 0; i < r->draft->nfields; i++) {
		const struct field_value *fv = &r->draft->fields[i];
		if (fv->value == NULL || fv->sealed)
			continue;
		r->keys = xreallocarray(r->keys, r->nkv + 1, sizeof *r->keys);
		r->values = xreallocarray(r->values, r->nkv + 1,
		    sizeof *r->values);
		r->keys[r->nkv] = xstrdup(fv->key);
		r->values[r->nkv++] = xstrndup(fv->value, fv->len);
	}
	if (r->g->pending == NULL)
		return 0;
	aad = signin_aad(r->g->link, r->g->message_id, "values");
	rv = unseal_text(r->key, aad, r->g->pending, &plain, errstr);
	free(aad);
	if (rv != 0)
		return rv;
	if ((o = json_loads(plain, 0, NULL)) != NULL) {
		json_object_foreach(o, k, jv) {
			const struct field_def *f = connector_field(r->conn, k);
			if (f == NULL || f->secret || !json_is_string(jv) ||
			    signin_unhex(json_string_value(jv), &val,
			    &len) != 0)
				continue;
			r->keys = xreallocarray(r->keys, r->nkv + 1,
			    sizeof *r->keys);
			r->values = xreallocarray(r->values, r->nkv + 1,
			    sizeof *r->values);
			/* Later entries win in oauth_url. */
			r->keys[r->nkv] = xstrdup(k);
			r->values[r->nkv++] = val;
		}
		json_decref(o);
	}
	explicit_bzero(plain, strlen(plain));
	free(plain);
	return 0;
}

static void
signin_run_free(struct signin_run *r)
{
	signin_client_free(&r->client);
	strv_free(&r->keys, r->nkv);
	strv_free(&r->values, r->nkv);
	draft_free(&r->draft);
	signin_free(&r->g);
	explicit_bzero(r->key, sizeof r->key);
}

/*
 * intake --signin ID: the worker.  Returns 0 once the sign-in ended (or
 * another process holds it); the recipient is told how it ended.
 */
int
intake_signin_poll(struct intake *in, int64_t id, char **errstr)
{
	struct signin_run r;
	struct intake_decision d;
	enum signin_poll p;
	char *why = NULL, *token = NULL, *account = NULL, *dead;
	bool won;
	int rv;

	memset(&r, 0, sizeof r);
	memset(&d, 0, sizeof d);
	r.in = in;
	signin_owner(r.owner, sizeof r.owner);
	if ((rv = signin_get(in->st, id, &r.g, errstr)) != 0)
		goto out;
	if (strcmp(r.g->state, "active") != 0)
		goto out;
	dead = signin_owner_dead(r.g->owner) ? r.g->owner : NULL;
	if ((rv = signin_claim(in->st, id, r.owner, dead, time_now(),
	    time_now() + r.g->poll_every + SIGNIN_LEASE, &won, errstr)) != 0)
		goto out;
	if (!won) {
		log_info("sign-in %lld is polled by %s", (long long)id,
		    r.g->owner != NULL ? r.g->owner : "another process");
		goto out;
	}
	if ((rv = draft_get(in->st, in->cat, r.g->draft, &r.draft,
	    errstr)) != 0) {
		if (rv == EX_NOINPUT) {
			freep(errstr);
			rv = signin_end(in->st, id, "failed", "the draft was "
			    "removed", time_now(), errstr);
		}
		goto out;
	}
	if ((r.conn = catalog_find(in->cat, r.draft->connector)) == NULL ||
	    r.conn->oauth == NULL) {
		rv = errorf(errstr, EX_CONFIG, "sign-in %lld: the connector "
		    "'%s' no longer signs in with OAuth", (long long)id,
		    r.draft->connector);
		goto out;
	}
	if ((rv = share_token_key(in->home, r.key, errstr)) != 0 ||
	    (rv = signin_values(&r, errstr)) != 0)
		goto out;
	if (signin_client_load(in->home, r.conn->oauth->client, &r.client,
	    &why) != 0) {
		/* The admin's to fix; the recipient hears it is not ready. */
		log_warnx("sign-in %lld: %s", (long long)id, why);
		freep(&why);
		rv = signin_stop(&r, "failed", SIGNIN_MAIL_FAILED, "sign-in by "
		    "email is not set up for this workspace yet (the "
		    "administrator has been told)", errstr);
		goto out;
	}

	/* The device code, asked for once and kept. */
	while (r.g->device_code == NULL) {
		rv = signin_device(&r, &why, errstr);
		if (rv == 0) {
			if (!signin_keep(&r))
				goto out;
			rv = store_begin(in->st, errstr);
			if (rv == 0 && (rv = signin_tell(&r, SIGNIN_MAIL_CODE,
			    NULL)) == 0)
				rv = store_commit(in->st, errstr);
			else if (rv != 0)
				store_rollback(in->st);
			if (rv != 0)
				goto out;
			intake_send_queued(in);
			break;
		}
		if (rv != 1) {
			rv = signin_stop(&r, "failed", SIGNIN_MAIL_FAILED, why,
			    errstr);
			goto out;
		}
		if (++r.g->failures >= SIGNIN_TRIES) {
			rv = signin_stop(&r, "failed", SIGNIN_MAIL_FAILED,
			    "the provider did not answer the sign-in request",
			    errstr);
			goto out;
		}
		if (!signin_keep(&r))
			goto out;
		signin_sleep(r.g->failures * 2);
	}

	for (;;) {
		if (time_now() >= r.g->expires) {
			rv = signin_stop(&r, "expired", SIGNIN_MAIL_EXPIRED,
			    NULL, errstr);
			goto out;
		}
		signin_sleep(r.g->poll_every);
		p = signin_poll(&r, &token, &account, &why);
		switch (p) {
		case POLL_WAIT:
			r.g->failures = 0;
			break;
		case POLL_SLOW:
			/* RFC 8628 3.5: five seconds more, from now on. */
			r.g->poll_every += 5;
			r.g->failures = 0;
			break;
		case POLL_ERROR:
			if (++r.g->failures >= SIGNIN_TRIES) {
				rv = signin_stop(&r, "failed",
				    SIGNIN_MAIL_FAILED, "the provider kept "
				    "failing while we waited for your approval",
				    errstr);
				goto out;
			}
			break;
		case POLL_DENIED:
			rv = signin_stop(&r, "denied", SIGNIN_MAIL_DENIED, NULL,
			    errstr);
			goto out;
		case POLL_EXPIRED:
			rv = signin_stop(&r, "expired", SIGNIN_MAIL_EXPIRED,
			    NULL, errstr);
			goto out;
		case POLL_REFUSED:
			rv = signin_stop(&r, "failed", SIGNIN_MAIL_FAILED, why,
			    errstr);
			goto out;
		case POLL_DONE:
			rv = signin_merge(&r, token, account, &d, errstr);
			if (rv == 0 && d.outcome == OUTCOME_ACCEPTED) {
				log_info("sign-in %lld for link %lld: signed "
				    "in%s%s", (long long)id, (long long)r.g->link,
				    account != NULL ? " as " : "",
				    account != NULL ? account : "");
				intake_send_queued(in);
				intake_after(in, &d);
				intake_test_spawn(in, &d);
			}
			goto out;
		}
		if (!signin_keep(&r))
			goto out;
	}
out:
	if (token != NULL)
		explicit_bzero(token, strlen(token));
	free(token);
	free(account);
	free(why);
	intake_decision_free(&d);
	signin_run_free(&r);
	return rv;
}

/*
 * The --watch loop's turn: a worker for each active sign-in whose own is
 * gone (its lease lapsed, or its process on this host ended).  True while
 * any is active, so the loop comes back.
 */
bool
intake_signin_resume(struct intake *in)
{
	struct signin **v = NULL;
	char *err = NULL;
	size_t n = 0, i;
	int64_t now = time_now();

	if (in->opts.dry_run)
		return false;
	if (signin_active(in->st, &v, &n, &err) != 0) {
		log_debug("sign-ins: %s", err);
		free(err);
		return false;
	}
	for (i = 0; i < n; i++) {
		if (v[i]->owner == NULL || v[i]->lease < now ||
		    signin_owner_dead(v[i]->owner))
			intake_signin_spawn(in, v[i]->id);
	}
	signins_free(&v, n);
	return n > 0;
}
