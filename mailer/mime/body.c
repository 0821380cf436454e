/* body.c: a message's body read into struct mail: PGP/MIME and inline PGP
 * found, text parts made one UTF-8 text, the other parts kept as files. */
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "util/util.h"
#include "mailer/mime/private.h"

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
} body_armors[] = {
	{ "-----BEGIN PGP SIGNED MESSAGE-----", "-----END PGP SIGNATURE-----",
	  MAIL_INLINE_SIGNED },
	{ "-----BEGIN PGP MESSAGE-----", "-----END PGP MESSAGE-----",
	  MAIL_INLINE_ENCRYPTED },
};

/*
 * A part's body with its Content-Transfer-Encoding undone, by our own
 * decoders: libetpan's quoted-printable one reads past the end of a part.
 */
static char *
body_decode(const struct mailmime *mm, size_t *len)
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
body_crlf(const char *p, size_t len, size_t *outlen)
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
body_ct_param(const struct mailmime *mm, const char *name)
{
	if (mm->mm_content_type == NULL)
		return NULL;
	return mailmime_content_param_get(mm->mm_content_type, (char *)name);
}

static bool
body_is(const struct mailmime *mm, const char *type, const char *protocol)
{
	const char *p;
	char *t;
	bool yes;

	t = header_content_type(mm->mm_content_type);
	yes = strcmp(t, type) == 0;
	free(t);
	if (yes && protocol != NULL)
		yes = (p = body_ct_param(mm, "protocol")) != NULL &&
		    str_ieq(p, protocol);
	return yes;
}

static bool
body_is_signed(const struct mailmime *mm)
{
	return body_is(mm, "multipart/signed", "application/pgp-signature");
}

/*
 * The first PGP/MIME part, depth first through multiparts (a list or a
 * gateway may wrap it), not inside attached messages.
 */
static struct mailmime *
body_find_pgp(struct mailmime *mm)
{
	struct mailmime *found;
	clistiter *cur;

	if (mm == NULL || mm->mm_type != MAILMIME_MULTIPLE)
		return NULL;
	if (body_is_signed(mm) ||
	    body_is(mm, "multipart/encrypted", "application/pgp-encrypted"))
		return mm;
	for (cur = clist_begin(mm->mm_data.mm_multipart.mm_mp_list);
	    cur != NULL; cur = clist_next(cur)) {
		if ((found = body_find_pgp(clist_content(cur))) != NULL)
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
body_pgp(struct mail *m, const struct mailmime *mm, char **errstr)
{
	const struct mailmime *a, *b;
	clist *l = mm->mm_data.mm_multipart.mm_mp_list;

	if (l == NULL || clist_count(l) < 2)
		return errorf(errstr, EX_DATAERR,
		    "a PGP/MIME part does not have its two parts");
	a = clist_content(clist_begin(l));
	b = clist_content(clist_next(clist_begin(l)));
	if (body_is_signed(mm)) {
		if (a->mm_mime_start == NULL)
			return errorf(errstr, EX_DATAERR,
			    "the signed part of a PGP/MIME message is empty");
		m->protection = MAIL_PGP_SIGNED;
		m->signed_data = body_crlf(a->mm_mime_start, a->mm_length,
		    &m->signed_len);
		m->signature = body_decode(b, &m->sig_len);
	} else {
		m->protection = MAIL_PGP_ENCRYPTED;
		m->armored = body_decode(b, &m->armored_len);
	}
	return 0;
}

/* The offset of marker at the start of a line, at from or after, or len. */
static size_t
body_find_line(const char *p, size_t len, size_t from, const char *marker)
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
body_inline(struct mail *m, const char *p, size_t len)
{
	size_t best = len, b, e, end = 0, i;
	int which = -1;

	for (i = 0; i < nitems(body_armors); i++) {
		b = body_find_line(p, len, 0, body_armors[i].begin);
		e = b < best ? body_find_line(p, len, b, body_armors[i].end) :
		    len;
		if (e == len)
			continue;
		best = b;
		end = e + strlen(body_armors[i].end);
		which = (int)i;
	}
	if (which < 0)
		return;
	while (end < len && p[end] != '\n')
		end++;
	end += end < len;
	m->protection = body_armors[which].protection;
	m->armored_len = end - best;
	m->armored = xmalloc(m->armored_len + 1);
	memcpy(m->armored, p + best, m->armored_len);
	m->armored[m->armored_len] = '\0';
}

static void
body_text(struct walk *w, const struct mailmime *mm, const char *type,
    const char *data, size_t len)
{
	const char *format = body_ct_param(mm, "format");
	const char *delsp = body_ct_param(mm, "delsp");
	char *utf8, *t;
	size_t n, tn;
	bool bad;

	utf8 = charset_to_utf8(body_ct_param(mm, "charset"), data, len, &n,
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
		body_inline(w->m, data, len);
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
body_params(const struct mailmime *mm, size_t *np, bool *attachment)
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

/*
 * A text attachment's lines end as they did before MIME's canonical CRLF
 * (RFC 2046 4.1.1): LF, as the file was on the sender's disk; a key file
 * with CRs no longer loads.  Any other type is kept byte for byte.
 */
static size_t
body_text_lf(const char *type, char *data, size_t len)
{
	size_t i, n = 0;

	if (!str_has_prefix(type, "text/"))
		return len;
	for (i = 0; i < len; i++) {
		if (data[i] != '\r' || i + 1 >= len || data[i + 1] != '\n')
			data[n++] = data[i];
	}
	data[n] = '\0';
	return n;
}

static void
body_attach(struct mail *m, char *filename, char *type, char *data, size_t len)
{
	struct mail_attachment *a;

	len = body_text_lf(type, data, len);
	m->att = xreallocarray(m->att, m->natt + 1, sizeof *m->att);
	a = &m->att[m->natt++];
	a->filename = filename;
	a->content_type = type;
	a->data = data;
	a->len = len;
}

/*
 * A leaf: text to read, or an attachment.  A part with a file name is an
 * attachment even when it is text; in a branch of multipart/alternative
 * that is not read, only parts marked as attachments are kept (Apple Mail
 * puts them in the HTML branch alone).
 */
static void
body_part(struct walk *w, const struct mailmime *mm, bool att_only)
{
	struct mime_param *params;
	char *type, *filename, *data;
	size_t np, len;
	bool attachment, text;

	type = header_content_type(mm->mm_content_type);
	params = body_params(mm, &np, &attachment);
	if ((filename = charset_param(params, np, "filename")) == NULL)
		filename = charset_param(params, np, "name");
	data = body_decode(mm, &len);
	text = !attachment && filename == NULL &&
	    mm->mm_type == MAILMIME_SINGLE &&
	    (strcmp(type, "text/plain") == 0 || strcmp(type, "text/html") == 0);
	if (w->m->is_report && dsn_report_part(w->m, type, data, len))
		;
	else if (str_has_prefix(type, "multipart/"))
		;	/* no boundary to split it by: neither text nor a file */
	else if (text && !att_only)
		body_text(w, mm, type, data, len);
	else if (!text && (!att_only || attachment)) {
		body_attach(w->m, filename, type, data, len);
		filename = type = data = NULL;
	}
	free(params);
	free(filename);
	free(type);
	free(data);
}

/* The branch of a multipart/alternative to read: text/plain, else the last. */
static const struct mailmime *
body_alternative(const struct mailmime *mm)
{
	const struct mailmime *c, *last = NULL;
	clistiter *cur;

	for (cur = clist_begin(mm->mm_data.mm_multipart.mm_mp_list);
	    cur != NULL; cur = clist_next(cur)) {
		c = clist_content(cur);
		if (c->mm_type == MAILMIME_SINGLE &&
		    body_is(c, "text/plain", NULL))
			return c;
		last = c;
	}
	return last;
}

static void
body_walk(struct walk *w, const struct mailmime *mm, bool att_only)
{
	const struct mailmime *best = NULL, *c;
	clistiter *cur;

	if (mm->mm_type != MAILMIME_MULTIPLE) {
		body_part(w, mm, att_only);
		return;
	}
	if (mm->mm_data.mm_multipart.mm_mp_list == NULL)
		return;
	if (body_is(mm, "multipart/alternative", NULL))
		best = body_alternative(mm);
	for (cur = clist_begin(mm->mm_data.mm_multipart.mm_mp_list);
	    cur != NULL; cur = clist_next(cur)) {
		c = clist_content(cur);
		body_walk(w, c, att_only || (best != NULL && c != best));
	}
}

/* The text read: plain parts, else HTML; line ends made LF. */
static void
body_finish(struct walk *w)
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

int
body_read(struct mail *m, const struct mailmime *mm, char **errstr)
{
	struct walk w = { .m = m };
	struct mailmime *pgp;

	buf_init(&w.plain);
	buf_init(&w.html);
	if (mm != NULL) {
		free(m->content_type);
		m->content_type = header_content_type(mm->mm_content_type);
		m->is_report = strcmp(m->content_type, "multipart/report") == 0;
		if ((pgp = body_find_pgp((struct mailmime *)mm)) != NULL)
			return body_pgp(m, pgp, errstr);
		body_walk(&w, mm, false);
	}
	body_finish(&w);
	return 0;
}
