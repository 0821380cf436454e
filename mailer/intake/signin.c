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

#include <jansson.h>

#include "util/util.h"
#include "mailer/intake/private.h"

#define SIGNIN_LEASE	30	/* seconds past a poll that a lease runs */
#define SIGNIN_TRIES	5	/* provider failures in a row before giving up */

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
		hex = hex_lower((const unsigned char *)v->v[i].value,
		    v->v[i].len);
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

/* Whether v writes f already (the reply gave it). */
static bool
signin_has(const struct intake_verdict *v, const struct field_def *f)
{
	size_t i;

	for (i = 0; i < v->nv; i++) {
		if (v->v[i].f == f)
			return true;
	}
	return false;
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
	if ((l->state != LINK_PENDING && l->state != LINK_BOUNCED) ||
	    l->expires <= time_now()) {
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
	n = json_object_size(o) + 3;
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
	if (r->conn->oauth->client_id_field != NULL &&
	    (f = connector_field(r->conn, r->conn->oauth->client_id_field)) !=
	    NULL && !signin_has(&v, f)) {
		v.v[v.nv].f = f;
		v.v[v.nv].value = xstrdup(r->client.client_id);
		v.v[v.nv++].len = strlen(r->client.client_id);
	}
	if (account != NULL && r->conn->oauth->account_field != NULL &&
	    (f = connector_field(r->conn, r->conn->oauth->account_field)) !=
	    NULL && !signin_has(&v, f)) {
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
	int rv, tries;

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
			/* The provider will not give this token twice: a busy
			 * store is waited for. */
			for (tries = 0; (rv = signin_merge(&r, token, account,
			    &d, errstr)) == EX_TEMPFAIL && tries < 10; tries++) {
				freep(errstr);
				signin_sleep(1);
			}
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
