/* admin-test.c: testing a draft's credentials, once for the command line,
 * the interface and the intake's worker: open the values as `draft
 * export` does, run the connector's test (mailer/probe), keep the result
 * on the draft, audit it and queue the webhook's event. */
#include <stdlib.h>
#include <string.h>

#include "mailer/admin.h"
#include "mailer/intake/intake.h"
#include "mailer/probe/probe.h"
#include "util/util.h"

/* A result made here, without the service: the draft lacks values. */
static void
incomplete(struct probe_result *res, char **missing, size_t n)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", missing[i]);
	res->status = EX_DATAERR;
	res->failure = xstrdup("incomplete");
	res->blame = xcalloc(n + 1, sizeof *res->blame);
	for (i = 0; i < n; i++)
		res->blame[res->nblame++] = xstrdup(missing[i]);
	res->checks = xcalloc(1, sizeof *res->checks);
	res->checks[0].check = xstrdup("incomplete");
	res->checks[0].detail = xprintf("the draft lacks %s, so the test "
	    "cannot try it", b.data);
	res->nchecks = 1;
	buf_free(&b);
}

static int
test_record(struct session *s, int64_t id, int64_t values_at,
    const struct probe_result *res, const char *actor, char **errstr)
{
	struct draft_test t = { 0 };
	char *detail;
	int rv;

	t.at = time_now();
	t.values_at = values_at;
	t.status = res->status;
	t.result = probe_result_to_json(res);
	detail = res->status == 0 ? xstrdup("passed") :
	    xprintf("failed: %s", res->failure ? res->failure : "?");
	if ((rv = store_begin(s->st, errstr)) != 0)
		goto out;
	if ((rv = draft_test_save(s->st, id, &t, errstr)) != 0 ||
	    (rv = audit_add(s->st, actor, "test", id, 0, detail,
	    errstr)) != 0 ||
	    (rv = event_add(s->st, res->status == 0 ? "test_passed" :
	    "test_failed", id, 0, (const char *const *)res->blame,
	    res->nblame, res->failure, errstr)) != 0) {
		store_rollback(s->st);
		goto out;
	}
	rv = store_commit(s->st, errstr);
out:
	free(detail);
	draft_test_clear(&t);
	return rv;
}

int
admin_test_draft(struct session *s, int64_t id, const char *actor,
    struct probe_result *res, char **errstr)
{
	const struct connector *c;
	struct probe_value *vals = NULL;
	struct probe_opts o = { 0 };
	struct draft *d = NULL;
	const char *method = NULL;
	char **missing = NULL, *cid = NULL, *csecret = NULL;
	size_t nmissing = 0, i, n = 0;
	int rv;

	memset(res, 0, sizeof *res);
	/* The values as the service wants them: secrets opened. */
	if ((rv = draft_get_revealed(s, id, &d, errstr)) != 0)
		return rv;
	if ((rv = draft_connector(s, d, &c, &method, errstr)) != 0)
		goto out;
	if (!draft_complete(c, d, &missing, &nmissing))
		incomplete(res, missing, nmissing);
	else {
		vals = xcalloc(d->nfields + 1, sizeof *vals);
		for (i = 0; i < d->nfields; i++) {
			if (d->fields[i].value == NULL)
				continue;
			vals[n].key = d->fields[i].key;
			vals[n].value = d->fields[i].value;
			vals[n++].len = d->fields[i].len;
		}
		/* A sign-in's refresh token is traded with the workspace's
		 * client, which the probe cannot read for itself. */
		if (c->oauth != NULL && method != NULL &&
		    strcmp(method, c->oauth->method) == 0 &&
		    intake_signin_client(&s->home, c->oauth->client, &cid,
		    &csecret, NULL) == 0) {
			vals = xreallocarray(vals, n + 3, sizeof *vals);
			vals[n].key = "oauth.client_id";
			vals[n].value = cid;
			vals[n++].len = strlen(cid);
			if (csecret != NULL) {
				vals[n].key = "oauth.client_secret";
				vals[n].value = csecret;
				vals[n++].len = strlen(csecret);
			}
		}
		o.timeout_ms = s->cfg.test_timeout * 1000;
		o.networks = s->cfg.test_networks;
		if ((rv = probe_run(c, method, vals, n, &o, res, errstr)) != 0)
			goto out;
	}
	rv = test_record(s, id, d->updated, res, actor, errstr);
out:
	strv_free(&missing, nmissing);
	free(vals);
	free(cid);
	if (csecret != NULL)
		explicit_bzero(csecret, strlen(csecret));
	free(csecret);
	draft_free(&d);
	return rv;
}

/*
 * The fields the failure points at whose value came in a reply to link,
 * and who sent it: those a follow-up may ask the recipient to check.
 */
static size_t
merged_blame(const struct draft *d, const struct probe_result *res,
    int64_t link, const char ***keys, const char **from)
{
	const struct field_value *fv;
	size_t i, n = 0;

	*keys = xcalloc(res->nblame + 1, sizeof **keys);
	*from = NULL;
	for (i = 0; i < res->nblame; i++) {
		fv = draft_value(d, res->blame[i]);
		if (fv == NULL || !fv->set || fv->src.kind != SOURCE_REPLY ||
		    fv->src.link != link || fv->src.from == NULL)
			continue;
		(*keys)[n++] = fv->key;
		*from = fv->src.from;
	}
	return n;
}

static int
queue_mail(struct session *s, const struct followup *fu, char **errstr)
{
	struct reply_mail rm;
	int rv;

	if ((rv = followup_compose(fu, &rm, errstr)) != 0)
		return rv;
	rv = outmail_queue(s->st, rm.message_id, "", rm.rcpt, rm.data, rm.len,
	    errstr);
	reply_mail_free(&rm);
	return rv;
}

/* A fresh link for just the failed fields, same requirement and signer. */
static void
renew(struct session *s, const struct link *l, const char *const *keys,
    size_t n, struct followup *fu, struct share_result *sr)
{
	struct share_request rq = { 0 };
	char *err = NULL;

	rq.draft = l->draft;
	rq.to = l->to;
	rq.fields = keys;
	rq.nfields = n;
	rq.require = l->require;
	rq.signer = l->signer;
	rq.note = "The test of the values you sent did not pass: please "
	    "send these again.";
	rq.admin = s->cfg.admin_email;
	if (share_link(&s->cfg, &s->home, s->st, s->cat, &rq, sr, &err) != 0) {
		log_warnx("draft %lld: could not renew link %lld after a failed "
		    "test: %s", (long long)l->draft, (long long)l->id, err);
		free(err);
		return;
	}
	fu->renew_address = sr->reply_address;
	fu->renew_link = sr->link;
}

/* May the recipient be told, within the reply limits? */
static bool
may_tell(struct session *s, const char *rcpt, int64_t now, int64_t draft)
{
	int64_t mine = 0, all = 0;
	char *err = NULL;

	if (reply_count(s->st, rcpt, now - 3600, &mine, &err) != 0 ||
	    reply_count(s->st, NULL, now - 3600, &all, &err) != 0) {
		log_warnx("draft %lld: %s", (long long)draft, err);
		free(err);
		return false;
	}
	if (mine >= s->cfg.replies_per_sender || all >= s->cfg.replies_total) {
		log_warnx("draft %lld: the failed test is not told to %s: reply "
		    "limit reached", (long long)draft, rcpt);
		return false;
	}
	return true;
}

static void
followup_init(struct followup *fu, struct session *s, const struct draft *d,
    const struct connector *c, const struct link *l,
    const struct probe_result *res)
{
	memset(fu, 0, sizeof *fu);
	fu->cfg = &s->cfg;
	fu->now = time_now();
	fu->seed = xprintf("%lld.%lld.%lld", (long long)d->id,
	    (long long)l->id, (long long)d->updated);
	fu->in_reply_to = l->message_id;
	fu->link = l->id;
	fu->draft = d->id;
	fu->draft_name = d->name;
	fu->connector = c->name;
	fu->failure = res->failure;
	fu->passed = res->status == 0;
}

/*
 * The admin's note and the recipient's follow-up, queued in one
 * transaction; a fresh link is made first, since sharing one commits
 * and sends on its own.
 */
static int
after_merge_mail(struct session *s, const struct draft *d,
    const struct connector *c, const struct link *l,
    const struct probe_result *res, char **errstr)
{
	struct followup fu;
	struct share_result sr = { 0 };
	const char **keys = NULL, *from;
	size_t n;
	bool tell;
	int rv;

	followup_init(&fu, s, d, c, l, res);
	n = merged_blame(d, res, l->id, &keys, &from);
	tell = res->status == EX_UNAVAILABLE && n > 0 &&
	    may_tell(s, from, fu.now, d->id);
	if (tell && s->cfg.renew_on_failed_test)
		renew(s, l, keys, n, &fu, &sr);
	if ((rv = store_begin(s->st, errstr)) != 0)
		goto out;
	if (s->cfg.notify_admin && s->cfg.admin_email != NULL) {
		fu.to_admin = true;
		fu.fields = (const char *const *)res->blame;
		fu.nfields = res->nblame;
		rv = queue_mail(s, &fu, errstr);
	}
	if (rv == 0 && tell) {
		fu.to_admin = false;
		fu.rcpt = from;
		fu.fields = keys;
		fu.nfields = n;
		if ((rv = queue_mail(s, &fu, errstr)) == 0)
			rv = reply_note(s->st, from, fu.now, errstr);
	}
	if (rv != 0)
		store_rollback(s->st);
	else
		rv = store_commit(s->st, errstr);
out:
	share_result_free(&sr);
	free((char *)fu.seed);
	free(keys);
	return rv;
}

int
admin_test_merged(struct session *s, int64_t id, int64_t link,
    struct probe_result *res, char **errstr)
{
	const struct connector *c;
	struct draft *d = NULL;
	struct link *l = NULL;
	struct intake *in = NULL;
	int rv;

	memset(res, 0, sizeof *res);
	if ((rv = draft_get(s->st, s->cat, id, &d, errstr)) != 0)
		return rv;
	if ((c = catalog_find(s->cat, d->connector)) == NULL ||
	    !draft_complete(c, d, NULL, NULL))
		goto out;	/* nothing to test yet */
	draft_free(&d);
	if ((rv = admin_test_draft(s, id, "intake", res, errstr)) == EX_NOPERM) {
		/* A vault with a passphrase and nobody to give it: the
		 * intake goes on, the admin tests by hand. */
		log_warnx("draft %lld: test_on_merge cannot open the secrets "
		    "without the vault's passphrase (set "
		    "SETUPLINK_VAULT_PASSPHRASE_FILE for the intake): %s",
		    (long long)id, *errstr);
		freep(errstr);
		rv = 0;
		goto out;
	}
	if (rv != 0 || (rv = draft_get(s->st, s->cat, id, &d, errstr)) != 0)
		goto out;
	if (link_get(s->st, link, &l, NULL) != 0)
		goto out;
	if ((rv = after_merge_mail(s, d, c, l, res, errstr)) == 0) {
		intake_open(&s->cfg, &s->home, s->st, s->cat, NULL, &in);
		intake_send_queued(in);
		intake_close(&in);
	}
out:
	link_free(&l);
	draft_free(&d);
	return rv;
}
