/* compose.c: the setup email: who asks for what until when, the reply form,
 * the workspace key attached, all PGP/MIME-signed (RFC 3156). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "util/util.h"
#include "mailer/send/send.h"

#define TEXT_WIDTH	72	/* prose; the form keeps its own width */
#define QP_WIDTH	75	/* encoded characters before a soft break */
#define EW_PAYLOAD	63	/* 75 characters with "=?utf-8?q?" and "?=" */
#define EW_FIRST	48	/* after "Subject: ", before libetpan folds */
#define KEYDATA_CHUNK	72	/* base64 characters per folded line */

/*
 * libetpan reports a failed allocation as NULL; like xmalloc we do not
 * try to go on without memory.
 */
static void *
compose_nn(void *p)
{
	if (p == NULL)
		fatalx("out of memory composing a message");
	return p;
}

static void
compose_ok(int r)
{
	if (r != MAILIMF_NO_ERROR)
		fatalx("libetpan could not build a message (error %d)", r);
}

char *
reply_address(const struct config *cfg, const char *token)
{
	return xprintf("%s+%s@%s", cfg->intake_local, token,
	    cfg->intake_domain);
}

/*
 * A Message-ID on the intake's domain: the intake recognises replies and
 * bounces by it, and a domain of ours keeps it unique.  Should the kernel
 * refuse random bytes, the time and the process id still make one.
 */
char *
message_id_new(const struct config *cfg)
{
	static unsigned counter;
	uint8_t raw[12];
	char *r, *rnd;

	if (random_bytes(raw, sizeof raw, NULL) != 0)
		return xprintf("%lld.%ld.%u.setuplink@%s",
		    (long long)time_now(), (long)getpid(), counter++,
		    cfg->intake_domain);
	rnd = base32_lower(raw, sizeof raw);
	r = xprintf("%lld.%s.setuplink@%s", (long long)time_now(), rnd,
	    cfg->intake_domain);
	free(rnd);
	return r;
}

/* Columns a UTF-8 string takes, one per character. */
static size_t
compose_width(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* The bytes of at most cols characters of s, not cutting one in two. */
static size_t
compose_cut(const char *s, size_t len, size_t cols)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && n++ == cols)
			return i;
	}
	return len;
}

/*
 * Words of text as lines of at most TEXT_WIDTH characters, each line
 * begun with indent.  A word longer than a line (a long draft name) is
 * cut, so that no line of the email passes 78 characters.  Control
 * characters never reach here (names and notes are refused with them)
 * but would be spaces if they did.
 */
static void
compose_wrap(struct buf *b, const char *text, const char *indent)
{
	const char *p = text, *w;
	size_t ind = strlen(indent), col = 0, n, cols, take;

	for (;;) {
		while (*p != '\0' && ((unsigned char)*p <= ' ' || *p == 0x7f))
			p++;
		if (*p == '\0')
			break;
		for (w = p; (unsigned char)*p > ' ' && *p != 0x7f; p++)
			;
		n = (size_t)(p - w);
		while (n > 0) {
			cols = compose_width(w, n);
			if (col > 0 && col + 1 + cols > TEXT_WIDTH) {
				buf_addc(b, '\n');
				col = 0;
			}
			if (col == 0) {
				buf_adds(b, indent);
				col = ind;
			} else {
				buf_addc(b, ' ');
				col++;
			}
			take = compose_cut(w, n, TEXT_WIDTH - col);
			buf_add(b, w, take);
			col += compose_width(w, take);
			w += take;
			n -= take;
		}
	}
	if (col > 0)
		buf_addc(b, '\n');
}

static void
compose_para(struct buf *b, const char *indent, const char *fmt, ...)
    PRINTFLIKE(3, 4);

static void
compose_para(struct buf *b, const char *indent, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	compose_wrap(b, s, indent);
	buf_addc(b, '\n');
	free(s);
}

/* 40 hex digits as gpg shows them: ten groups of four, two halves. */
static char *
compose_fpr_groups(const char *fpr)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; fpr != NULL && fpr[i] != '\0'; i++) {
		if (i > 0 && i % 4 == 0)
			buf_adds(&b, i == 20 ? "  " : " ");
		buf_addc(&b, fpr[i] >= 'a' && fpr[i] <= 'f' ?
		    (char)(fpr[i] - 32) : fpr[i]);
	}
	return buf_take(&b);
}

static const char *
compose_asker(const struct config *cfg)
{
	return cfg->admin_name != NULL && *cfg->admin_name != '\0' ?
	    cfg->admin_name : cfg->admin_email;
}

char *
compose_subject(const struct setup_mail *sm)
{
	return xprintf("%s asks for %s settings: %s", sm->cfg->workspace,
	    sm->conn->name, sm->draft->name);
}

char *
compose_form(const struct setup_mail *sm)
{
	return form_render(sm->link->id, sm->conn,
	    (const char *const *)sm->link->fields, sm->prefill,
	    sm->link->nfields);
}

/* The name of the attached key file: the workspace in safe characters. */
static char *
compose_key_filename(const struct config *cfg)
{
	struct buf b;
	const char *p;

	buf_init(&b);
	for (p = cfg->workspace; *p != '\0' && b.len < 32; p++) {
		char c = *p >= 'A' && *p <= 'Z' ? (char)(*p + 32) : *p;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			buf_addc(&b, c);
		else if (b.len > 0 && b.data[b.len - 1] != '-')
			buf_addc(&b, '-');
	}
	while (b.len > 0 && b.data[b.len - 1] == '-')
		b.data[--b.len] = '\0';
	buf_adds(&b, b.len > 0 ? "-key.asc" : "workspace-key.asc");
	return buf_take(&b);
}

/* What the intake will accept, said before the form. */
static void
compose_require(struct buf *b, const struct setup_mail *sm)
{
	const struct link *l = sm->link;
	char *sfpr;

	switch (l->require) {
	case REQUIRE_SIGNED:
	case REQUIRE_SIGNED_ENCRYPTED:
		if (l->signer != NULL) {
			sfpr = compose_fpr_groups(l->signer);
			compose_para(b, "", "This request accepts only a reply "
			    "signed with your OpenPGP key, the one with this "
			    "fingerprint:");
			buf_printf(b, "    %s\n\n", sfpr);
			free(sfpr);
		} else
			compose_para(b, "", "This request accepts only a reply "
			    "signed with your OpenPGP key, one that %s has on "
			    "file.", compose_asker(sm->cfg));
		if (l->require == REQUIRE_SIGNED_ENCRYPTED)
			compose_para(b, "", "The reply must also be encrypted "
			    "to the attached key.");
		break;
	case REQUIRE_ENCRYPTED:
		compose_para(b, "", "This request accepts only a reply "
		    "encrypted to the attached key.");
		break;
	default:
		compose_para(b, "", "A plain reply is accepted, but an "
		    "encrypted one keeps your credentials out of every mailbox "
		    "and server it passes.");
		break;
	}
}

/*
 * The text part as the recipient reads it (UTF-8, LF line ends): who asks,
 * for what, until when, how to protect the answer and how to check the
 * key, then the form.  The prose is wrapped here; names that people typed
 * are shown as typed.
 */
char *
compose_text(const struct setup_mail *sm)
{
	const struct config *cfg = sm->cfg;
	const struct link *l = sm->link;
	struct buf b;
	char *until, *fpr, *form, *keyfile;

	buf_init(&b);
	until = time_local(l->expires);
	fpr = compose_fpr_groups(sm->key_fpr);
	keyfile = compose_key_filename(cfg);
	buf_adds(&b, "Hello,\n\n");
	compose_para(&b, "", "%s <%s> asks you, for the workspace \"%s\", for "
	    "the connection settings of a %s data source, the draft \"%s\".",
	    compose_asker(cfg), cfg->admin_email, cfg->workspace,
	    sm->conn->name, sm->draft->name);
	compose_para(&b, "", "This request works until %s. After that, ask "
	    "%s for a new one.", until, compose_asker(cfg));
	if (l->note != NULL && *l->note != '\0') {
		compose_para(&b, "", "%s adds:", compose_asker(cfg));
		compose_wrap(&b, l->note, "    ");
		buf_addc(&b, '\n');
	}
	buf_adds(&b, "How to answer\n-------------\n\n");
	compose_para(&b, "", "Reply to this email and write each value after "
	    "the colon of its line in the form below. Keep the names left of "
	    "the colons as they are. Answer what you know and leave the rest "
	    "empty; a partial answer is welcome.");
	buf_adds(&b, "How to protect your credentials\n"
	    "-------------------------------\n\n");
	compose_para(&b, "", "Encrypt your reply to the attached key (%s). "
	    "Mail programs that know Autocrypt do so by themselves; with "
	    "others, import the key and encrypt to it. Reply from the address "
	    "this email was sent to.", keyfile);
	compose_para(&b, "", "Before you trust that key, check its fingerprint "
	    "with %s by another channel than email (a call, a chat, in "
	    "person):", compose_asker(cfg));
	buf_printf(&b, "    %s\n\n", fpr);
	compose_require(&b, sm);
	form = compose_form(sm);
	buf_adds(&b, form);
	if (b.len > 0 && b.data[b.len - 1] != '\n')
		buf_addc(&b, '\n');
	buf_addc(&b, '\n');
	compose_wrap(&b, "If you did not expect this email, do not answer it, "
	    "and tell the person named above.", "");
	free(form);
	free(keyfile);
	free(fpr);
	free(until);
	return buf_take(&b);
}

/*
 * Does a text part need quoted-printable?  Yes for anything a 7bit
 * transfer would not carry unchanged: 8-bit bytes, long lines, trailing
 * white space (stripped by some relays, which would break the signature)
 * and lines that begin with "From " or "." (RFC 3156 section 3).
 */
bool
compose_needs_qp(const char *s)
{
	const char *line = s, *p;

	for (p = s; ; p++) {
		if (*p == '\n' || *p == '\0') {
			size_t len = (size_t)(p - line);
			if (len > 76 || (len > 0 && (p[-1] == ' ' ||
			    p[-1] == '\t')) || str_has_prefix(line, "From ") ||
			    (len > 0 && *line == '.'))
				return true;
			if (*p == '\0')
				return false;
			line = p + 1;
			continue;
		}
		if ((unsigned char)*p >= 0x7f ||
		    ((unsigned char)*p < ' ' && *p != '\t'))
			return true;
	}
}

/*
 * Quoted-printable (RFC 2045 6.7) that changes only what must change, so
 * that the source stays readable: 8-bit bytes, "=", white space at a line
 * end, a "." or "From " at a line start.  Output lines end in CRLF and
 * stay under 77 characters.
 */
char *
compose_qp(const char *s, size_t *outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b;
	const unsigned char *p = (const unsigned char *)s;
	size_t col = 0;
	char tok[4];
	size_t tl;

	buf_init(&b);
	for (; *p != '\0'; p++) {
		if (*p == '\n') {
			buf_adds(&b, "\r\n");
			col = 0;
			continue;
		}
		bool at_end = p[1] == '\n' || p[1] == '\0';
		bool plain = (*p >= 33 && *p <= 126 && *p != '=') ||
		    ((*p == ' ' || *p == '\t') && !at_end);
		if (col == 0 && (*p == '.' ||
		    strncmp((const char *)p, "From ", 5) == 0))
			plain = false;
		if (plain) {
			tok[0] = (char)*p;
			tl = 1;
		} else {
			tok[0] = '=';
			tok[1] = hex[*p >> 4];
			tok[2] = hex[*p & 15];
			tl = 3;
		}
		/* Room for the soft break's "=" unless the line ends here. */
		if (col + tl > (at_end ? QP_WIDTH + 1 : QP_WIDTH)) {
			buf_adds(&b, "=\r\n");
			col = 0;
			if (*p == '.' || strncmp((const char *)p, "From ",
			    5) == 0) {
				p--;	/* again, now at a line start */
				continue;
			}
		}
		buf_add(&b, tok, tl);
		col += tl;
	}
	*outlen = b.len;
	return buf_take(&b);
}

/* LF or CRLF text with CRLF line ends, as MIME canonical form wants. */
char *
compose_crlf(const char *s, size_t len, size_t *outlen)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < len; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			buf_addc(&b, '\r');
		buf_addc(&b, s[i]);
	}
	*outlen = b.len;
	return buf_take(&b);
}

static bool
compose_q_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("!*+-/", c) != NULL || c == ' ';
}

/* Length of the Q or B payload of n bytes, whichever is shorter. */
static size_t
compose_ew_len(const unsigned char *p, size_t n, bool *use_b)
{
	size_t i, q = 0, b = 4 * ((n + 2) / 3);

	for (i = 0; i < n; i++)
		q += compose_q_safe(p[i]) ? 1 : 3;
	*use_b = b < q;
	return *use_b ? b : q;
}

static void
compose_ew_add(struct buf *out, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, k;
	bool use_b;

	compose_ew_len(p, n, &use_b);
	buf_adds(out, use_b ? "=?utf-8?b?" : "=?utf-8?q?");
	for (i = 0; use_b && i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		size_t m = n - i >= 3 ? 3 : n - i;
		if (m > 1)
			v |= (uint32_t)p[i + 1] << 8;
		if (m > 2)
			v |= p[i + 2];
		for (k = 0; k < 4; k++)
			buf_addc(out, k <= m ? tab[(v >> (18 - 6 * k)) & 63] :
			    '=');
	}
	for (i = 0; !use_b && i < n; i++) {
		if (p[i] == ' ')
			buf_addc(out, '_');
		else if (compose_q_safe(p[i]))
			buf_addc(out, (char)p[i]);
		else {
			buf_addc(out, '=');
			buf_addc(out, hex[p[i] >> 4]);
			buf_addc(out, hex[p[i] & 15]);
		}
	}
	buf_adds(out, "?=");
}

/*
 * Text as RFC 2047 encoded words (UTF-8, Q or B, whichever is shorter),
 * each at most 75 characters, so that libetpan can fold between them;
 * the first may have to share its line with the field's name (first is
 * its payload's limit).
 * A word ends after a space where it can: decoders drop the white space
 * between two encoded words, and some (Python's) keep it, so the space
 * that separates the text's own words travels inside the word before.
 * Control characters were refused long before; here they would be spaces.
 */
static void
compose_ew_words(struct buf *out, const char *s, size_t len, size_t first)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char *c = xmalloc(len + 1);
	size_t start = 0, end, next, cut, i;
	bool use_b;

	for (i = 0; i < len; i++)
		c[i] = p[i] < ' ' || p[i] == 0x7f ? ' ' : p[i];
	while (start < len) {
		end = start;
		cut = 0;
		while (end < len) {
			next = end + 1;
			while (next < len && (c[next] & 0xc0) == 0x80)
				next++;
			if (end > start && compose_ew_len(c + start,
			    next - start, &use_b) > (start == 0 ? first :
			    EW_PAYLOAD))
				break;
			end = next;
			if (c[end - 1] == ' ')
				cut = end;
		}
		if (end < len && cut > start)
			end = cut;
		if (out->len > 0 && out->data[out->len - 1] != ' ')
			buf_addc(out, ' ');
		compose_ew_add(out, c + start, end - start);
		start = end;
	}
	free(c);
}

/*
 * Can header text go as it is?  Printable ASCII, no "=?" that a decoder
 * would take for an encoded word, no word too long to fold (a long draft
 * name without spaces) and, for a word of a phrase, only atext.
 */
static bool
compose_plain_header(const char *s, size_t len, size_t max, bool atext)
{
	size_t i, word = 0;

	if (len > max)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		word = c == ' ' ? 0 : word + 1;
		if (c < ' ' || c >= 0x7f || word > 60 || (c == '=' &&
		    i + 1 < len && s[i + 1] == '?'))
			return false;
		if (atext && !((c >= 'a' && c <= 'z') || (c >= 'A' &&
		    c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL))
			return false;
	}
	return true;
}

/* Unstructured header text (a Subject): plain when it can be. */
static char *
compose_header_text(const char *s)
{
	struct buf b;

	if (compose_plain_header(s, strlen(s), 900, false))
		return xstrdup(s);
	buf_init(&b);
	compose_ew_words(&b, s, strlen(s), EW_FIRST);
	return buf_take(&b);
}

/*
 * A display name.  Short printable ASCII goes as it is (libetpan quotes
 * it when it must).  Otherwise plain words stay plain and each run of
 * words that need encoding becomes encoded words, so that no quoted
 * string holds an encoded word (RFC 2047 forbids it) and as few encoded
 * words as can be stand next to each other.
 */
static char *
compose_phrase(const char *s)
{
	const char *p = s, *w, *run = NULL, *run_end = NULL;
	struct buf b;
	size_t n;

	if (compose_plain_header(s, strlen(s), 60, false))
		return xstrdup(s);
	buf_init(&b);
	for (;;) {
		while (*p == ' ')
			p++;
		for (w = p; *p != '\0' && *p != ' '; p++)
			;
		n = (size_t)(p - w);
		if (n > 0 && !compose_plain_header(w, n, 60, true)) {
			if (run == NULL)
				run = w;
			run_end = p;
			continue;
		}
		if (run != NULL) {
			compose_ew_words(&b, run, (size_t)(run_end - run),
			    b.len == 0 ? EW_FIRST : EW_PAYLOAD);
			run = NULL;
		}
		if (n == 0)
			break;
		if (b.len > 0)
			buf_addc(&b, ' ');
		buf_add(&b, w, n);
	}
	return buf_take(&b);
}

static char *
compose_base64(const char *data, size_t len)
{
	char *b64 = base64_encode(data, len);
	struct buf b;
	size_t i, n = strlen(b64);

	/* Spaces let the header fold; Autocrypt ignores them. */
	buf_init(&b);
	for (i = 0; i < n; i += KEYDATA_CHUNK) {
		if (i > 0)
			buf_addc(&b, ' ');
		buf_add(&b, b64 + i, n - i < KEYDATA_CHUNK ? n - i : KEYDATA_CHUNK);
	}
	free(b64);
	return buf_take(&b);
}

/* Set a Content-Type parameter, replacing one libetpan may have made. */
static void
compose_param(struct mailmime_content *ct, const char *name,
    const char *value)
{
	clistiter *it;

	if (ct->ct_parameters == NULL)
		ct->ct_parameters = compose_nn(clist_new());
	for (it = clist_begin(ct->ct_parameters); it != NULL;
	    it = clist_next(it)) {
		struct mailmime_parameter *p = clist_content(it);
		if (strcasecmp(p->pa_name, name) == 0) {
			free(p->pa_value);
			p->pa_value = xstrdup(value);
			return;
		}
	}
	if (clist_append(ct->ct_parameters, compose_nn(
	    mailmime_param_new_with_data((char *)name, (char *)value))) != 0)
		fatalx("out of memory composing a message");
}

/*
 * A single part whose body we encoded ourselves (encoded = 1: libetpan
 * writes it as given, only making line ends CRLF).  The data stays ours.
 */
static struct mailmime *
compose_single(const char *type, struct mailmime_fields *fields,
    int encoding, const char *data, size_t len)
{
	struct mailmime_content *ct;
	struct mailmime *m;

	ct = compose_nn(mailmime_content_new_with_str(type));
	m = compose_nn(mailmime_new_empty(ct, fields));
	m->mm_data.mm_single = compose_nn(mailmime_data_new(MAILMIME_DATA_TEXT,
	    encoding, 1, data, len, NULL));
	return m;
}

static char *
compose_boundary(void)
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

static int
compose_write(struct mailmime *m, char **out, size_t *len)
{
	MMAPString *s = compose_nn(mmap_string_new(""));
	int col = 0, r;

	if ((r = mailmime_write_mem(s, &col, m)) == MAILIMF_NO_ERROR) {
		*out = xmalloc(s->len + 1);
		memcpy(*out, s->str, s->len);
		(*out)[s->len] = '\0';
		*len = s->len;
	}
	mmap_string_free(s);
	return r;
}

/* The header block: who asks, to whom, what about, and our own marks. */
static struct mailimf_fields *
compose_headers(const struct setup_mail *sm, const char *reply,
    const char *message_id, const char *keydata)
{
	const struct config *cfg = sm->cfg;
	struct mailimf_fields *f = compose_nn(mailimf_fields_new_empty());
	struct mailimf_mailbox_list *from;
	struct mailimf_address_list *rt, *to;
	char *name, *subject, *s;

	s = xprintf("%s via %s (setuplink)", compose_asker(cfg),
	    cfg->workspace);
	name = compose_phrase(s);
	free(s);
	from = compose_nn(mailimf_mailbox_list_new_empty());
	compose_ok(mailimf_mailbox_list_add_mb(from, name,
	    xstrdup(cfg->from_intake ? cfg->intake : reply)));
	rt = compose_nn(mailimf_address_list_new_empty());
	compose_ok(mailimf_address_list_add_mb(rt, NULL, xstrdup(reply)));
	to = compose_nn(mailimf_address_list_new_empty());
	compose_ok(mailimf_address_list_add_mb(to, NULL,
	    xstrdup(sm->link->to)));
	s = compose_subject(sm);
	subject = compose_header_text(s);
	free(s);
	compose_ok(mailimf_fields_add(f, compose_nn(mailimf_field_new_custom(
	    xstrdup("Date"), time_rfc5322(time_now())))));
	compose_ok(mailimf_fields_add_data(f, NULL, from, NULL, rt, to, NULL,
	    NULL, xstrdup(message_id), NULL, NULL, subject));
	compose_ok(mailimf_fields_add(f, compose_nn(mailimf_field_new_custom(
	    xstrdup("X-Setuplink"), xprintf("%lld",
	    (long long)sm->link->id)))));
	if (keydata != NULL)
		compose_ok(mailimf_fields_add(f, compose_nn(
		    mailimf_field_new_custom(xstrdup("Autocrypt"), xprintf(
		    "addr=%s; prefer-encrypt=mutual; keydata= %s", reply,
		    keydata)))));
	return f;
}

/* Is needle, framed by the boundary's delimiter lines, inside hay? */
static bool
compose_framed(const char *hay, size_t hlen, const char *boundary,
    const char *needle, size_t nlen)
{
	char *open = xprintf("--%s\r\n", boundary);
	char *close = xprintf("\r\n--%s\r\n", boundary);
	const char *p = memmem(hay, hlen, open, strlen(open));
	bool ok = false;

	if (p != NULL) {
		p += strlen(open);
		ok = (size_t)(hay + hlen - p) >= nlen + strlen(close) &&
		    memcmp(p, needle, nlen) == 0 &&
		    memcmp(p + nlen, close, strlen(close)) == 0;
	}
	free(open);
	free(close);
	return ok;
}

/*
 * The whole message.  RFC 3156: multipart/signed holds the signed entity
 * (here multipart/mixed: the text and the key) and the detached signature
 * over that entity's exact CRLF bytes, which libetpan writes once for the
 * signature and once more inside the message; fixed boundaries make the
 * two writes equal, and the result is checked before it is handed out.
 */
int
compose_setup(const struct setup_mail *sm, const char *message_id,
    char **msg, size_t *len, char **errstr)
{
	struct mailmime *message = NULL, *sgn, *mixed, *text, *keys, *sig;
	struct mailmime_fields *mf;
	char *reply, *uid = NULL, *plain = NULL, *body = NULL, *armored = NULL;
	char *minimal = NULL, *keydata = NULL, *signed_data = NULL;
	char *signature = NULL, *micalg = NULL, *keyfile = NULL;
	char *b_mixed = NULL, *b_signed = NULL, *karm = NULL;
	size_t blen, alen, mlen, slen, siglen, klen;
	bool qp;
	int rv;

	*msg = NULL;
	*len = 0;
	reply = reply_address(sm->cfg, sm->token);
	uid = xprintf("%s (setuplink) <%s>", sm->cfg->workspace, reply);
	if ((rv = crypto_export_with_uid(sm->crypto, sm->key_fpr, uid,
	    &armored, &alen, &minimal, &mlen, errstr)) != 0)
		goto out;
	if (!sm->cfg->from_intake)
		keydata = compose_base64(minimal, mlen);
	plain = compose_text(sm);
	qp = compose_needs_qp(plain);
	body = qp ? compose_qp(plain, &blen) : compose_crlf(plain,
	    strlen(plain), &blen);
	karm = compose_crlf(armored, alen, &klen);
	keyfile = compose_key_filename(sm->cfg);
	b_mixed = compose_boundary();
	b_signed = compose_boundary();

	text = compose_single("text/plain", compose_nn(
	    mailmime_fields_new_encoding(qp ?
	    MAILMIME_MECHANISM_QUOTED_PRINTABLE : MAILMIME_MECHANISM_7BIT)),
	    qp ? MAILMIME_MECHANISM_QUOTED_PRINTABLE : MAILMIME_MECHANISM_7BIT,
	    body, blen);
	compose_param(text->mm_content_type, "charset", "utf-8");
	mf = compose_nn(mailmime_fields_new_filename(
	    MAILMIME_DISPOSITION_TYPE_ATTACHMENT, xstrdup(keyfile),
	    MAILMIME_MECHANISM_7BIT));
	keys = compose_single("application/pgp-keys", mf,
	    MAILMIME_MECHANISM_7BIT, karm, klen);
	compose_param(keys->mm_content_type, "name", keyfile);

	mixed = compose_nn(mailmime_multiple_new("multipart/mixed"));
	compose_param(mixed->mm_content_type, "boundary", b_mixed);
	compose_ok(mailmime_smart_add_part(mixed, text));
	compose_ok(mailmime_smart_add_part(mixed, keys));
	sgn = compose_nn(mailmime_multiple_new("multipart/signed"));
	message = compose_nn(mailmime_new_message_data(NULL));
	compose_ok(mailmime_smart_add_part(message, sgn));
	compose_ok(mailmime_smart_add_part(sgn, mixed));

	/* With a parent, libetpan writes the part's own header lines too. */
	if (compose_write(mixed, &signed_data, &slen) != MAILIMF_NO_ERROR) {
		rv = errorf(errstr, EX_SOFTWARE, "could not write the setup "
		    "email's signed part");
		goto out;
	}
	if ((rv = crypto_sign_detached(sm->crypto, sm->key_fpr, signed_data,
	    slen, &signature, &siglen, &micalg, errstr)) != 0)
		goto out;
	compose_param(sgn->mm_content_type, "micalg", micalg);
	compose_param(sgn->mm_content_type, "protocol",
	    "application/pgp-signature");
	compose_param(sgn->mm_content_type, "boundary", b_signed);
	mf = compose_nn(mailmime_fields_new_encoding(MAILMIME_MECHANISM_7BIT));
	compose_ok(mailmime_fields_add(mf, compose_nn(mailmime_field_new(
	    MAILMIME_FIELD_DESCRIPTION, NULL, NULL, NULL,
	    xstrdup("OpenPGP digital signature"), 0, NULL, NULL, NULL))));
	sig = compose_single("application/pgp-signature", mf,
	    MAILMIME_MECHANISM_7BIT, signature, siglen);
	compose_param(sig->mm_content_type, "name", "signature.asc");
	compose_ok(mailmime_smart_add_part(sgn, sig));
	mailmime_set_imf_fields(message, compose_headers(sm, reply, message_id,
	    keydata));

	if (compose_write(message, msg, len) != MAILIMF_NO_ERROR) {
		rv = errorf(errstr, EX_SOFTWARE, "could not write the setup "
		    "email");
		goto out;
	}
	if (!compose_framed(*msg, *len, b_signed, signed_data, slen)) {
		freep(msg);
		*len = 0;
		rv = errorf(errstr, EX_SOFTWARE, "the setup email's signed part "
		    "came out different from what was signed");
		goto out;
	}
out:
	/* libetpan frees the structure; the bodies it pointed at are ours. */
	if (message != NULL)
		mailmime_free(message);
	free(reply);
	free(uid);
	free(plain);
	free(body);
	free(armored);
	free(minimal);
	free(keydata);
	free(karm);
	free(signed_data);
	free(signature);
	free(micalg);
	free(keyfile);
	free(b_mixed);
	free(b_signed);
	return rv;
}
