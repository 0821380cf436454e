/* intake-answer.c: what an answer to a reply says, told to send/ as plain
 * facts from the intake's verdict, and the answer queued in the store. */
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "mailer/intake/private.h"

/*
 * How a received value may show in a receipt that travels in plain mail:
 * only a short, single-line, non-secret value that came unencrypted.
 */
static enum reply_show
intake_answer_show(const struct intake_verdict *v, const struct intake_value *iv)
{
	if (iv->f->type == FT_FILE)
		return REPLY_HIDDEN_FILE;
	if (iv->f->secret)
		return REPLY_HIDDEN_SECRET;
	if (v->arrived_encrypted)
		return REPLY_HIDDEN_ENCRYPTED;
	if (memchr(iv->value, '\n', iv->len) != NULL || iv->len > 200)
		return REPLY_HIDDEN_LONG;
	return REPLY_SHOWN;
}

/* The value the reply gave for key; a form names each key once. */
static const struct intake_value *
intake_answer_value(const struct intake_verdict *v, const char *key)
{
	size_t i;

	for (i = 0; i < v->nv; i++) {
		if (strcmp(v->v[i].f->key, key) == 0)
			return &v->v[i];
	}
	return NULL;
}

/* One line per field of the link, then the keys not taken; and the
 * received ones again in the order the reply gave them. */
static void
intake_answer_fields(struct intake_answer *a, const struct intake_verdict *v)
{
	const struct link *l = v->link;
	const struct field_def *fd;
	const struct intake_value *iv;
	struct reply_field *rf;
	size_t i, j;

	a->fields = xcalloc(l->nfields + v->nnot_taken + 1, sizeof *a->fields);
	a->merged = xcalloc(v->nv + 1, sizeof *a->merged);
	for (i = 0; i < l->nfields; i++) {
		rf = &a->fields[a->f.nfields++];
		rf->key = l->fields[i];
		fd = v->conn != NULL ? connector_field(v->conn, rf->key) : NULL;
		rf->label = fd != NULL ? fd->label : NULL;
		if ((iv = intake_answer_value(v, rf->key)) == NULL) {
			/* The form showed a value, which the reply left as
			 * it was: known already, not missing. */
			if (l->prefill != NULL && l->prefill[i] != NULL &&
			    *l->prefill[i] != '\0')
				rf->outcome = REPLY_UNCHANGED;
			continue;	/* else REPLY_NOT_PROVIDED */
		}
		rf->outcome = iv->replaced ? REPLY_REPLACED : REPLY_RECEIVED;
		rf->show = intake_answer_show(v, iv);
		rf->value = rf->show == REPLY_SHOWN ? iv->value : NULL;
		rf->size = rf->show == REPLY_HIDDEN_FILE ? iv->len : 0;
	}
	for (i = 0; i < v->nnot_taken; i++) {
		rf = &a->fields[a->f.nfields++];
		rf->key = v->not_taken[i];
		rf->outcome = REPLY_NOT_TAKEN;
	}
	for (i = 0; i < v->nv; i++) {
		for (j = 0; j < l->nfields; j++) {
			if (strcmp(a->fields[j].key, v->v[i].f->key) == 0) {
				a->merged[a->f.nmerged++] = &a->fields[j];
				break;
			}
		}
	}
	a->f.fields = a->fields;
	a->f.merged = a->merged;
}

/* The facts of an answer about v->link; after: the draft once merged. */
void
intake_answer_init(struct intake_answer *a, const struct intake *in,
    const struct intake_verdict *v, const struct draft *after, int64_t now,
    enum reply_kind kind)
{
	struct reply_facts *f = &a->f;

	memset(a, 0, sizeof *a);
	f->kind = kind;
	f->cfg = in->cfg;
	f->now = now;
	f->answered = v->message_id;
	f->in_reply_to = v->mail != NULL ? v->mail->message_id :
	    v->in_reply_to;
	f->rcpt = v->reply_rcpt;
	f->sender = v->sender;
	f->link = v->link->id;
	a->ref = link_ref(v->link);
	f->ref = a->ref;
	f->require = v->link->require;
	f->link_ended = v->link->ended;
	f->link_expires = v->link->expires;
	if (v->draft != NULL) {
		f->draft = v->draft->id;
		f->draft_name = v->draft->name;
		f->connector = v->conn != NULL ? v->conn->name :
		    v->draft->connector;
	}
	intake_answer_fields(a, v);
	f->invalid = (const char *const *)v->invalid;
	f->ninvalid = v->ninvalid;
	f->signer = v->signer;
	f->encrypted = v->encrypted;
	f->reason = v->reason;
	f->detail = v->detail;
	if (after != NULL) {
		f->status = v->conn != NULL && draft_complete(v->conn, after,
		    &a->missing, &a->nmissing) ? REPLY_DRAFT_COMPLETE :
		    REPLY_DRAFT_INCOMPLETE;
		f->missing = (const char *const *)a->missing;
		f->nmissing = a->nmissing;
	}
}

void
intake_answer_free(struct intake_answer *a)
{
	free(a->fields);
	free(a->merged);
	free(a->ref);
	strv_free(&a->missing, a->nmissing);
	memset(a, 0, sizeof *a);
}

/* Compose the answer and queue it, to go once the transaction commits. */
int
intake_answer_queue(struct intake *in, const struct reply_facts *f,
    char **errstr)
{
	struct reply_mail rm;
	int rv;

	if ((rv = reply_compose(f, &rm, errstr)) != 0)
		return rv;
	rv = outmail_queue(in->st, rm.message_id, "", rm.rcpt, rm.data, rm.len,
	    errstr);
	reply_mail_free(&rm);
	return rv;
}
