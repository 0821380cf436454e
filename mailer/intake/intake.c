/* intake.c: the decision about one reply: judged (intake_judge, reading
 * only, in the SPEC's order), then stored in one transaction
 * (intake_apply): the merge, the link, the log and the answer together. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "mailer/intake/private.h"

void
intake_open(const struct config *cfg, const struct home *home,
    struct store *st, const struct catalog *cat, const struct intake_opts *o,
    struct intake **out)
{
	struct intake *in = xcalloc(1, sizeof *in);

	in->cfg = cfg;
	in->home = home;
	in->st = st;
	in->cat = cat;
	if (o != NULL)
		in->opts = *o;
	in->ic.gnupghome = home->gnupg;
	in->ic.timeout_s = cfg->gpg_timeout > INT_MAX ? INT_MAX :
	    (int)cfg->gpg_timeout;
	*out = in;
}

void
intake_close(struct intake **inp)
{
	if (*inp == NULL)
		return;
	crypto_close(&(*inp)->ic.c);
	/* Forks not reaped yet go to init when this process ends; the
	 * parked ones start when it does (the gates close with it), not
	 * while it is still tearing down. */
	free((*inp)->workers);
	free((*inp)->gates);
	free(*inp);
	*inp = NULL;
}

/* The link a token names, if any; two different links are an error. */
static int
intake_token_link(struct intake *in, struct intake_verdict *v,
    const struct token_set *ts, bool *two, char **errstr)
{
	struct link *l;
	char *hash, *err = NULL;
	size_t i;
	int rv;

	*two = false;
	for (i = 0; i < ts->n; i++) {
		hash = sha256_hex(ts->v[i], strlen(ts->v[i]));
		rv = link_find_token(in->st, hash, &l, &err);
		free(hash);
		if (rv == EX_NOINPUT) {
			freep(&err);
			continue;
		}
		if (rv != 0) {
			*errstr = err;
			return rv;
		}
		if (v->link == NULL)
			v->link = l;
		else {
			if (l->id != v->link->id)
				*two = true;
			link_free(&l);
		}
	}
	return 0;
}

/*
 * Does a failed report quote the link's own setup email?  Anyone who holds
 * a token (a mailto URL pasted in a chat) can address a forged report to
 * it; only the returned headers carrying the setup email's Message-ID tie
 * a report to mail we sent.
 */
static bool
intake_report_ours(const struct mail *m, const struct link *l)
{
	return m->dsn_message_id != NULL && l->message_id != NULL &&
	    strcmp(m->dsn_message_id, l->message_id) == 0;
}

/* A delivery report: mark the setup email's link bounced when it failed. */
static int
intake_report(struct intake *in, const struct intake_raw *raw,
    struct intake_verdict *v, char **errstr)
{
	struct mail_limits lim;
	struct mail *full = NULL;
	struct token_set ts;
	char *err = NULL;
	bool two;
	int rv = 0;

	mail_limits_default(&lim);
	if (!raw->oversize && mail_parse(raw->data, raw->len, &lim, &full,
	    &err) == 0) {
		mail_free(&v->mail);
		v->mail = full;
	}
	free(err);
	err = NULL;
	if (!loop_dsn_failed(v->mail)) {
		intake_verdict_set(v, OUTCOME_IGNORED, "bounce", "a delivery "
		    "report (%s)", v->mail->dsn_action != NULL ? "not a failure" :
		    "no action given");
		return 0;
	}
	if (v->mail->dsn_message_id != NULL) {
		rv = link_find_message_id(in->st, v->mail->dsn_message_id,
		    &v->link, &err);
		if (rv == EX_NOINPUT)
			rv = 0;
		if (rv != 0) {
			*errstr = err;
			return rv;
		}
		free(err);
	}
	if (v->link == NULL) {
		token_collect(in->cfg, in->opts.recipient, v->mail, &ts);
		rv = intake_token_link(in, v, &ts, &two, errstr);
		token_set_free(&ts);
		if (rv != 0)
			return rv;
	}
	if (v->link == NULL)
		intake_verdict_set(v, OUTCOME_IGNORED, "bounce", "a failed "
		    "delivery report for no setup email of ours");
	else if (!intake_report_ours(v->mail, v->link))
		intake_verdict_set(v, OUTCOME_IGNORED, "bounce", "a failed "
		    "delivery report that does not quote the setup email of "
		    "link %lld: the link is left as it is",
		    (long long)v->link->id);
	else {
		v->bounce = true;
		intake_verdict_set(v, OUTCOME_IGNORED, "bounce", "the setup "
		    "email of link %lld could not be delivered",
		    (long long)v->link->id);
	}
	return 0;
}

static char *
intake_addr(const char *s)
{
	return s != NULL && address_valid(s) ? str_lower(xstrdup(s)) : NULL;
}

/*
 * The decision, in the SPEC's order: unreadable header, duplicate,
 * delivery report, mail from a machine, which link, size, the link's
 * state, and only then the body: parsing, OpenPGP (paid for only when a
 * part is signed or encrypted), the form.  The token is looked up before
 * any expensive step, and forged mail to no link costs almost nothing.
 */
int
intake_judge(struct intake *in, const struct intake_raw *raw,
    struct intake_verdict *v, char **errstr)
{
	const struct config *cfg = in->cfg;
	struct mail_limits lim;
	struct mail *full = NULL;
	struct token_set ts;
	const char *reason;
	char *err = NULL, *detail = NULL;
	bool dup, two;
	int rv;

	memset(v, 0, sizeof *v);
	memset(&ts, 0, sizeof ts);
	if (mail_parse_headers(raw->data, raw->len, &v->mail, &err) != 0) {
		v->message_id = xprintf("sha256:%s", raw->hash);
		intake_verdict_set(v, OUTCOME_REJECTED, "unreadable", "the "
		    "header block cannot be read: %s", err != NULL ? err :
		    "no header");
		free(err);
		return 0;
	}
	v->message_id = v->mail->message_id != NULL ?
	    xstrdup(v->mail->message_id) : xprintf("sha256:%s", raw->hash);
	v->sender = intake_addr(v->mail->from_addr);
	if (v->sender == NULL)
		v->sender = intake_addr(v->mail->return_path);
	if (v->sender == NULL)
		v->sender = intake_addr(v->mail->envelope_from);
	/* Our own address with a token (a setup email come back): the log
	 * must not keep the token, which is a key to the link. */
	if (v->sender != NULL && token_is_intake(cfg, v->sender)) {
		free(v->sender);
		v->sender = xstrdup(cfg->intake);
	}
	if (!v->mail->return_path_empty)
		v->reply_rcpt = intake_addr(v->mail->return_path);
	if (v->reply_rcpt == NULL && v->mail->return_path == NULL &&
	    !v->mail->return_path_empty)
		v->reply_rcpt = intake_addr(v->mail->envelope_from);
	if (v->reply_rcpt == NULL)
		v->reply_rcpt = intake_addr(v->mail->from_addr);

	if ((rv = message_accepted(in->st, v->message_id, &dup, errstr)) != 0)
		return rv;
	if (dup) {
		intake_verdict_set(v, OUTCOME_IGNORED, "duplicate", "a message "
		    "with this Message-ID was accepted already");
		return 0;
	}
	if (loop_is_report(v->mail))
		return intake_report(in, raw, v, errstr);
	if (loop_check(cfg, v->mail, &reason, &detail)) {
		intake_verdict_set(v, OUTCOME_IGNORED, reason, "%s", detail);
		free(detail);
		return 0;
	}

	token_collect(cfg, in->opts.recipient, v->mail, &ts);
	rv = intake_token_link(in, v, &ts, &two, errstr);
	if (rv != 0)
		goto out;
	if (two) {
		link_free(&v->link);
		intake_verdict_set(v, OUTCOME_REJECTED, "unknown_token", "it is "
		    "addressed to more than one setup link");
		goto out;
	}
	if (v->link == NULL) {
		intake_verdict_set(v, OUTCOME_REJECTED, "unknown_token", "%s",
		    ts.n > 0 ? "no setup link has the token it is addressed to" :
		    ts.malformed > 0 ? "the token in its recipient address is "
		    "malformed" : "it is addressed to no setup link");
		goto out;
	}
	v->answerable = v->reply_rcpt != NULL;
	/* The draft names what an answer is about, whatever the outcome. */
	rv = draft_get(in->st, in->cat, v->link->draft, &v->draft, &err);
	if (rv == EX_NOINPUT) {
		freep(&err);
		rv = 0;
	} else if (rv != 0) {
		*errstr = err;
		goto out;
	} else
		v->conn = catalog_find(in->cat, v->draft->connector);
	if (raw->oversize) {
		intake_verdict_set(v, OUTCOME_REJECTED, "oversize", "larger than "
		    "max_message_size (%lld bytes); kept whole, read no further "
		    "than its header", (long long)cfg->max_message_size);
		goto out;
	}
	if (v->link->state == LINK_USED || v->link->state == LINK_EXPIRED ||
	    v->link->state == LINK_REVOKED) {
		intake_verdict_set(v, OUTCOME_REJECTED,
		    link_state_name(v->link->state), "link %lld is %s",
		    (long long)v->link->id, link_state_name(v->link->state));
		goto out;
	}
	if (v->draft == NULL) {
		intake_verdict_set(v, OUTCOME_REJECTED, "revoked", "the draft of "
		    "link %lld was removed", (long long)v->link->id);
		goto out;
	}
	if (v->conn == NULL) {
		rv = errorf(errstr, EX_TEMPFAIL, "the connector '%s' of draft "
		    "%lld is not in the catalog: restore its definition, then "
		    "the message is read again", v->draft->connector,
		    (long long)v->draft->id);
		goto out;
	}
	mail_limits_default(&lim);
	if (mail_parse(raw->data, raw->len, &lim, &full, &err) != 0) {
		intake_verdict_set(v, OUTCOME_REJECTED, "unreadable", "%s",
		    err != NULL ? err : "the message cannot be read");
		freep(&err);
		goto out;
	}
	mail_free(&v->mail);
	v->mail = full;
	rv = intake_policy(&in->ic, cfg, v, errstr);
out:
	token_set_free(&ts);
	return rv;
}

static void
intake_append(char **detail, const char *more)
{
	char *s = xprintf("%s%s%s", *detail != NULL ? *detail : "",
	    *detail != NULL && **detail != '\0' ? "; " : "", more);

	free(*detail);
	*detail = s;
}

/* Queue a rejection unless the sender or everyone had enough this hour. */
static int
intake_answer_rejection(struct intake *in, struct intake_verdict *v,
    int64_t now, char **errstr)
{
	struct intake_answer a;
	int64_t mine, all;
	int rv;

	if (!v->answerable || v->link == NULL || v->reply_rcpt == NULL)
		return 0;
	if ((rv = reply_count(in->st, v->reply_rcpt, now - 3600, &mine,
	    errstr)) != 0 ||
	    (rv = reply_count(in->st, NULL, now - 3600, &all, errstr)) != 0)
		return rv;
	if (mine >= in->cfg->replies_per_sender || all >= in->cfg->replies_total) {
		intake_append(&v->detail, "not answered: reply limit reached");
		return 0;
	}
	intake_answer_init(&a, in, v, NULL, now, REPLY_REJECTION);
	if ((rv = intake_answer_queue(in, &a.f, errstr)) == 0)
		rv = reply_note(in->st, v->reply_rcpt, now, errstr);
	intake_answer_free(&a);
	return rv;
}

/* The webhook's merged event, and completed when this merge completed it. */
static int
intake_merge_events(struct intake *in, const struct intake_verdict *v,
    const struct field_write *w, const struct draft *after, char **errstr)
{
	const char **keys = xcalloc(v->nv + 1, sizeof *keys);
	bool was = v->conn != NULL && v->draft != NULL &&
	    draft_complete(v->conn, v->draft, NULL, NULL);
	size_t i;
	int rv;

	for (i = 0; i < v->nv; i++)
		keys[i] = w[i].key;
	rv = event_add(in->st, "merged", v->link->draft, v->link->id, keys,
	    v->nv, NULL, errstr);
	if (rv == 0 && !was && v->conn != NULL &&
	    draft_complete(v->conn, after, NULL, NULL))
		rv = event_add(in->st, "completed", v->link->draft,
		    v->link->id, NULL, 0, NULL, errstr);
	free(keys);
	return rv;
}

/* Merge: every value with its source, the link used, the receipt queued.
 * An OAuth sign-in's values from the provider have a source of their own. */
int
intake_merge(struct intake *in, struct intake_verdict *v, int64_t now,
    struct buf *keys, char **errstr)
{
	struct field_write *w = xcalloc(v->nv, sizeof *w);
	bool *replaced = xcalloc(v->nv, sizeof *replaced);
	struct draft *after = NULL;
	struct intake_answer a;
	struct source src;
	size_t i, nreply;
	int rv;

	memset(&src, 0, sizeof src);
	src.kind = SOURCE_REPLY;
	src.from = v->sender;
	src.at = now;
	src.link = v->link->id;
	src.signed_by = v->signer;
	src.encrypted = v->encrypted;
	for (i = 0; i < v->nv; i++) {
		w[i].key = v->v[i].f->key;
		w[i].value = v->v[i].value;
		w[i].len = v->v[i].len;
		buf_printf(keys, "%s%s", i ? "," : "", w[i].key);
	}
	nreply = v->oauth ? v->oauth_from : v->nv;
	if (nreply > 0 && (rv = draft_write(in->st, v->link->draft, w, nreply,
	    &src, replaced, errstr)) != 0)
		goto out;
	if (nreply < v->nv) {
		src.kind = SOURCE_OAUTH;
		src.from = v->oauth_account != NULL ?
		    (char *)v->oauth_account : v->sender;
		src.signed_by = NULL;
		if ((rv = draft_write(in->st, v->link->draft, w + nreply,
		    v->nv - nreply, &src, replaced + nreply, errstr)) != 0)
			goto out;
	}
	if ((rv = link_mark(in->st, v->link->id, LINK_USED, errstr)) != 0 ||
	    (rv = draft_get(in->st, in->cat, v->link->draft, &after,
	    errstr)) != 0)
		goto out;
	for (i = 0; i < v->nv; i++)
		v->v[i].replaced = replaced[i];
	if ((rv = intake_merge_events(in, v, w, after, errstr)) != 0)
		goto out;
	intake_answer_init(&a, in, v, after, now, REPLY_RECEIPT);
	if (v->reply_rcpt != NULL)
		rv = intake_answer_queue(in, &a.f, errstr);
	if (rv == 0 && in->cfg->notify_admin && in->cfg->admin_email != NULL) {
		a.f.kind = REPLY_NOTE;
		rv = intake_answer_queue(in, &a.f, errstr);
	}
	intake_answer_free(&a);
out:
	draft_free(&after);
	free(w);
	free(replaced);
	return rv;
}

void
intake_decide(const struct intake_verdict *v, const char *qname,
    struct intake_decision *d)
{
	size_t i;
	struct buf b;

	memset(d, 0, sizeof *d);
	d->outcome = v->outcome;
	d->reason = v->reason;
	d->detail = v->detail != NULL ? xstrdup(v->detail) : NULL;
	d->link = v->link != NULL ? v->link->id : 0;
	d->draft = v->link != NULL ? v->link->draft : 0;
	d->quarantine = qname != NULL ? xstrdup(qname) : NULL;
	d->sender = v->sender != NULL ? xstrdup(v->sender) : NULL;
	if (v->outcome == OUTCOME_ACCEPTED) {
		buf_init(&b);
		for (i = 0; i < v->nv; i++)
			buf_printf(&b, "%s%s", i ? "," : "", v->v[i].f->key);
		d->fields = buf_take(&b);
	}
}

/* A used link stays used: a late bounce must not open it again. */
static int
intake_bounce(struct intake *in, struct intake_verdict *v,
    const struct link *l, char **errstr)
{
	int rv;

	if (l->state != LINK_PENDING) {
		intake_append(&v->detail, "left as it is, since it is not "
		    "pending");
		return 0;
	}
	if ((rv = link_mark(in->st, l->id, LINK_BOUNCED, errstr)) != 0)
		return rv;
	return event_add(in->st, "bounced", l->draft, l->id, NULL, 0, NULL,
	    errstr);
}

/*
 * Inside the caller's transaction.  What was judged outside it is
 * checked again here, under the write lock: of fifty replies racing for
 * one link, exactly one finds it still pending.
 */
int
intake_apply(struct intake *in, struct intake_verdict *v,
    struct intake_raw *raw, bool retry, struct intake_decision *d, bool *drop,
    char **errstr)
{
	struct message_record rec;
	struct link *now_l = NULL;
	struct buf keys;
	int64_t now = time_now();
	bool dup, held;
	int rv;

	*drop = false;
	buf_init(&keys);
	/* A retry judged a copy that another retry (or a draft's removal)
	 * may have settled since it was read: judged afresh now, it would
	 * find its link used, and reject and answer what was merged. */
	if (retry && raw->qname != NULL) {
		if ((rv = quarantine_held(in->st, raw->qname, &held,
		    errstr)) != 0)
			goto out;
		if (!held) {
			rv = errorf(errstr, EX_NOINPUT, "the message %s was "
			    "decided while it was read again (another retry, or "
			    "its draft was removed): see setuplink log",
			    raw->qname);
			goto out;
		}
	}
	if (v->outcome == OUTCOME_ACCEPTED || v->bounce) {
		if ((rv = link_get(in->st, v->link->id, &now_l, errstr)) != 0)
			goto out;
	}
	/* The judgement read the store a statement at a time: the same
	 * reply delivered twice at once (two MX hosts, two retries) can find
	 * no acceptance, then the link its twin just used.  Under the lock,
	 * an acceptance of it is seen, and it is a duplicate, not "used". */
	if (v->link != NULL && (v->reason == NULL ||
	    strcmp(v->reason, "duplicate") != 0)) {
		if ((rv = message_accepted(in->st, v->message_id, &dup,
		    errstr)) != 0)
			goto out;
		if (dup) {
			intake_verdict_set(v, OUTCOME_IGNORED, "duplicate", "a "
			    "message with this Message-ID was accepted already");
			v->bounce = false;
		}
	}
	if (v->outcome == OUTCOME_ACCEPTED) {
		if (now_l->state != LINK_PENDING &&
		    now_l->state != LINK_BOUNCED)
			intake_verdict_set(v, OUTCOME_REJECTED,
			    link_state_name(now_l->state), "link %lld is %s",
			    (long long)now_l->id, link_state_name(now_l->state));
		if (v->outcome != OUTCOME_ACCEPTED) {
			link_free(&v->link);
			v->link = now_l;
			now_l = NULL;
		}
	}
	if (v->bounce && (rv = intake_bounce(in, v, now_l, errstr)) != 0)
		goto out;

	/* A reply that chose OAuth without a token starts a sign-in: its
	 * values wait, sealed, in the sign-in until the provider says yes. */
	if (v->outcome == OUTCOME_ACCEPTED && (rv = intake_signin_begin(in, v,
	    now, &v->signin, errstr)) != 0)
		goto out;
	if (v->outcome == OUTCOME_ACCEPTED && v->signin != 0) {
		size_t i;
		for (i = 0; i < v->nv; i++)
			buf_printf(&keys, "%s%s", i ? "," : "",
			    v->v[i].f->key);
		intake_append(&v->detail, "an OAuth sign-in started; the "
		    "values merge once the provider says yes");
		*drop = true;
	} else if (v->outcome == OUTCOME_ACCEPTED) {
		if ((rv = intake_merge(in, v, now, &keys, errstr)) != 0)
			goto out;
		*drop = true;
	} else if (v->signin_busy) {
		/* Kept: nothing of it was merged. */
	} else if (v->reason != NULL && strcmp(v->reason, "duplicate") == 0) {
		/* Its fields live in the draft: no second copy of them. */
		*drop = true;
	} else if (v->outcome == OUTCOME_REJECTED && v->link != NULL &&
	    ((rv = intake_answer_rejection(in, v, now, errstr)) != 0 ||
	    (rv = event_add(in->st, "rejected", v->link->draft, v->link->id,
	    NULL, 0, v->reason, errstr)) != 0))
		goto out;
	if (*drop && retry && raw->qname != NULL &&
	    (rv = quarantine_forget(in->st, raw->qname, errstr)) != 0)
		goto out;
	/* Not accepted (from a pipe, judged from memory; or judged accepted,
	 * then beaten to the link): kept durably now, before the commit
	 * that records it, since our exit 0 tells the MTA to forget it. */
	if (!*drop && raw->qname == NULL && (rv = intake_keep(in, raw->data,
	    raw->len, &raw->qname, errstr)) != 0)
		goto out;

	memset(&rec, 0, sizeof rec);
	rec.at = now;
	rec.message_id = v->message_id;
	rec.sender = v->sender;
	rec.link = v->link != NULL ? v->link->id : 0;
	rec.draft = v->link != NULL ? v->link->draft : 0;
	rec.outcome = v->outcome;
	rec.reason = (char *)v->reason;
	rec.detail = v->detail;
	rec.fields = keys.len > 0 ? keys.data : NULL;
	rec.quarantine = *drop ? NULL : raw->qname;
	if ((rv = message_record(in->st, &rec, NULL, errstr)) != 0)
		goto out;
	intake_decide(v, *drop ? NULL : raw->qname, d);
	d->signin = v->signin;
out:
	if (rv != 0)
		*drop = false;
	link_free(&now_l);
	buf_free(&keys);
	return rv;
}
