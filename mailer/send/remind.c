/* remind.c: links over time: renewing a link (a fresh one, same scope)
 * and reminding the recipients of links about to expire, with the same
 * reply address, from cron or a systemd timer. */
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "mailer/send/send.h"

int
link_renew(const struct config *cfg, const struct home *home,
    struct store *st, const struct catalog *cat, int64_t id, const char *to,
    int64_t expires_in, const char *admin, struct share_result *res,
    char **errstr)
{
	struct share_request req;
	struct link *old = NULL;
	char *detail, *err = NULL;
	int rv;

	memset(res, 0, sizeof *res);
	if ((rv = link_get(st, id, &old, errstr)) != 0)
		return rv;
	memset(&req, 0, sizeof req);
	req.draft = old->draft;
	req.to = to != NULL ? to : old->to;
	req.expires_in = expires_in;
	req.fields = (const char *const *)old->fields;
	req.nfields = old->nfields;
	req.require = old->require;
	req.signer = old->signer;
	req.note = old->note;
	req.admin = admin;
	/* The new link first: a renewal that cannot be sent keeps the old. */
	if ((rv = share_link(cfg, home, st, cat, &req, res, errstr)) != 0)
		goto out;
	if ((old->state == LINK_PENDING || old->state == LINK_BOUNCED) &&
	    link_revoke(st, id, admin, &err) != 0) {
		log_warnx("link %lld renewed as %lld, but could not be revoked: "
		    "%s", (long long)id, (long long)res->link, err);
		freep(&err);
	}
	detail = xprintf("renews link %lld", (long long)id);
	if (audit_add(st, admin, "link renew", old->draft, res->link, detail,
	    &err) != 0)
		log_warnx("the audit log misses a renewal: %s", err);
	free(detail);
out:
	free(err);
	link_free(&old);
	return rv;
}

/* What every reminder of a run shares: the key that opens tokens and the
 * workspace key that signs, opened once and only when one is due. */
struct remind_run {
	const struct config	*cfg;
	const struct home	*home;
	struct store		*st;
	const struct catalog	*cat;
	unsigned char		 key[SEAL_KEY_BYTES];
	bool			 have_key;
	struct crypto		*crypto;
	char			*fpr;
};

static int
remind_open(struct remind_run *r, char **errstr)
{
	char *path;
	int rv;

	if (r->have_key)
		return 0;
	path = xprintf("%s/token.key", r->home->dir);
	rv = seal_key(path, false, r->key, errstr);
	free(path);
	if (rv == 0 && (rv = crypto_open(r->home->gnupg,
	    (int)r->cfg->gpg_timeout, &r->crypto, errstr)) == 0)
		rv = crypto_workspace_key(r->crypto, &r->fpr, errstr);
	r->have_key = rv == 0;
	return rv;
}

/* The setup email of l again, marked as a reminder, to the same address. */
static int
remind_send(struct remind_run *r, const struct link *l, char **errstr)
{
	struct setup_mail sm;
	struct draft *d = NULL;
	char *sealed = NULL, *token = NULL, *aad = NULL, *msg = NULL;
	char *msgid = NULL, *reply = NULL;
	const char *rcpt[1] = { l->to };
	size_t len = 0;
	int rv;

	if ((rv = remind_open(r, errstr)) != 0 ||
	    (rv = link_token_get(r->st, l->id, &sealed, errstr)) != 0)
		goto out;
	aad = share_token_aad(l->id);
	if ((rv = unseal_text(r->key, aad, sealed, &token, errstr)) != 0 ||
	    (rv = draft_get(r->st, r->cat, l->draft, &d, errstr)) != 0)
		goto out;
	memset(&sm, 0, sizeof sm);
	sm.cfg = r->cfg;
	if ((sm.conn = catalog_find(r->cat, d->connector)) == NULL) {
		rv = errorf(errstr, EX_CONFIG, "the draft's connector '%s' is "
		    "no longer in the catalog", d->connector);
		goto out;
	}
	sm.draft = d;
	sm.link = l;
	sm.token = token;
	sm.prefill = (const char *const *)l->prefill;
	sm.crypto = r->crypto;
	sm.key_fpr = r->fpr;
	sm.reminder = true;
	msgid = message_id_new(r->cfg);
	if ((rv = compose_setup(&sm, msgid, &msg, &len, errstr)) != 0)
		goto out;
	reply = reply_address(r->cfg, token);
	rv = transport_send(r->cfg, r->home, NULL, reply, rcpt, 1, msg, len,
	    errstr);
out:
	if (token != NULL) {
		/* A server's sentence may quote the reply address. */
		if (errstr != NULL && *errstr != NULL &&
		    strstr(*errstr, token) != NULL) {
			free(*errstr);
			*errstr = xstrdup("the reminder could not be sent");
		}
		explicit_bzero(token, strlen(token));
		free(token);
	}
	if (msg != NULL)
		explicit_bzero(msg, len);
	free(msg);
	free(msgid);
	free(reply);
	free(aad);
	free(sealed);
	draft_free(&d);
	return rv;
}

/* One due link: claimed, sent, or given back to try next time. */
static int
remind_one(struct remind_run *r, const struct link *l, remind_fn cb,
    void *arg)
{
	char *err = NULL;
	bool won;
	int rv;

	if ((rv = link_remind_claim(r->st, l->id, true, &won, &err)) != 0 ||
	    !won)
		goto out;	/* another run has it */
	if ((rv = remind_send(r, l, &err)) != 0) {
		char *e2 = NULL;
		if (link_remind_claim(r->st, l->id, false, &won, &e2) != 0)
			log_warnx("%s", e2);
		free(e2);
		goto out;
	}
	if (audit_add(r->st, r->cfg->admin_email, "link remind", l->draft,
	    l->id, l->to, &err) != 0)
		log_warnx("the audit log misses a reminder: %s", err);
	freep(&err);
	cb(REMIND_SENT, l, NULL, arg);
out:
	if (rv != 0)
		cb(REMIND_FAILED, l, err, arg);
	free(err);
	return rv;
}

/* Links that expired unused since the last run, reported once. */
static int
remind_expired(struct remind_run *r, remind_fn cb, void *arg,
    char **errstr)
{
	struct link *l = NULL;
	int64_t *ids = NULL;
	size_t n = 0, i;
	int rv;

	if ((rv = link_expiry_note(r->st, time_now(), &ids, &n, errstr)) != 0)
		return rv;
	for (i = 0; i < n; i++) {
		if (link_get(r->st, ids[i], &l, NULL) != 0)
			continue;
		cb(REMIND_EXPIRED, l, NULL, arg);
		link_free(&l);
	}
	free(ids);
	return 0;
}

int
link_remind(const struct config *cfg, const struct home *home,
    struct store *st, const struct catalog *cat, int64_t before,
    bool dry_run, remind_fn cb, void *arg, char **errstr)
{
	struct remind_run r;
	struct link *l = NULL;
	int64_t *ids = NULL;
	size_t n = 0, i;
	int rv, last = 0;

	memset(&r, 0, sizeof r);
	r.cfg = cfg;
	r.home = home;
	r.st = st;
	r.cat = cat;
	if ((rv = link_remind_due(st, time_now(), before, &ids, &n,
	    errstr)) != 0)
		return rv;
	for (i = 0; i < n; i++) {
		if ((rv = link_get(st, ids[i], &l, errstr)) != 0)
			goto out;
		if (dry_run)
			cb(REMIND_WOULD, l, NULL, arg);
		else if ((rv = remind_one(&r, l, cb, arg)) != 0)
			last = rv;
		link_free(&l);
	}
	rv = dry_run ? 0 : remind_expired(&r, cb, arg, errstr);
	if (rv == 0 && last != 0)
		rv = errorf(errstr, last, "not every reminder could be sent; "
		    "they are tried again on the next run");
out:
	explicit_bzero(r.key, sizeof r.key);
	crypto_close(&r.crypto);
	free(r.fpr);
	free(ids);
	return rv;
}
