/* reply.c: what the intake answers: a receipt for a merged reply, a
 * rejection that says why and what to do, and the admin's note.  All are
 * automatic replies (RFC 3834) that no well-behaved program answers. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "util/util.h"
#include "mailer/intake/private.h"

#define REPLY_WIDTH	72
#define REPLY_EW	45	/* UTF-8 bytes in one RFC 2047 word */

static void *
reply_nn(void *p)
{
	if (p == NULL)
		fatalx("out of memory composing a reply");
	return p;
}

static void
reply_ok(int r)
{
	if (r != MAILIMF_NO_ERROR)
		fatalx("libetpan could not build a reply (error %d)", r);
}

/* Columns of a UTF-8 string: one per character. */
static size_t
reply_width(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* A paragraph wrapped at REPLY_WIDTH, each line after the first indented. */
static void
reply_para(struct buf *b, const char *indent, const char *fmt, ...)
    PRINTFLIKE(3, 4);

static void
reply_para(struct buf *b, const char *indent, const char *fmt, ...)
{
	va_list ap;
	char *text;
	const char *p, *w;
	size_t col = 0, n, wn;

	va_start(ap, fmt);
	xvasprintf(&text, fmt, ap);
	va_end(ap);
	for (p = text; *p != '\0';) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		for (w = p; *p != '\0' && *p != ' '; p++)
			;
		n = (size_t)(p - w);
		wn = reply_width(w, n);
		if (col > 0 && col + 1 + wn > REPLY_WIDTH) {
			buf_printf(b, "\n%s", indent);
			col = reply_width(indent, strlen(indent));
		} else if (col > 0) {
			buf_addc(b, ' ');
			col++;
		}
		buf_add(b, w, n);
		col += wn;
	}
	buf_adds(b, "\n");
	free(text);
}

/* Header text: printable ASCII as it is, else RFC 2047 "B" words. */
static char *
reply_header_text(const char *s)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = (const unsigned char *)s, *q;
	struct buf b;
	size_t n, i;
	bool plain = true;

	for (q = p; *q != '\0' && plain; q++)
		plain = *q >= ' ' && *q < 0x7f;
	if (plain && strstr(s, "=?") == NULL)
		return xstrdup(s);
	buf_init(&b);
	while (*p != '\0') {
		/* As many whole characters as fit one word. */
		for (n = 0; p[n] != '\0';) {
			size_t c = p[n] < 0x80 ? 1 : (p[n] & 0xe0) == 0xc0 ? 2 :
			    (p[n] & 0xf0) == 0xe0 ? 3 : 4;
			for (i = 1; i < c && p[n + i] != '\0'; i++)
				;
			if (n + i > REPLY_EW)
				break;
			n += i;
		}
		if (n == 0)
			n = 1;
		buf_adds(&b, b.len > 0 ? " =?utf-8?b?" : "=?utf-8?b?");
		for (i = 0; i < n; i += 3) {
			uint32_t v = (uint32_t)(p[i] < ' ' ? ' ' : p[i]) << 16;
			size_t k, m = n - i >= 3 ? 3 : n - i;
			if (m > 1)
				v |= (uint32_t)(p[i + 1] < ' ' ? ' ' : p[i + 1]) << 8;
			if (m > 2)
				v |= p[i + 2] < ' ' ? ' ' : p[i + 2];
			for (k = 0; k < 4; k++)
				buf_addc(&b, k <= m ? tab[(v >> (18 - 6 * k)) & 63] :
				    '=');
		}
		buf_adds(&b, "?=");
		p += n;
	}
	return buf_take(&b);
}

/* The body's transfer encoding: 7bit when it can be, else readable QP. */
static char *
reply_encode(const char *s, size_t *outlen, bool *qp)
{
	*qp = writer_needs_qp(s);
	return *qp ? writer_qp(s, outlen) : writer_crlf(s, strlen(s), outlen);
}

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

static struct mailimf_address_list *
reply_addr_list(const char *name, const char *addr)
{
	struct mailimf_address_list *l;

	l = reply_nn(mailimf_address_list_new_empty());
	reply_ok(mailimf_address_list_add_mb(l, name != NULL && *name != '\0' ?
	    reply_header_text(name) : NULL, xstrdup(addr)));
	return l;
}

/*
 * The whole message: our answer headers (RFC 3834), one text/plain part
 * that libetpan encodes as quoted-printable.
 */
static void
reply_build(const struct reply_ctx *rc, const char *kind, const char *to,
    bool to_admin, const char *subject, const char *text,
    struct reply_mail *out)
{
	const struct config *cfg = rc->cfg;
	const struct intake_verdict *v = rc->v;
	struct mailimf_fields *f = reply_nn(mailimf_fields_new_empty());
	struct mailimf_mailbox_list *from;
	struct mailmime *msg, *part;
	struct mailmime_content *ct;
	struct mailmime_fields *mf;
	clist *irt = NULL, *refs = NULL;
	MMAPString *s;
	char *body;
	size_t blen;
	bool qp;
	int col = 0, enc;

	memset(out, 0, sizeof *out);
	out->message_id = reply_message_id(cfg, kind, v->message_id);
	out->rcpt = xstrdup(to);
	from = reply_nn(mailimf_mailbox_list_new_empty());
	reply_ok(mailimf_mailbox_list_add_mb(from, NULL, xstrdup(cfg->intake)));
	if (!to_admin && v->mail != NULL && v->mail->message_id != NULL) {
		irt = reply_nn(clist_new());
		reply_ok(clist_append(irt, xstrdup(v->mail->message_id)));
		refs = reply_nn(clist_new());
		reply_ok(clist_append(refs, xstrdup(v->mail->message_id)));
	}
	reply_ok(mailimf_fields_add(f, reply_nn(mailimf_field_new_custom(
	    xstrdup("Date"), time_rfc5322(rc->now)))));
	reply_ok(mailimf_fields_add_data(f, NULL, from, NULL, to_admin ? NULL :
	    reply_addr_list(cfg->admin_name, cfg->admin_email),
	    reply_addr_list(NULL, to), NULL, NULL,
	    xstrdup(out->message_id), irt, refs, reply_header_text(subject)));
	reply_ok(mailimf_fields_add(f, reply_nn(mailimf_field_new_custom(
	    xstrdup("Auto-Submitted"), xstrdup("auto-replied")))));
	reply_ok(mailimf_fields_add(f, reply_nn(mailimf_field_new_custom(
	    xstrdup("Precedence"), xstrdup("bulk")))));
	reply_ok(mailimf_fields_add(f, reply_nn(mailimf_field_new_custom(
	    xstrdup("X-Auto-Response-Suppress"), xstrdup("All")))));
	reply_ok(mailimf_fields_add(f, reply_nn(mailimf_field_new_custom(
	    xstrdup("X-Setuplink"), xstrdup(kind)))));

	body = reply_encode(text, &blen, &qp);
	enc = qp ? MAILMIME_MECHANISM_QUOTED_PRINTABLE : MAILMIME_MECHANISM_7BIT;
	ct = reply_nn(mailmime_content_new_with_str("text/plain"));
	if (ct->ct_parameters == NULL)
		ct->ct_parameters = reply_nn(clist_new());
	reply_ok(clist_append(ct->ct_parameters, reply_nn(
	    mailmime_param_new_with_data("charset", "utf-8"))));
	mf = reply_nn(mailmime_fields_new_encoding(enc));
	part = reply_nn(mailmime_new_empty(ct, mf));
	/* Encoded already: libetpan writes it as it is. */
	part->mm_data.mm_single = reply_nn(mailmime_data_new(
	    MAILMIME_DATA_TEXT, enc, 1, body, blen, NULL));
	msg = reply_nn(mailmime_new_message_data(NULL));
	reply_ok(mailmime_smart_add_part(msg, part));
	mailmime_set_imf_fields(msg, f);
	s = reply_nn(mmap_string_new(""));
	reply_ok(mailmime_write_mem(s, &col, msg));
	out->data = xmalloc(s->len + 1);
	memcpy(out->data, s->str, s->len);
	out->data[s->len] = '\0';
	out->len = s->len;
	mmap_string_free(s);
	mailmime_free(msg);
	free(body);
}

/* "the draft "Prod" (PostgreSQL) in the Acme Data workspace" */
static char *
reply_about(const struct reply_ctx *rc)
{
	const struct intake_verdict *v = rc->v;
	char *name, *r;

	if (v->draft == NULL)
		return xprintf("the %s workspace", rc->cfg->workspace);
	name = str_safe(v->draft->name);
	r = xprintf("the draft \"%s\" (%s) in the %s workspace", name,
	    v->conn != NULL ? v->conn->name : v->draft->connector,
	    rc->cfg->workspace);
	free(name);
	return r;
}

static char *
reply_subject(const struct reply_ctx *rc, const char *what)
{
	const struct intake_verdict *v = rc->v;
	char *name, *r;

	if (v->draft == NULL)
		return xprintf("%s: your reply to %s", what, rc->cfg->workspace);
	name = str_safe(v->draft->name);
	r = xprintf("%s: %s setup for \"%s\"", what, v->conn != NULL ?
	    v->conn->name : v->draft->connector, name);
	free(name);
	return r;
}

static void
reply_contact(struct buf *b, const struct config *cfg)
{
	buf_adds(b, "\n");
	reply_para(b, "", "Questions, or something went wrong? Write to %s "
	    "<%s>; replying to this message reaches them.", cfg->admin_name &&
	    *cfg->admin_name ? cfg->admin_name : cfg->admin_email,
	    cfg->admin_email);
	buf_printf(b, "\nsetuplink, for the %s workspace\n", cfg->workspace);
}

static const struct intake_value *
reply_value(const struct intake_verdict *v, const char *key)
{
	size_t i;

	for (i = 0; i < v->nv; i++) {
		if (strcmp(v->v[i].f->key, key) == 0)
			return &v->v[i];
	}
	return NULL;
}

/* How a received value shows: only plain, short, non-secret, unencrypted. */
static void
reply_shown(struct buf *b, const struct intake_verdict *v,
    const struct intake_value *iv)
{
	const struct field_def *f = iv->f;

	if (f->type == FT_FILE)
		buf_printf(b, " (a file of %zu bytes, not shown)", iv->len);
	else if (f->secret)
		buf_adds(b, " (secret, not shown)");
	else if (v->arrived_encrypted)
		buf_adds(b, " (not shown: it arrived encrypted)");
	else if (memchr(iv->value, '\n', iv->len) != NULL || iv->len > 200)
		buf_adds(b, " (long text, not shown)");
	else {
		char *s = str_safe(iv->value);
		buf_printf(b, ": %s", s);
		free(s);
	}
}

void
reply_receipt(const struct reply_ctx *rc, struct reply_mail *out)
{
	const struct intake_verdict *v = rc->v;
	const struct link *l = v->link;
	const struct intake_value *iv;
	const struct field_def *f;
	char **missing = NULL, *about, *when, *subject;
	size_t nmissing = 0, i;
	bool complete = false;
	struct buf b;

	buf_init(&b);
	about = reply_about(rc);
	when = time_local(rc->now);
	reply_para(&b, "", "Your reply for %s arrived on %s and was merged. "
	    "Setup link %lld is now used up. Thank you.", about, when,
	    (long long)l->id);
	buf_adds(&b, "\nField by field:\n\n");
	for (i = 0; i < l->nfields; i++) {
		f = v->conn != NULL ? connector_field(v->conn, l->fields[i]) :
		    NULL;
		buf_printf(&b, "  %s", l->fields[i]);
		if (f != NULL && f->label != NULL)
			buf_printf(&b, " (%s)", f->label);
		if ((iv = reply_value(v, l->fields[i])) == NULL) {
			buf_adds(&b, ": not provided\n");
			continue;
		}
		buf_adds(&b, iv->replaced ? ": replaced the earlier value" :
		    ": received");
		reply_shown(&b, v, iv);
		buf_addc(&b, '\n');
	}
	for (i = 0; i < v->nnot_taken; i++)
		buf_printf(&b, "  %s: not taken (this link does not ask for "
		    "it)\n", v->not_taken[i]);
	buf_adds(&b, "\n");
	if (v->signer != NULL)
		reply_para(&b, "", "Signed with the key %s.", v->signer);
	if (v->encrypted)
		reply_para(&b, "", "It arrived encrypted to the workspace key.");
	if (rc->draft != NULL && v->conn != NULL)
		complete = draft_complete(v->conn, rc->draft, &missing,
		    &nmissing);
	if (rc->draft != NULL && complete)
		reply_para(&b, "", "Draft status: complete. Nothing is missing "
		    "any more.");
	else if (rc->draft != NULL) {
		struct buf m;
		buf_init(&m);
		for (i = 0; i < nmissing; i++)
			buf_printf(&m, "%s%s", i ? ", " : "", missing[i]);
		reply_para(&b, "", "Draft status: incomplete. Still missing: "
		    "%s. %s may ask you or someone else for them.",
		    m.len ? m.data : "(none)", rc->cfg->admin_name &&
		    *rc->cfg->admin_name ? rc->cfg->admin_name : "The admin");
		buf_free(&m);
	}
	reply_contact(&b, rc->cfg);
	subject = reply_subject(rc, "Received");
	reply_build(rc, "receipt", v->reply_rcpt, false, subject, b.data, out);
	strv_free(&missing, nmissing);
	free(subject);
	free(about);
	free(when);
	buf_free(&b);
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

/* Why, in the sender's terms, and what to do about it. */
static void
reply_why(struct buf *b, const struct reply_ctx *rc)
{
	const struct intake_verdict *v = rc->v;
	const struct link *l = v->link;
	const char *admin = rc->cfg->admin_name && *rc->cfg->admin_name ?
	    rc->cfg->admin_name : rc->cfg->admin_email;
	char *t = NULL;
	size_t i;

	if (l != NULL && l->ended != 0)
		t = time_local(l->ended);
	else if (l != NULL)
		t = time_local(l->expires);
	if (strcmp(v->reason, "expired") == 0) {
		reply_para(b, "", "Why: the setup link expired on %s.", t);
		buf_adds(b, "\n");
		reply_para(b, "", "What to do: ask %s for a new setup link.",
		    admin);
	} else if (strcmp(v->reason, "used") == 0) {
		reply_para(b, "", "Why: the setup link was already used on %s; "
		    "each link takes one reply.", t);
		buf_adds(b, "\n");
		reply_para(b, "", "What to do: if something is still missing "
		    "or wrong, ask %s for a new link.", admin);
	} else if (strcmp(v->reason, "revoked") == 0) {
		reply_para(b, "", "Why: %s withdrew the setup link on %s.",
		    admin, t);
		buf_adds(b, "\n");
		reply_para(b, "", "What to do: ask %s whether a new link is on "
		    "its way.", admin);
	} else if (strcmp(v->reason, "policy") == 0) {
		reply_para(b, "", "Why: %s.", v->detail);
		buf_adds(b, "\n");
		reply_para(b, "", "What to do: reply to the setup email again, "
		    "%s, and keep this line in what you sign or encrypt:",
		    reply_require_text(l->require));
		buf_printf(b, "\n    " FORM_OPEN_FMT "\n\n", (long long)l->id);
		reply_para(b, "", "The link still works until %s.", t);
	} else if (strcmp(v->reason, "no_fields") == 0) {
		reply_para(b, "", "Why: no field of the setup form was filled "
		    "in%s.", v->nnot_taken > 0 ? " (only fields that this link "
		    "does not ask for)" : "");
		buf_adds(b, "\n");
		reply_para(b, "", "What to do: reply to the setup email and "
		    "write each value after its colon, as in \"host: "
		    "db.example.com\", keeping the names left of the colons. "
		    "The link still works until %s.", t);
	} else if (strcmp(v->reason, "invalid") == 0) {
		buf_adds(b, "Why: these values cannot be used:\n");
		for (i = 0; i < v->ninvalid; i++) {
			char *s = str_safe(v->invalid[i]);
			buf_printf(b, "  - %s\n", s);
			free(s);
		}
		buf_adds(b, "\n");
		buf_adds(b, "\n");
		reply_para(b, "", "What to do: correct them and reply to the "
		    "setup email again, with every field you meant to send. "
		    "The link still works until %s.", t);
	} else if (strcmp(v->reason, "oversize") == 0) {
		reply_para(b, "", "Why: the message is larger than the %lld "
		    "bytes this address takes.",
		    (long long)rc->cfg->max_message_size);
		buf_adds(b, "\n");
		reply_para(b, "", "What to do: reply again with a smaller "
		    "message: attach only the files the form asks for.");
	} else {
		reply_para(b, "", "Why: the message could not be read (%s).",
		    v->detail);
		buf_adds(b, "\n");
		reply_para(b, "", "What to do: reply to the setup email again, "
		    "as plain text if you can.");
	}
	free(t);
}

void
reply_rejection(const struct reply_ctx *rc, struct reply_mail *out)
{
	const struct intake_verdict *v = rc->v;
	char *about, *subject;
	struct buf b;

	buf_init(&b);
	about = reply_about(rc);
	reply_para(&b, "", "Your reply to setup link %lld, for %s, was not "
	    "accepted. Nothing was changed.", (long long)v->link->id, about);
	buf_adds(&b, "\n");
	reply_why(&b, rc);
	reply_contact(&b, rc->cfg);
	subject = reply_subject(rc, "Not accepted");
	reply_build(rc, "reject", v->reply_rcpt, false, subject, b.data, out);
	free(subject);
	free(about);
	buf_free(&b);
}

/* The admin's note: who sent what (keys only, never a value). */
void
reply_admin_note(const struct reply_ctx *rc, struct reply_mail *out)
{
	const struct intake_verdict *v = rc->v;
	char **missing = NULL, *about, *subject, *from;
	size_t nmissing = 0, i;
	bool complete = false;
	struct buf b, keys;

	buf_init(&b);
	buf_init(&keys);
	about = reply_about(rc);
	from = str_safe(v->sender != NULL ? v->sender : "(unknown)");
	for (i = 0; i < v->nv; i++)
		buf_printf(&keys, "%s%s%s", i ? ", " : "", v->v[i].f->key,
		    v->v[i].replaced ? " (replaced)" : "");
	reply_para(&b, "", "%s replied to setup link %lld for %s. Merged: %s.",
	    from, (long long)v->link->id, about, keys.data);
	if (v->signer != NULL)
		reply_para(&b, "", "Signed with the key %s.", v->signer);
	if (v->encrypted)
		reply_para(&b, "", "Encrypted to the workspace key.");
	if (rc->draft != NULL && v->conn != NULL)
		complete = draft_complete(v->conn, rc->draft, &missing,
		    &nmissing);
	if (complete)
		reply_para(&b, "", "The draft is complete.");
	else {
		buf_free(&keys);
		buf_init(&keys);
		for (i = 0; i < nmissing; i++)
			buf_printf(&keys, "%s%s", i ? ", " : "", missing[i]);
		reply_para(&b, "", "Still missing: %s.", keys.len ? keys.data :
		    "(none)");
	}
	if (v->draft != NULL)
		reply_para(&b, "", "See: setuplink draft show %lld",
		    (long long)v->draft->id);
	subject = reply_subject(rc, "Merged");
	reply_build(rc, "note", rc->cfg->admin_email, true, subject, b.data,
	    out);
	strv_free(&missing, nmissing);
	free(subject);
	free(about);
	free(from);
	buf_free(&keys);
	buf_free(&b);
}

void
reply_mail_free(struct reply_mail *m)
{
	free(m->message_id);
	free(m->rcpt);
	free(m->data);
	memset(m, 0, sizeof *m);
}
