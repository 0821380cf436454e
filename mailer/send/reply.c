/* reply.c: what the intake answers: a receipt for a merged reply, a
 * rejection that says why and what to do, and the admin's note.  All are
 * automatic replies (RFC 3834) that no well-behaved program answers. */
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "mailer/send/private.h"

/* A Message-ID that a repeat of the same answer to the same message keeps. */
static char *
reply_message_id(const struct config *cfg, const char *kind,
    const char *incoming)
{
	char *seed = xprintf("%s\n%s", kind, incoming), *h;
	char *id;

	h = sha256_hex(seed, strlen(seed));
	h[32] = '\0';
	id = xprintf("%s.%s.setuplink@%s", kind, h, cfg->intake_domain);
	free(seed);
	free(h);
	return id;
}

/*
 * Our answer, headers (RFC 3834) and one text/plain part, into out->data;
 * out->message_id is already set.  The sender's answers come from the
 * bare intake address, Reply-To the admin, threaded under in_reply_to;
 * the admin's note is not threaded.
 */
int
reply_write(const struct config *cfg, int64_t now, const char *in_reply_to,
    bool to_admin, const char *kind, const char *to, const char *subject,
    const char *text, struct reply_mail *out, char **errstr)
{
	struct writer_head h;
	struct writer *w;
	int rv;

	memset(&h, 0, sizeof h);
	h.date = now;
	h.from = cfg->intake;
	if (!to_admin) {
		h.reply_to_name = cfg->admin_name;
		h.reply_to = cfg->admin_email;
		h.in_reply_to = in_reply_to;
	}
	h.to = to;
	h.message_id = out->message_id;
	h.subject = subject;
	w = writer_new(&h);
	writer_field(w, "Auto-Submitted", "auto-replied");
	writer_field(w, "Precedence", "bulk");
	writer_field(w, "X-Auto-Response-Suppress", "All");
	writer_field(w, "X-Setuplink", kind);
	writer_text(w, NULL, text);
	if ((rv = writer_write(w, NULL, &out->data, &out->len, errstr)) != 0)
		reply_mail_free(out);
	writer_free(&w);
	return rv;
}

static int
reply_build(const struct reply_facts *rf, const char *kind, const char *to,
    const char *subject, const char *text, struct reply_mail *out,
    char **errstr)
{
	memset(out, 0, sizeof *out);
	out->message_id = reply_message_id(rf->cfg, kind, rf->answered);
	out->rcpt = xstrdup(to);
	return reply_write(rf->cfg, rf->now, rf->in_reply_to,
	    rf->kind == REPLY_NOTE, kind, to, subject, text, out, errstr);
}

/*
 * "the PostgreSQL settings "Prod" for the Acme Data workspace": words a
 * recipient knows (no "draft"), since they never saw our terms.
 */
static char *
reply_about(const struct reply_facts *rf)
{
	char *name, *r;

	if (rf->draft_name == NULL)
		return xprintf("the %s workspace", rf->cfg->workspace);
	name = str_safe(rf->draft_name);
	r = xprintf("the %s settings \"%s\" for the %s workspace",
	    rf->connector, name, rf->cfg->workspace);
	free(name);
	return r;
}

static char *
reply_subject(const struct reply_facts *rf, const char *what)
{
	char *name, *r;

	if (rf->draft_name == NULL)
		return xprintf("%s: your reply to %s", what, rf->cfg->workspace);
	name = str_safe(rf->draft_name);
	r = xprintf("%s: %s setup for \"%s\"", what, rf->connector, name);
	free(name);
	return r;
}

static const char *
reply_admin(const struct config *cfg)
{
	return cfg->admin_name != NULL && *cfg->admin_name != '\0' ?
	    cfg->admin_name : cfg->admin_email;
}

static void
reply_contact(struct buf *b, const struct config *cfg)
{
	buf_adds(b, "\n");
	writer_para(b, "Questions, or something went wrong? Write to %s "
	    "<%s>; replying to this message reaches them.", reply_admin(cfg),
	    cfg->admin_email);
	buf_printf(b, "\nsetuplink, for the %s workspace\n", cfg->workspace);
}

/* One line of the receipt's list: what became of one field. */
static void
reply_field_line(struct buf *b, const struct reply_field *f)
{
	char *s;

	if (f->outcome == REPLY_NOT_TAKEN) {
		buf_printf(b, "  %s: not taken (this link does not ask for "
		    "it)\n", f->key);
		return;
	}
	buf_printf(b, "  %s", f->key);
	if (f->label != NULL)
		buf_printf(b, " (%s)", f->label);
	if (f->outcome == REPLY_NOT_PROVIDED) {
		buf_adds(b, ": not provided\n");
		return;
	}
	if (f->outcome == REPLY_UNCHANGED) {
		buf_adds(b, ": unchanged (already known)\n");
		return;
	}
	buf_adds(b, f->outcome == REPLY_REPLACED ?
	    ": replaced the earlier value" : ": received");
	switch (f->show) {
	case REPLY_HIDDEN_FILE:
		buf_printf(b, " (a file of %zu byte%s, not shown)", f->size,
		    f->size == 1 ? "" : "s");
		break;
	case REPLY_HIDDEN_SECRET:
		buf_adds(b, " (secret, not shown)");
		break;
	case REPLY_HIDDEN_ENCRYPTED:
		buf_adds(b, " (not shown: it arrived encrypted)");
		break;
	case REPLY_HIDDEN_LONG:
		buf_adds(b, " (long text, not shown)");
		break;
	case REPLY_SHOWN:
		s = str_safe(f->value != NULL ? f->value : "");
		buf_printf(b, ": %s", s);
		free(s);
		break;
	}
	buf_addc(b, '\n');
}

/* The keys still missing, "a, b", or "(none)"; the caller frees it. */
static char *
reply_missing(const struct reply_facts *rf)
{
	struct buf m;
	size_t i;

	buf_init(&m);
	for (i = 0; i < rf->nmissing; i++)
		buf_printf(&m, "%s%s", i ? ", " : "", rf->missing[i]);
	if (m.len == 0)
		buf_adds(&m, "(none)");
	return buf_take(&m);
}

static int
reply_receipt(const struct reply_facts *rf, struct reply_mail *out,
    char **errstr)
{
	char *about, *when, *subject, *missing;
	struct buf b;
	size_t i;
	int rv;

	buf_init(&b);
	about = reply_about(rf);
	when = time_local(rf->now);
	writer_para(&b, "Your reply with %s arrived on %s and its values "
	    "are saved. Setup link %lld is now used up. Thank you.", about,
	    when, (long long)rf->link);
	buf_adds(&b, "\nField by field:\n\n");
	for (i = 0; i < rf->nfields; i++)
		reply_field_line(&b, &rf->fields[i]);
	buf_adds(&b, "\n");
	if (rf->signer != NULL)
		writer_para(&b, "Signed with the key %s.", rf->signer);
	if (rf->encrypted)
		writer_para(&b, "It arrived encrypted to the workspace key.");
	if (rf->status == REPLY_DRAFT_COMPLETE)
		writer_para(&b, "Status: complete. Nothing is missing any "
		    "more.");
	else if (rf->status == REPLY_DRAFT_INCOMPLETE) {
		missing = reply_missing(rf);
		writer_para(&b, "Status: incomplete. Still missing: "
		    "%s. %s may ask you or someone else for them.", missing,
		    rf->cfg->admin_name && *rf->cfg->admin_name ?
		    rf->cfg->admin_name : "The admin");
		free(missing);
	}
	reply_contact(&b, rf->cfg);
	subject = reply_subject(rf, "Received");
	rv = reply_build(rf, "receipt", rf->rcpt, subject, b.data, out,
	    errstr);
	free(subject);
	free(about);
	free(when);
	buf_free(&b);
	return rv;
}

static const char *
reply_require_text(enum link_require r)
{
	switch (r) {
	case REQUIRE_SIGNED:
		return "signed with your OpenPGP key (the one you gave the "
		    "admin)";
	case REQUIRE_ENCRYPTED:
		return "encrypted to the workspace key attached to the setup "
		    "email";
	case REQUIRE_SIGNED_ENCRYPTED:
		return "signed with your OpenPGP key and encrypted to the "
		    "workspace key attached to the setup email";
	default:
		return "with a valid signature or none at all";
	}
}

/* Were some fields of the reply outside the link's? */
static bool
reply_any_not_taken(const struct reply_facts *rf)
{
	size_t i;

	for (i = 0; i < rf->nfields; i++) {
		if (rf->fields[i].outcome == REPLY_NOT_TAKEN)
			return true;
	}
	return false;
}

/* Why the link itself turned the reply away, and whom to ask. */
static bool
reply_why_link(struct buf *b, const struct reply_facts *rf, const char *t)
{
	const char *admin = reply_admin(rf->cfg);

	if (strcmp(rf->reason, "expired") == 0) {
		writer_para(b, "Why: the setup link expired on %s.", t);
		buf_adds(b, "\n");
		writer_para(b, "What to do: ask %s for a new setup link.",
		    admin);
	} else if (strcmp(rf->reason, "used") == 0) {
		writer_para(b, "Why: the setup link was already used on %s; "
		    "each link takes one reply.", t);
		buf_adds(b, "\n");
		writer_para(b, "What to do: if something is still missing "
		    "or wrong, ask %s for a new link.", admin);
	} else if (strcmp(rf->reason, "revoked") == 0) {
		writer_para(b, "Why: %s withdrew the setup link on %s.",
		    admin, t);
		buf_adds(b, "\n");
		writer_para(b, "What to do: ask %s whether a new link is on "
		    "its way.", admin);
	} else
		return false;
	return true;
}

/* Why the reply itself was turned away, and how to send it again. */
static void
reply_why_reply(struct buf *b, const struct reply_facts *rf, const char *t)
{
	size_t i;
	char *s;

	if (strcmp(rf->reason, "policy") == 0) {
		writer_para(b, "Why: %s.", rf->detail);
		buf_adds(b, "\n");
		writer_para(b, "What to do: reply to the setup email again, "
		    "%s, and keep this line in what you sign or encrypt:",
		    reply_require_text(rf->require));
		buf_printf(b, "\n    " FORM_OPEN_FMT "\n\n", rf->ref);
		writer_para(b, "The link still works until %s.", t);
	} else if (strcmp(rf->reason, "no_fields") == 0) {
		writer_para(b, "Why: no field of the setup form was filled "
		    "in%s.", reply_any_not_taken(rf) ? " (only fields that this "
		    "link does not ask for)" : "");
		buf_adds(b, "\n");
		writer_para(b, "What to do: reply to the setup email and "
		    "write each value after its colon, as in \"host: "
		    "db.example.com\", keeping the names left of the colons. "
		    "The link still works until %s.", t);
	} else if (strcmp(rf->reason, "invalid") == 0) {
		buf_adds(b, "Why: these values cannot be used:\n");
		for (i = 0; i < rf->ninvalid; i++) {
			s = str_safe(rf->invalid[i]);
			buf_printf(b, "  - %s\n", s);
			free(s);
		}
		buf_adds(b, "\n\n");
		writer_para(b, "What to do: correct them and reply to the "
		    "setup email again, with every field you meant to send. "
		    "The link still works until %s.", t);
	} else if (strcmp(rf->reason, "oversize") == 0) {
		writer_para(b, "Why: the message is larger than the %lld "
		    "bytes this address takes.",
		    (long long)rf->cfg->max_message_size);
		buf_adds(b, "\n");
		writer_para(b, "What to do: reply again with a smaller "
		    "message: attach only the files the form asks for.");
	} else {
		writer_para(b, "Why: the message could not be read (%s).",
		    rf->detail);
		buf_adds(b, "\n");
		writer_para(b, "What to do: reply to the setup email again, "
		    "as plain text if you can.");
	}
}

static int
reply_rejection(const struct reply_facts *rf, struct reply_mail *out,
    char **errstr)
{
	char *about, *subject, *t;
	struct buf b;
	int rv;

	buf_init(&b);
	about = reply_about(rf);
	t = time_local(rf->link_ended != 0 ? rf->link_ended :
	    rf->link_expires);
	writer_para(&b, "Your reply to setup link %lld, for %s, was not "
	    "accepted. Nothing was changed.", (long long)rf->link, about);
	buf_adds(&b, "\n");
	if (!reply_why_link(&b, rf, t))
		reply_why_reply(&b, rf, t);
	reply_contact(&b, rf->cfg);
	subject = reply_subject(rf, "Not accepted");
	rv = reply_build(rf, "reject", rf->rcpt, subject, b.data, out, errstr);
	free(subject);
	free(about);
	free(t);
	buf_free(&b);
	return rv;
}

/* The admin's note: who sent what (keys only, never a value). */
static int
reply_admin_note(const struct reply_facts *rf, struct reply_mail *out,
    char **errstr)
{
	char *about, *subject, *from, *missing;
	struct buf b, keys;
	size_t i;
	int rv;

	buf_init(&b);
	buf_init(&keys);
	about = reply_about(rf);
	from = str_safe(rf->sender != NULL ? rf->sender : "(unknown)");
	for (i = 0; i < rf->nmerged; i++)
		buf_printf(&keys, "%s%s%s", i ? ", " : "", rf->merged[i]->key,
		    rf->merged[i]->outcome == REPLY_REPLACED ? " (replaced)" :
		    "");
	writer_para(&b, "%s replied to setup link %lld for %s. Merged: %s.",
	    from, (long long)rf->link, about, keys.len ? keys.data : "");
	if (rf->signer != NULL)
		writer_para(&b, "Signed with the key %s.", rf->signer);
	if (rf->encrypted)
		writer_para(&b, "Encrypted to the workspace key.");
	if (rf->status == REPLY_DRAFT_COMPLETE)
		writer_para(&b, "The draft is complete.");
	else {
		missing = reply_missing(rf);
		writer_para(&b, "Still missing: %s.", missing);
		free(missing);
	}
	if (rf->draft != 0)
		writer_para(&b, "See: setuplink draft show %lld",
		    (long long)rf->draft);
	subject = reply_subject(rf, "Merged");
	rv = reply_build(rf, "note", rf->cfg->admin_email, subject, b.data,
	    out, errstr);
	free(subject);
	free(about);
	free(from);
	buf_free(&keys);
	buf_free(&b);
	return rv;
}

int
reply_compose(const struct reply_facts *rf, struct reply_mail *out,
    char **errstr)
{
	switch (rf->kind) {
	case REPLY_RECEIPT:
		return reply_receipt(rf, out, errstr);
	case REPLY_REJECTION:
		return reply_rejection(rf, out, errstr);
	case REPLY_NOTE:
		return reply_admin_note(rf, out, errstr);
	}
	return errorf(errstr, EX_SOFTWARE, "no answer of kind %d", rf->kind);
}

void
reply_mail_free(struct reply_mail *m)
{
	free(m->message_id);
	free(m->rcpt);
	free(m->data);
	memset(m, 0, sizeof *m);
}
