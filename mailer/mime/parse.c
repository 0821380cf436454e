/* parse.c: a stranger's message read into a plain struct mail: bounds
 * checked before libetpan sees it, then headers, body, PGP/MIME and DSNs. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "util/util.h"
#include "mailer/mime/private.h"

#define PARSE_HEADERS_MAX	65536	/* what mail_parse_headers() reads */
#define PARSE_RCPTS_MAX		1000	/* recipients kept, DSN ones too */
#define PARSE_PAD		16	/* zeros after libetpan's copy */

/* What the body walk has found so far. */
struct walk {
	struct mail	*m;
	struct buf	 plain;		/* text/plain parts, UTF-8 */
	struct buf	 html;		/* text/html parts as text */
	bool		 has_plain;
	bool		 has_html;
};

static const struct {
	const char		*begin;
	const char		*end;
	enum mail_protection	 protection;
} parse_armors[] = {
	{ "-----BEGIN PGP SIGNED MESSAGE-----", "-----END PGP SIGNATURE-----",
	  MAIL_INLINE_SIGNED },
	{ "-----BEGIN PGP MESSAGE-----", "-----END PGP MESSAGE-----",
	  MAIL_INLINE_ENCRYPTED },
};

/* ---- Header fields ---- */

/*
 * An address as the intake may use it: angle brackets and spaces off, the
 * domain lowercased (the local part is the owner's), and nothing that
 * could break a header line it is written into.
 */
static char *
parse_addr(const char *s, size_t len, bool need_at)
{
	const char *at;
	char *a;
	size_t i;

	while (len > 0 && mime_is_space(*s)) {
		s++;
		len--;
	}
	while (len > 0 && mime_is_space(s[len - 1]))
		len--;
	if (len >= 2 && s[0] == '<' && s[len - 1] == '>') {
		s++;
		len -= 2;
	}
	if (len == 0 || len > 320)
		return NULL;
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f ||
		    strchr("<>,;\"()\\", s[i]) != NULL)
			return NULL;
	}
	if ((at = memrchr(s, '@', len)) == NULL && need_at)
		return NULL;
	a = xstrndup(s, len);
	if (at != NULL)
		str_lower(a + (at - s));
	return a;
}

/* A leading mbox "From sender date" line: its sender and its length. */
static size_t
parse_mbox_line(const char *p, size_t len, char **sender)
{
	const char *nl, *end, *s, *e;

	if (len < 5 || memcmp(p, "From ", 5) != 0)
		return 0;
	end = (nl = memchr(p, '\n', len)) != NULL ? nl : p + len;
	for (s = p + 5; s < end && (*s == ' ' || *s == '\t'); s++)
		;
	if (s < end && *s == ':')	/* "From : x", an obsolete header */
		return 0;
	for (e = s; e < end && !mime_is_space(*e); e++)
		;
	*sender = parse_addr(s, (size_t)(e - s), false);
	return nl != NULL ? (size_t)(nl - p) + 1 : len;
}

static char *
parse_msgid(const char *s)
{
	size_t i, len = s != NULL ? strlen(s) : 0;

	if (len == 0 || len > 998)
		return NULL;
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f || s[i] == '<' || s[i] == '>')
			return NULL;
	}
	return xstrdup(s);
}

static char *
parse_date(const struct mailimf_date_time *d)
{
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

	if (d == NULL || d->dt_month < 1 || d->dt_month > 12 ||
	    d->dt_zone < -9999 || d->dt_zone > 9999)
		return NULL;
	return xprintf("%d %s %04d %02d:%02d:%02d %+05d", d->dt_day,
	    months[d->dt_month - 1], d->dt_year, d->dt_hour, d->dt_min,
	    d->dt_sec, d->dt_zone);
}

static void
parse_rcpt(char ***v, size_t *n, char *addr)
{
	size_t i;

	for (i = 0; addr != NULL && i < *n; i++) {
		if (strcmp((*v)[i], addr) == 0)
			break;
	}
	if (addr == NULL || i < *n || *n >= PARSE_RCPTS_MAX) {
		free(addr);
		return;
	}
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = addr;
}

static void
parse_mailbox(struct mail *m, const struct mailimf_mailbox *mb)
{
	if (mb != NULL && mb->mb_addr_spec != NULL)
		parse_rcpt(&m->rcpts, &m->nrcpts, parse_addr(mb->mb_addr_spec,
		    strlen(mb->mb_addr_spec), true));
}

static void
parse_addresses(struct mail *m, const struct mailimf_address_list *l)
{
	struct mailimf_address *a;
	clistiter *cur, *c;

	for (cur = l != NULL ? clist_begin(l->ad_list) : NULL; cur != NULL;
	    cur = clist_next(cur)) {
		a = clist_content(cur);
		if (a->ad_type == MAILIMF_ADDRESS_MAILBOX) {
			parse_mailbox(m, a->ad_data.ad_mailbox);
			continue;
		}
		if (a->ad_type != MAILIMF_ADDRESS_GROUP ||
		    a->ad_data.ad_group->grp_mb_list == NULL)
			continue;
		for (c = clist_begin(a->ad_data.ad_group->grp_mb_list->mb_list);
		    c != NULL; c = clist_next(c))
			parse_mailbox(m, clist_content(c));
	}
}

/* Recipients in the order the intake looks for a token in them. */
static void
parse_rcpts(struct mail *m, const struct mailimf_fields *f)
{
	static const char *names[] = { "Delivered-To", "X-Original-To" };
	struct mailimf_optional_field *o;
	struct mailimf_field *fld;
	clistiter *cur;
	int pass, type;

	for (pass = 0; pass < 4; pass++) {
		for (cur = clist_begin(f->fld_list); cur != NULL;
		    cur = clist_next(cur)) {
			fld = clist_content(cur);
			type = fld->fld_type;
			o = fld->fld_data.fld_optional_field;
			if (pass < 2 && type == MAILIMF_FIELD_OPTIONAL_FIELD &&
			    str_ieq(o->fld_name, names[pass]))
				parse_rcpt(&m->rcpts, &m->nrcpts, parse_addr(
				    o->fld_value, strlen(o->fld_value), true));
			else if (pass == 2 && type == MAILIMF_FIELD_TO)
				parse_addresses(m,
				    fld->fld_data.fld_to->to_addr_list);
			else if (pass == 3 && type == MAILIMF_FIELD_CC)
				parse_addresses(m,
				    fld->fld_data.fld_cc->cc_addr_list);
		}
	}
}

static char *
parse_type(struct mailmime_content *ct)
{
	const char *t = "application";
	struct mailmime_type *ty;

	if (ct == NULL || (ty = ct->ct_type) == NULL || ct->ct_subtype == NULL)
		return xstrdup("text/plain");
	if (ty->tp_type == MAILMIME_TYPE_DISCRETE_TYPE) {
		switch (ty->tp_data.tp_discrete_type->dt_type) {
		case MAILMIME_DISCRETE_TYPE_TEXT:	t = "text"; break;
		case MAILMIME_DISCRETE_TYPE_IMAGE:	t = "image"; break;
		case MAILMIME_DISCRETE_TYPE_AUDIO:	t = "audio"; break;
		case MAILMIME_DISCRETE_TYPE_VIDEO:	t = "video"; break;
		case MAILMIME_DISCRETE_TYPE_EXTENSION:
			t = ty->tp_data.tp_discrete_type->dt_extension;
			break;
		}
	} else if (ty->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE) {
		switch (ty->tp_data.tp_composite_type->ct_type) {
		case MAILMIME_COMPOSITE_TYPE_MESSAGE:	t = "message"; break;
		case MAILMIME_COMPOSITE_TYPE_MULTIPART:	t = "multipart"; break;
		case MAILMIME_COMPOSITE_TYPE_EXTENSION:
			t = ty->tp_data.tp_composite_type->ct_token;
			break;
		}
	}
	return str_lower(xprintf("%s/%s", t != NULL ? t : "application",
	    ct->ct_subtype));
}

/* "<>", the null reverse path of bounces and auto-replies (RFC 5321). */
static bool
parse_is_null_path(const char *v)
{
	char s[3];
	size_t n = 0;

	for (; *v != '\0'; v++) {
		if (mime_is_space(*v))
			continue;
		if (n == 2)
			return false;
		s[n++] = *v;
	}
	return n == 2 && s[0] == '<' && s[1] == '>';
}

static char *
parse_word_lower(const char *v)
{
	return str_lower(charset_decode_words(v, strlen(v)));
}

static void
parse_optional(struct mail *m, const struct mailimf_optional_field *o)
{
	struct mailmime_content *ct = NULL;
	const char *n = o->fld_name, *v = o->fld_value;
	size_t i = 0;

	if (str_ieq(n, "Return-Path") && m->return_path == NULL &&
	    !m->return_path_empty) {
		m->return_path = parse_addr(v, strlen(v), true);
		m->return_path_empty = parse_is_null_path(v);
	} else if (str_ieq(n, "Auto-Submitted") && m->auto_submitted == NULL)
		m->auto_submitted = parse_word_lower(v);
	else if (str_ieq(n, "Precedence") && m->precedence == NULL)
		m->precedence = parse_word_lower(v);
	else if (str_ieq(n, "List-Id"))
		m->list_id = true;
	else if (str_ieq(n, "X-Autoreply"))
		m->x_autoreply = true;
	else if (str_ieq(n, "X-Setuplink"))
		m->ours = true;
	else if (str_ieq(n, "Content-Type") && m->content_type == NULL &&
	    mailmime_content_parse(v, strlen(v), &i, &ct) == MAILIMF_NO_ERROR) {
		m->content_type = parse_type(ct);
		mailmime_content_free(ct);
	}
}

/* The first mailbox of the first From field that has one. */
static void
parse_from(struct mail *m, const struct mailimf_mailbox_list *l)
{
	const struct mailimf_mailbox *mb;
	clistiter *c;

	if (l == NULL || (c = clist_begin(l->mb_list)) == NULL ||
	    m->from_addr != NULL || m->from_name != NULL)
		return;
	mb = clist_content(c);
	if (mb->mb_addr_spec != NULL)
		m->from_addr = parse_addr(mb->mb_addr_spec,
		    strlen(mb->mb_addr_spec), true);
	if (mb->mb_display_name != NULL)
		m->from_name = charset_decode_words(mb->mb_display_name,
		    strlen(mb->mb_display_name));
}

/* Message-IDs without <>, one space apart. */
static char *
parse_msgids(clist *l, bool first_only)
{
	struct buf b;
	clistiter *c;
	char *id;

	buf_init(&b);
	for (c = clist_begin(l); c != NULL; c = clist_next(c)) {
		if ((id = parse_msgid(clist_content(c))) == NULL)
			continue;
		buf_printf(&b, "%s%s", b.len > 0 ? " " : "", id);
		free(id);
		if (first_only)
			break;
	}
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b);
}

/* The fields a struct mail holds; the first of each counts. */
static void
parse_headers(struct mail *m, const struct mailimf_fields *f)
{
	struct mailimf_field *fld;
	const char *subject;
	clistiter *cur;

	if (f == NULL || f->fld_list == NULL)
		return;
	for (cur = clist_begin(f->fld_list); cur != NULL;
	    cur = clist_next(cur)) {
		fld = clist_content(cur);
		switch (fld->fld_type) {
		case MAILIMF_FIELD_ORIG_DATE:
			if (m->date == NULL)
				m->date = parse_date(
				    fld->fld_data.fld_orig_date->dt_date_time);
			break;
		case MAILIMF_FIELD_FROM:
			parse_from(m, fld->fld_data.fld_from->frm_mb_list);
			break;
		case MAILIMF_FIELD_MESSAGE_ID:
			if (m->message_id == NULL)
				m->message_id = parse_msgid(
				    fld->fld_data.fld_message_id->mid_value);
			break;
		case MAILIMF_FIELD_IN_REPLY_TO:
			if (m->in_reply_to == NULL)
				m->in_reply_to = parse_msgids(fld->fld_data.
				    fld_in_reply_to->mid_list, true);
			break;
		case MAILIMF_FIELD_REFERENCES:
			if (m->references == NULL)
				m->references = parse_msgids(fld->fld_data.
				    fld_references->mid_list, false);
			break;
		case MAILIMF_FIELD_SUBJECT:
			subject = fld->fld_data.fld_subject->sbj_value;
			if (m->subject == NULL)
				m->subject = charset_decode_words(subject,
				    strlen(subject));
			break;
		case MAILIMF_FIELD_OPTIONAL_FIELD:
			parse_optional(m, fld->fld_data.fld_optional_field);
			break;
		}
	}
	parse_rcpts(m, f);
}

/* ---- The body ---- */

/*
 * A part's body with its Content-Transfer-Encoding undone, by our own
 * decoders: libetpan's quoted-printable one reads past the end of a part.
 */
static char *
parse_decode(const struct mailmime *mm, size_t *len)
{
	const struct mailmime_data *d = mm->mm_body;
	enum transfer enc = TRANSFER_IDENTITY;

	if (d == NULL || d->dt_type != MAILMIME_DATA_TEXT ||
	    d->dt_data.dt_text.dt_data == NULL)
		return charset_untransfer(enc, "", 0, len);
	if (d->dt_encoded && d->dt_encoding == MAILMIME_MECHANISM_BASE64)
		enc = TRANSFER_BASE64;
	else if (d->dt_encoded &&
	    d->dt_encoding == MAILMIME_MECHANISM_QUOTED_PRINTABLE)
		enc = TRANSFER_QP;
	return charset_untransfer(enc, d->dt_data.dt_text.dt_data,
	    d->dt_data.dt_text.dt_length, len);
}

/* A copy with every bare LF made CRLF, as RFC 3156 signs the first part. */
static char *
parse_crlf(const char *p, size_t len, size_t *outlen)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	buf_add(&b, "", 0);
	for (i = 0; i < len; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			buf_addc(&b, '\r');
		buf_addc(&b, p[i]);
	}
	*outlen = b.len;
	return buf_take(&b);
}

static const char *
parse_ct_param(const struct mailmime *mm, const char *name)
{
	if (mm->mm_content_type == NULL)
		return NULL;
	return mailmime_content_param_get(mm->mm_content_type, (char *)name);
}

static bool
parse_is(const struct mailmime *mm, const char *type, const char *protocol)
{
	const char *p;
	char *t;
	bool yes;

	t = parse_type(mm->mm_content_type);
	yes = strcmp(t, type) == 0;
	free(t);
	if (yes && protocol != NULL)
		yes = (p = parse_ct_param(mm, "protocol")) != NULL &&
		    str_ieq(p, protocol);
	return yes;
}

static bool
parse_is_signed(const struct mailmime *mm)
{
	return parse_is(mm, "multipart/signed", "application/pgp-signature");
}

/*
 * The first PGP/MIME part, depth first through multiparts (a list or a
 * gateway may wrap it), not inside attached messages.
 */
static struct mailmime *
parse_find_pgp(struct mailmime *mm)
{
	struct mailmime *found;
	clistiter *cur;

	if (mm == NULL || mm->mm_type != MAILMIME_MULTIPLE)
		return NULL;
	if (parse_is_signed(mm) ||
	    parse_is(mm, "multipart/encrypted", "application/pgp-encrypted"))
		return mm;
	for (cur = clist_begin(mm->mm_data.mm_multipart.mm_mp_list);
	    cur != NULL; cur = clist_next(cur)) {
		if ((found = parse_find_pgp(clist_content(cur))) != NULL)
			return found;
	}
	return NULL;
}

/*
 * RFC 3156: the signed data is the first part exactly as it was sent,
 * headers and all, which libetpan's part start and length give; the
 * ciphertext or signature is the second part's body.
 */
static int
parse_pgp(struct mail *m, const struct mailmime *mm, char **errstr)
{
	const struct mailmime *a, *b;
	clist *l = mm->mm_data.mm_multipart.mm_mp_list;

	if (l == NULL || clist_count(l) < 2)
		return errorf(errstr, EX_DATAERR,
		    "a PGP/MIME part does not have its two parts");
	a = clist_content(clist_begin(l));
	b = clist_content(clist_next(clist_begin(l)));
	if (parse_is_signed(mm)) {
		if (a->mm_mime_start == NULL)
			return errorf(errstr, EX_DATAERR,
			    "the signed part of a PGP/MIME message is empty");
		m->protection = MAIL_PGP_SIGNED;
		m->signed_data = parse_crlf(a->mm_mime_start, a->mm_length,
		    &m->signed_len);
		m->signature = parse_decode(b, &m->sig_len);
	} else {
		m->protection = MAIL_PGP_ENCRYPTED;
		m->armored = parse_decode(b, &m->armored_len);
	}
	return 0;
}

/* The offset of marker at the start of a line, at from or after, or len. */
static size_t
parse_find_line(const char *p, size_t len, size_t from, const char *marker)
{
	const char *q;
	size_t at, ml = strlen(marker);

	while (from < len &&
	    (q = memmem(p + from, len - from, marker, ml)) != NULL) {
		at = (size_t)(q - p);
		if (at == 0 || p[at - 1] == '\n')
			return at;
		from = at + 1;
	}
	return len;
}

/* An inline PGP block in a text part: the first BEGIN line that has its END. */
static void
parse_inline(struct mail *m, const char *p, size_t len)
{
	size_t best = len, b, e, end = 0, i;
	int which = -1;

	for (i = 0; i < nitems(parse_armors); i++) {
		b = parse_find_line(p, len, 0, parse_armors[i].begin);
		e = b < best ? parse_find_line(p, len, b, parse_armors[i].end) :
		    len;
		if (e == len)
			continue;
		best = b;
		end = e + strlen(parse_armors[i].end);
		which = (int)i;
	}
	if (which < 0)
		return;
	while (end < len && p[end] != '\n')
		end++;
	end += end < len;
	m->protection = parse_armors[which].protection;
	m->armored_len = end - best;
	m->armored = xmalloc(m->armored_len + 1);
	memcpy(m->armored, p + best, m->armored_len);
	m->armored[m->armored_len] = '\0';
}

static void
parse_text(struct walk *w, const struct mailmime *mm, const char *type,
    const char *data, size_t len)
{
	const char *format = parse_ct_param(mm, "format");
	const char *delsp = parse_ct_param(mm, "delsp");
	char *utf8, *t;
	size_t n, tn;
	bool bad;

	utf8 = charset_to_utf8(parse_ct_param(mm, "charset"), data, len, &n,
	    &bad);
	if (strcmp(type, "text/html") == 0) {
		t = html_to_text(utf8, n, &tn);
		buf_add(&w->html, t, tn);
		w->has_html = true;
		free(t);
		free(utf8);
		return;
	}
	if (w->m->armored == NULL)
		parse_inline(w->m, data, len);
	if (format != NULL && str_ieq(format, "flowed")) {
		t = charset_unflow(utf8, n,
		    delsp != NULL && str_ieq(delsp, "yes"), &n);
		free(utf8);
		utf8 = t;
	}
	if (w->plain.len > 0 && w->plain.data[w->plain.len - 1] != '\n')
		buf_addc(&w->plain, '\n');
	buf_add(&w->plain, utf8, n);
	w->has_plain = true;
	free(utf8);
}

/* The parameters of a part's Content-Type and Content-Disposition. */
static struct mime_param *
parse_params(const struct mailmime *mm, size_t *np, bool *attachment)
{
	struct mailmime_disposition *dsp = NULL;
	struct mailmime_disposition_parm *dp;
	struct mailmime_parameter *pp;
	struct mailmime_field *f;
	struct mime_param *v;
	clist *ctp = NULL, *dpl = NULL;
	clistiter *cur;
	size_t n = 0;

	cur = mm->mm_mime_fields != NULL ?
	    clist_begin(mm->mm_mime_fields->fld_list) : NULL;
	for (; cur != NULL && dsp == NULL; cur = clist_next(cur)) {
		f = clist_content(cur);
		if (f->fld_type == MAILMIME_FIELD_DISPOSITION)
			dsp = f->fld_data.fld_disposition;
	}
	if (mm->mm_content_type != NULL)
		ctp = mm->mm_content_type->ct_parameters;
	if (dsp != NULL)
		dpl = dsp->dsp_parms;
	v = xcalloc((ctp ? clist_count(ctp) : 0) +
	    (dpl ? clist_count(dpl) : 0) + 1, sizeof *v);
	for (cur = ctp ? clist_begin(ctp) : NULL; cur; cur = clist_next(cur)) {
		pp = clist_content(cur);
		v[n++] = (struct mime_param){ pp->pa_name, pp->pa_value };
	}
	for (cur = dpl ? clist_begin(dpl) : NULL; cur; cur = clist_next(cur)) {
		dp = clist_content(cur);
		pp = dp->pa_data.pa_parameter;
		if (dp->pa_type == MAILMIME_DISPOSITION_PARM_FILENAME)
			v[n++] = (struct mime_param){ "filename",
			    dp->pa_data.pa_filename };
		else if (dp->pa_type == MAILMIME_DISPOSITION_PARM_PARAMETER)
			v[n++] = (struct mime_param){ pp->pa_name,
			    pp->pa_value };
	}
	*attachment = dsp != NULL && dsp->dsp_type != NULL &&
	    dsp->dsp_type->dsp_type == MAILMIME_DISPOSITION_TYPE_ATTACHMENT;
	*np = n;
	return v;
}

static void
parse_attach(struct mail *m, char *filename, char *type, char *data, size_t len)
{
	struct mail_attachment *a;

	m->att = xreallocarray(m->att, m->natt + 1, sizeof *m->att);
	a = &m->att[m->natt++];
	a->filename = filename;
	a->content_type = type;
	a->data = data;
	a->len = len;
}

/* ---- Delivery status notifications (RFC 3464) ---- */

static void
parse_dsn_field(struct mail *m, const char *line, size_t len)
{
	const char *colon, *v, *semi;
	size_t nlen, vlen;

	if ((colon = memchr(line, ':', len)) == NULL)
		return;
	nlen = (size_t)(colon - line);
	v = colon + 1;
	vlen = len - nlen - 1;
	if (nlen == 6 && strncasecmp(line, "Action", 6) == 0 &&
	    m->dsn_action == NULL) {
		while (vlen > 0 && mime_is_space(*v)) {
			v++;
			vlen--;
		}
		for (nlen = 0; nlen < vlen && isalpha((unsigned char)v[nlen]);)
			nlen++;
		m->dsn_action = str_lower(xstrndup(v, nlen));
	} else if ((nlen == 18 &&
	    strncasecmp(line, "Original-Recipient", 18) == 0) ||
	    (nlen == 15 && strncasecmp(line, "Final-Recipient", 15) == 0)) {
		if ((semi = memchr(v, ';', vlen)) != NULL) {
			vlen -= (size_t)(semi + 1 - v);
			v = semi + 1;
		}
		parse_rcpt(&m->dsn_rcpts, &m->ndsn_rcpts,
		    parse_addr(v, vlen, true));
	}
}

/*
 * The status fields, folded lines joined.  The Action is the first one
 * found: the per-message block that comes first has none.
 */
static void
parse_dsn(struct mail *m, const char *p, size_t len)
{
	const char *next, *end = p + len;
	struct buf line;
	size_t n;

	buf_init(&line);
	for (; p < end; p = next) {
		next = line_next(p, end, &n);
		if (n == 0 || (*p != ' ' && *p != '\t')) {
			if (line.len > 0)
				parse_dsn_field(m, line.data, line.len);
			line.len = 0;
		}
		buf_add(&line, p, n);
	}
	if (line.len > 0)
		parse_dsn_field(m, line.data, line.len);
	buf_free(&line);
}

/* In a multipart/report, the status and the returned message's Message-ID. */
static bool
parse_report_part(struct mail *m, const char *type, const char *data,
    size_t len)
{
	struct mail *h;

	if (strcmp(type, "message/delivery-status") == 0 ||
	    strcmp(type, "message/global-delivery-status") == 0) {
		parse_dsn(m, data, len);
		return true;
	}
	if (strcmp(type, "message/rfc822") != 0 &&
	    strcmp(type, "text/rfc822-headers") != 0 &&
	    strcmp(type, "message/global") != 0 &&
	    strcmp(type, "message/global-headers") != 0)
		return false;
	if (m->dsn_message_id == NULL &&
	    mail_parse_headers(data, len, &h, NULL) == 0) {
		m->dsn_message_id = h->message_id;
		h->message_id = NULL;
		mail_free(&h);
	}
	return true;
}

/* ---- Walking the parts ---- */

/*
 * A leaf: text to read, or an attachment.  A part with a file name is an
 * attachment even when it is text; in a branch of multipart/alternative
 * that is not read, only parts marked as attachments are kept (Apple Mail
 * puts them in the HTML branch alone).
 */
static void
parse_part(struct walk *w, const struct mailmime *mm, bool att_only)
{
	struct mime_param *params;
	char *type, *filename, *data;
	size_t np, len;
	bool attachment, text;

	type = parse_type(mm->mm_content_type);
	params = parse_params(mm, &np, &attachment);
	if ((filename = charset_param(params, np, "filename")) == NULL)
		filename = charset_param(params, np, "name");
	data = parse_decode(mm, &len);
	text = !attachment && filename == NULL &&
	    mm->mm_type == MAILMIME_SINGLE &&
	    (strcmp(type, "text/plain") == 0 || strcmp(type, "text/html") == 0);
	if (w->m->is_report && parse_report_part(w->m, type, data, len))
		;
	else if (str_has_prefix(type, "multipart/"))
		;	/* no boundary to split it by: neither text nor a file */
	else if (text && !att_only)
		parse_text(w, mm, type, data, len);
	else if (!text && (!att_only || attachment)) {
		parse_attach(w->m, filename, type, data, len);
		filename = type = data = NULL;
	}
	free(params);
	free(filename);
	free(type);
	free(data);
}

/* The branch of a multipart/alternative to read: text/plain, else the last. */
static const struct mailmime *
parse_alternative(const struct mailmime *mm)
{
	const struct mailmime *c, *last = NULL;
	clistiter *cur;

	for (cur = clist_begin(mm->mm_data.mm_multipart.mm_mp_list);
	    cur != NULL; cur = clist_next(cur)) {
		c = clist_content(cur);
		if (c->mm_type == MAILMIME_SINGLE &&
		    parse_is(c, "text/plain", NULL))
			return c;
		last = c;
	}
	return last;
}

static void
parse_walk(struct walk *w, const struct mailmime *mm, bool att_only)
{
	const struct mailmime *best = NULL, *c;
	clistiter *cur;

	if (mm->mm_type != MAILMIME_MULTIPLE) {
		parse_part(w, mm, att_only);
		return;
	}
	if (mm->mm_data.mm_multipart.mm_mp_list == NULL)
		return;
	if (parse_is(mm, "multipart/alternative", NULL))
		best = parse_alternative(mm);
	for (cur = clist_begin(mm->mm_data.mm_multipart.mm_mp_list);
	    cur != NULL; cur = clist_next(cur)) {
		c = clist_content(cur);
		parse_walk(w, c, att_only || (best != NULL && c != best));
	}
}

/* The text read: plain parts, else HTML; line ends made LF. */
static void
parse_finish(struct walk *w)
{
	struct mail *m = w->m;
	struct buf *b = w->has_plain ? &w->plain : &w->html;
	size_t i, n = 0;

	if (m->protection == MAIL_CLEAR) {
		m->text = xmalloc(b->len + 1);
		for (i = 0; i < b->len; i++) {
			if (b->data[i] != '\r' || i + 1 >= b->len ||
			    b->data[i + 1] != '\n')
				m->text[n++] = b->data[i];
		}
		m->text[n] = '\0';
		m->text_len = n;
		m->text_from_html = !w->has_plain && w->has_html;
	}
	buf_free(&w->plain);
	buf_free(&w->html);
}

static int
parse_body(struct mail *m, const struct mailmime *mm, char **errstr)
{
	struct walk w = { .m = m };
	struct mailmime *pgp;

	buf_init(&w.plain);
	buf_init(&w.html);
	if (mm != NULL) {
		free(m->content_type);
		m->content_type = parse_type(mm->mm_content_type);
		m->is_report = strcmp(m->content_type, "multipart/report") == 0;
		if ((pgp = parse_find_pgp((struct mailmime *)mm)) != NULL)
			return parse_pgp(m, pgp, errstr);
		parse_walk(&w, mm, false);
	}
	parse_finish(&w);
	return 0;
}

/* ---- Entry points ---- */

/*
 * libetpan reads a message from a copy of ours, with zeros after it: some
 * of its parsers look a byte or two past the length they are given.
 */
static char *
parse_copy(const char *raw, size_t len)
{
	char *copy = xcalloc(1, len + PARSE_PAD);

	memcpy(copy, raw, len);
	return copy;
}

static int
parse_message(const char *raw, size_t len, const struct mail_limits *lim,
    bool entity, struct mail **mp, char **errstr)
{
	struct mail_limits dflt;
	struct mailmime *mime = NULL;
	struct mail *m;
	char *copy = NULL;
	size_t skip = 0, idx = 0;
	int ret;

	*mp = NULL;
	if (lim == NULL) {
		mail_limits_default(&dflt);
		lim = &dflt;
	}
	m = xcalloc(1, sizeof *m);
	if (!entity)
		skip = parse_mbox_line(raw, len, &m->envelope_from);
	if ((len -= skip) == 0) {
		ret = errorf(errstr, EX_DATAERR, "the message is empty");
		goto out;
	}
	copy = parse_copy(raw + skip, len);
	if ((ret = prescan_check(copy, len, lim, errstr)) != 0)
		goto out;
	if (mailmime_parse(copy, len, &idx, &mime) != MAILIMF_NO_ERROR) {
		mime = NULL;
		ret = errorf(errstr, EX_DATAERR,
		    "the MIME structure is unreadable");
		goto out;
	}
	if (mime->mm_type != MAILMIME_MESSAGE)
		ret = parse_body(m, mime, errstr);
	else {
		if (!entity)
			parse_headers(m, mime->mm_data.mm_message.mm_fields);
		ret = parse_body(m, mime->mm_data.mm_message.mm_msg_mime,
		    errstr);
	}
out:
	if (mime != NULL)
		mailmime_free(mime);
	free(copy);
	if (ret == 0)
		*mp = m;
	else
		mail_free(&m);
	return ret;
}

int
mail_parse(const char *raw, size_t len, const struct mail_limits *lim,
    struct mail **mp, char **errstr)
{
	return parse_message(raw, len, lim, false, mp, errstr);
}

int
mail_parse_entity(const char *raw, size_t len, const struct mail_limits *lim,
    struct mail **mp, char **errstr)
{
	return parse_message(raw, len, lim, true, mp, errstr);
}

int
mail_parse_headers(const char *raw, size_t len, struct mail **mp, char **errstr)
{
	struct mailimf_fields *f = NULL;
	struct mail *m;
	const char *nl;
	char *copy;
	size_t skip, n, idx = 0;
	int r;

	*mp = NULL;
	m = xcalloc(1, sizeof *m);
	skip = parse_mbox_line(raw, len, &m->envelope_from);
	raw += skip;
	len -= skip;
	n = len < PARSE_HEADERS_MAX ? len : PARSE_HEADERS_MAX;
	if (prescan_header_end(raw, n) < n)
		n = prescan_header_end(raw, n);
	else if (n < len && (nl = memrchr(raw, '\n', n)) != NULL)
		n = (size_t)(nl - raw) + 1;
	copy = parse_copy(raw, n);
	r = prescan_comments_ok(copy, n) ?
	    mailimf_envelope_and_optional_fields_parse(copy, n, &idx, &f) : -1;
	free(copy);
	if (r != MAILIMF_NO_ERROR) {
		mail_free(&m);
		return errorf(errstr, EX_DATAERR,
		    "the header block is unreadable");
	}
	parse_headers(m, f);
	mailimf_fields_free(f);
	m->is_report = m->content_type != NULL &&
	    strcmp(m->content_type, "multipart/report") == 0;
	*mp = m;
	return 0;
}

void
mail_free(struct mail **mp)
{
	struct mail *m = *mp;
	size_t i;

	if (m == NULL)
		return;
	free(m->message_id);
	free(m->in_reply_to);
	free(m->references);
	free(m->subject);
	free(m->date);
	free(m->from_addr);
	free(m->from_name);
	free(m->return_path);
	free(m->envelope_from);
	strv_free(&m->rcpts, m->nrcpts);
	free(m->auto_submitted);
	free(m->precedence);
	free(m->content_type);
	free(m->signed_data);
	free(m->signature);
	free(m->armored);
	free(m->text);
	for (i = 0; i < m->natt; i++) {
		free(m->att[i].filename);
		free(m->att[i].content_type);
		free(m->att[i].data);
	}
	free(m->att);
	free(m->dsn_action);
	free(m->dsn_message_id);
	strv_free(&m->dsn_rcpts, m->ndsn_rcpts);
	free(m);
	*mp = NULL;
}
