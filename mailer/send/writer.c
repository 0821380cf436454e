/* writer.c: the one MIME writer: a message's header block, its parts and
 * their bodies, written out with CRLF line ends; the rest never sees libetpan. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "util/util.h"
#include "mailer/send/private.h"

#define B64_LINE	76	/* base64 characters per body line */

/*
 * The tree is libetpan's; the encoded bodies its parts point at are
 * ours (libetpan never frees text it was given), kept until the message
 * is freed.
 */
struct writer {
	struct mailmime		*msg;
	struct mailimf_fields	*head;
	char			**bodies;
	size_t			 nbodies;
};

/*
 * libetpan reports a failed allocation as NULL; like xmalloc we do not
 * try to go on without memory.
 */
static void *
writer_nn(void *p)
{
	if (p == NULL)
		fatalx("out of memory composing a message");
	return p;
}

/* Building a tree in memory fails only for want of memory or a bug. */
static void
writer_ok(int r)
{
	if (r != MAILIMF_NO_ERROR)
		fatalx("libetpan could not build a message (error %d)", r);
}

/*
 * A boundary no body of ours can hold: quoted-printable never writes
 * "=-", and the rest is random.
 */
static char *
writer_boundary(void)
{
	uint8_t raw[15];
	char *r, *s;

	if (random_bytes(raw, sizeof raw, NULL) != 0)
		return xprintf("=-sl-%lld-%ld", (long long)time_now(),
		    (long)getpid());
	s = base32_lower(raw, sizeof raw);
	r = xprintf("=-sl-%s", s);
	free(s);
	return r;
}

/* One address as libetpan wants it, its display name encoded if it must. */
static struct mailimf_address_list *
writer_address(const char *name, const char *addr)
{
	struct mailimf_address_list *l;

	l = writer_nn(mailimf_address_list_new_empty());
	writer_ok(mailimf_address_list_add_mb(l, name != NULL && *name != '\0' ?
	    writer_phrase(name) : NULL, xstrdup(addr)));
	return l;
}

/* In-Reply-To and References each own their list of one id. */
static clist *
writer_msgid_list(const char *id)
{
	clist *l = writer_nn(clist_new());

	writer_ok(clist_append(l, xstrdup(id)));
	return l;
}

/*
 * The header block: Date, then the fields RFC 5322 names in libetpan's
 * order (From, Reply-To, To, Message-ID, In-Reply-To, References,
 * Subject); writer_field() adds ours after them.
 */
static struct mailimf_fields *
writer_head(const struct writer_head *h)
{
	struct mailimf_fields *f = writer_nn(mailimf_fields_new_empty());
	struct mailimf_mailbox_list *from;
	clist *irt = NULL, *refs = NULL;

	from = writer_nn(mailimf_mailbox_list_new_empty());
	writer_ok(mailimf_mailbox_list_add_mb(from, h->from_name != NULL &&
	    *h->from_name != '\0' ? writer_phrase(h->from_name) : NULL,
	    xstrdup(h->from)));
	if (h->in_reply_to != NULL) {
		irt = writer_msgid_list(h->in_reply_to);
		refs = writer_msgid_list(h->in_reply_to);
	}
	writer_ok(mailimf_fields_add(f, writer_nn(mailimf_field_new_custom(
	    xstrdup("Date"), time_rfc5322(h->date)))));
	writer_ok(mailimf_fields_add_data(f, NULL, from, NULL,
	    h->reply_to != NULL ? writer_address(h->reply_to_name,
	    h->reply_to) : NULL, writer_address(NULL, h->to), NULL, NULL,
	    xstrdup(h->message_id), irt, refs,
	    writer_header_text(h->subject)));
	return f;
}

/*
 * A message with its header block; parts are added into it and it is
 * freed whole, so no part can be lost on an error path.
 */
struct writer *
writer_new(const struct writer_head *h)
{
	struct writer *w = xcalloc(1, sizeof *w);

	w->msg = writer_nn(mailmime_new_message_data(NULL));
	w->head = writer_head(h);
	mailmime_set_imf_fields(w->msg, w->head);
	return w;
}

void
writer_free(struct writer **wp)
{
	struct writer *w = *wp;
	size_t i;

	if (w == NULL)
		return;
	/* libetpan frees the tree; the bodies it pointed at are ours. */
	mailmime_free(w->msg);
	for (i = 0; i < w->nbodies; i++)
		free(w->bodies[i]);
	free(w->bodies);
	free(w);
	*wp = NULL;
}

/* A header field of our own, ASCII, folded by libetpan at its spaces. */
void
writer_field(struct writer *w, const char *name, const char *value)
{
	writer_ok(mailimf_fields_add(w->head, writer_nn(
	    mailimf_field_new_custom(xstrdup(name), xstrdup(value)))));
}

/* Set a Content-Type parameter, replacing one libetpan may have made. */
void
writer_param(struct mailmime *m, const char *name, const char *value)
{
	struct mailmime_content *ct = m->mm_content_type;
	clistiter *it;

	if (ct->ct_parameters == NULL)
		ct->ct_parameters = writer_nn(clist_new());
	for (it = clist_begin(ct->ct_parameters); it != NULL;
	    it = clist_next(it)) {
		struct mailmime_parameter *p = clist_content(it);
		if (strcasecmp(p->pa_name, name) == 0) {
			free(p->pa_value);
			p->pa_value = xstrdup(value);
			return;
		}
	}
	writer_ok(clist_append(ct->ct_parameters, writer_nn(
	    mailmime_param_new_with_data((char *)name, (char *)value))));
}

/* A multipart's boundary, to find its parts in what was written. */
const char *
writer_boundary_of(const struct mailmime *m)
{
	clistiter *it;

	if (m->mm_content_type->ct_parameters == NULL)
		return NULL;
	for (it = clist_begin(m->mm_content_type->ct_parameters); it != NULL;
	    it = clist_next(it)) {
		struct mailmime_parameter *p = clist_content(it);
		if (strcasecmp(p->pa_name, "boundary") == 0)
			return p->pa_value;
	}
	return NULL;
}

static void
writer_attach(struct writer *w, struct mailmime *parent, struct mailmime *m)
{
	writer_ok(mailmime_smart_add_part(parent != NULL ? parent : w->msg, m));
}

/*
 * A single part whose body is encoded already (encoded = 1: libetpan
 * writes it as given, only making line ends CRLF), kept by the writer.
 */
static struct mailmime *
writer_single(struct writer *w, struct mailmime *parent, const char *type,
    struct mailmime_fields *fields, int encoding, char *body, size_t len)
{
	struct mailmime_content *ct;
	struct mailmime *m;

	w->bodies = xreallocarray(w->bodies, w->nbodies + 1,
	    sizeof *w->bodies);
	w->bodies[w->nbodies++] = body;
	ct = writer_nn(mailmime_content_new_with_str(type));
	m = writer_nn(mailmime_new_empty(ct, fields));
	m->mm_data.mm_single = writer_nn(mailmime_data_new(MAILMIME_DATA_TEXT,
	    encoding, 1, body, len, NULL));
	writer_attach(w, parent, m);
	return m;
}

/* Our own boundary, not libetpan's: a signed entity is written twice and
 * must come out the same both times. */
struct mailmime *
writer_multipart(struct writer *w, struct mailmime *parent, const char *type)
{
	struct mailmime *m = writer_nn(mailmime_multiple_new(type));
	char *boundary = writer_boundary();

	writer_param(m, "boundary", boundary);
	free(boundary);
	writer_attach(w, parent, m);
	return m;
}

/* UTF-8 text with LF line ends: 7bit when it can go so, else readable QP. */
struct mailmime *
writer_text(struct writer *w, struct mailmime *parent, const char *text)
{
	struct mailmime *m;
	char *body;
	size_t len;
	int enc;

	if (writer_needs_qp(text)) {
		body = writer_qp(text, &len);
		enc = MAILMIME_MECHANISM_QUOTED_PRINTABLE;
	} else {
		body = writer_crlf(text, strlen(text), &len);
		enc = MAILMIME_MECHANISM_7BIT;
	}
	m = writer_single(w, parent, "text/plain", writer_nn(
	    mailmime_fields_new_encoding(enc)), enc, body, len);
	writer_param(m, "charset", "utf-8");
	return m;
}

/* Bytes as base64 lines of B64_LINE characters, each ended by CRLF. */
static char *
writer_base64_body(const char *data, size_t len, size_t *outlen)
{
	char *b64 = base64_encode(data, len);
	size_t i, n = strlen(b64);
	struct buf b;

	buf_init(&b);
	for (i = 0; i < n; i += B64_LINE) {
		buf_add(&b, b64 + i, n - i < B64_LINE ? n - i : B64_LINE);
		buf_adds(&b, "\r\n");
	}
	free(b64);
	*outlen = b.len;
	return buf_take(&b);
}

/*
 * Any other part: ASCII lines (an armored key, a signature) go 7bit,
 * anything else base64; a file name makes it an attachment.
 */
struct mailmime *
writer_leaf(struct writer *w, struct mailmime *parent,
    const struct writer_leaf *l)
{
	struct mailmime_fields *mf;
	struct mailmime *m;
	char *body;
	size_t len;
	int enc;

	if (l->base64) {
		body = writer_base64_body(l->data, l->len, &len);
		enc = MAILMIME_MECHANISM_BASE64;
	} else {
		body = writer_crlf(l->data, l->len, &len);
		enc = MAILMIME_MECHANISM_7BIT;
	}
	if (l->filename != NULL)
		mf = writer_nn(mailmime_fields_new_filename(
		    MAILMIME_DISPOSITION_TYPE_ATTACHMENT, xstrdup(l->filename),
		    enc));
	else
		mf = writer_nn(mailmime_fields_new_encoding(enc));
	if (l->description != NULL)
		writer_ok(mailmime_fields_add(mf, writer_nn(mailmime_field_new(
		    MAILMIME_FIELD_DESCRIPTION, NULL, NULL, NULL,
		    xstrdup(l->description), 0, NULL, NULL, NULL))));
	m = writer_single(w, parent, l->type, mf, enc, body, len);
	if (l->name != NULL)
		writer_param(m, "name", l->name);
	return m;
}

/*
 * The bytes of the whole message (part NULL) or of one part; a part with
 * a parent comes with its own header lines, as RFC 3156 signs it.
 */
int
writer_write(struct writer *w, struct mailmime *part, char **out,
    size_t *len, char **errstr)
{
	MMAPString *s = writer_nn(mmap_string_new(""));
	int col = 0, r;

	*out = NULL;
	*len = 0;
	if ((r = mailmime_write_mem(s, &col, part != NULL ? part :
	    w->msg)) != MAILIMF_NO_ERROR) {
		mmap_string_free(s);
		return errorf(errstr, EX_SOFTWARE, "libetpan could not write "
		    "a message (error %d)", r);
	}
	*out = xmalloc(s->len + 1);
	memcpy(*out, s->str, s->len);
	(*out)[s->len] = '\0';
	*len = s->len;
	mmap_string_free(s);
	return 0;
}
