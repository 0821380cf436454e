/* writer-text.c: text as the mail we compose carries it: prose wrapped to
 * a width, bodies in 7bit or readable quoted-printable, RFC 2047 words. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "mailer/send/private.h"

#define QP_WIDTH	75	/* encoded characters before a soft break */
#define EW_PAYLOAD	63	/* 75 characters with "=?utf-8?q?" and "?=" */
#define EW_FIRST	48	/* after "Subject: ", before libetpan folds */
#define PLAIN_WORD	60	/* a longer word cannot fold: encode it */

/* Columns a UTF-8 string takes, one per character. */
static size_t
writer_width(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/*
 * What separates words.  Names and notes with control characters are
 * refused long before, and a detail that held one must not break the
 * layout: any of them is a space here.
 */
static bool
writer_blank(char c)
{
	return (unsigned char)c <= ' ' || c == 0x7f;
}

/*
 * Words of text as lines of at most WRITER_WIDTH columns, each line begun
 * with indent.  A word longer than a line (a long draft name, a URL) is
 * never cut: it overflows on a line of its own, which is what mail
 * readers expect and what keeps a URL or a name whole for copying.  The
 * transfer encoding, not the prose, keeps the lines on the wire short.
 */
void
writer_wrap(struct buf *b, const char *text, const char *indent)
{
	const char *p = text, *w;
	size_t ind = writer_width(indent, strlen(indent)), col = 0, cols;

	for (;;) {
		while (*p != '\0' && writer_blank(*p))
			p++;
		if (*p == '\0')
			break;
		for (w = p; *p != '\0' && !writer_blank(*p); p++)
			;
		cols = writer_width(w, (size_t)(p - w));
		if (col > 0 && col + 1 + cols > WRITER_WIDTH) {
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
		buf_add(b, w, (size_t)(p - w));
		col += cols;
	}
	if (col > 0)
		buf_addc(b, '\n');
}

void
writer_vpara(struct buf *b, const char *fmt, va_list ap)
{
	char *s;

	xvasprintf(&s, fmt, ap);
	writer_wrap(b, s, "");
	free(s);
}

void
writer_para(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	writer_vpara(b, fmt, ap);
	va_end(ap);
}

/*
 * Does a text part need quoted-printable?  Yes for anything a 7bit
 * transfer would not carry unchanged: 8-bit bytes, long lines, trailing
 * white space (stripped by some relays, which would break a signature)
 * and lines that begin with "From " or "." (RFC 3156 section 3).
 */
bool
writer_needs_qp(const char *s)
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

/* Would p, at the start of a line, be taken for an mbox or SMTP mark? */
static bool
writer_qp_risky(const unsigned char *p)
{
	return *p == '.' || strncmp((const char *)p, "From ", 5) == 0;
}

/*
 * Quoted-printable (RFC 2045 6.7) that changes only what must change, so
 * that the source stays readable: 8-bit bytes, "=", white space at a line
 * end, a "." or "From " at a line start.  Output lines end in CRLF and
 * stay under 77 characters.
 */
char *
writer_qp(const char *s, size_t *outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	struct buf b;
	size_t col = 0, tl;
	char tok[4];
	bool at_end, plain;

	buf_init(&b);
	for (; *p != '\0'; p++) {
		if (*p == '\n') {
			buf_adds(&b, "\r\n");
			col = 0;
			continue;
		}
		at_end = p[1] == '\n' || p[1] == '\0';
		plain = (*p >= 33 && *p <= 126 && *p != '=') ||
		    ((*p == ' ' || *p == '\t') && !at_end);
		if (col == 0 && writer_qp_risky(p))
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
			if (writer_qp_risky(p)) {
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
writer_crlf(const char *s, size_t len, size_t *outlen)
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

/* What the "Q" encoding may carry as it is in any header (RFC 2047 5(3)). */
static bool
writer_q_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("!*+-/", c) != NULL || c == ' ';
}

/* Length of the Q or B payload of n bytes, whichever is shorter. */
static size_t
writer_ew_len(const unsigned char *p, size_t n, bool *use_b)
{
	size_t i, q = 0, b = 4 * ((n + 2) / 3);

	for (i = 0; i < n; i++)
		q += writer_q_safe(p[i]) ? 1 : 3;
	*use_b = b < q;
	return *use_b ? b : q;
}

static void
writer_ew_add(struct buf *out, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	char *b64;
	size_t i;
	bool use_b;

	writer_ew_len(p, n, &use_b);
	if (use_b) {
		b64 = base64_encode(p, n);
		buf_printf(out, "=?utf-8?b?%s?=", b64);
		free(b64);
		return;
	}
	buf_adds(out, "=?utf-8?q?");
	for (i = 0; i < n; i++) {
		if (p[i] == ' ')
			buf_addc(out, '_');
		else if (writer_q_safe(p[i]))
			buf_addc(out, (char)p[i]);
		else
			buf_printf(out, "=%c%c", hex[p[i] >> 4], hex[p[i] & 15]);
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
writer_ew_words(struct buf *out, const char *s, size_t len, size_t first)
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
			if (end > start && writer_ew_len(c + start,
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
		writer_ew_add(out, c + start, end - start);
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
writer_plain_header(const char *s, size_t len, size_t max, bool atext)
{
	size_t i, word = 0;

	if (len > max)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		word = c == ' ' ? 0 : word + 1;
		if (c < ' ' || c >= 0x7f || word > PLAIN_WORD || (c == '=' &&
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
char *
writer_header_text(const char *s)
{
	struct buf b;

	if (writer_plain_header(s, strlen(s), 900, false))
		return xstrdup(s);
	buf_init(&b);
	writer_ew_words(&b, s, strlen(s), EW_FIRST);
	return buf_take(&b);
}

/*
 * A display name.  Short printable ASCII goes as it is (libetpan quotes
 * it when it must).  Otherwise plain words stay plain and each run of
 * words that need encoding becomes encoded words, so that no quoted
 * string holds an encoded word (RFC 2047 forbids it) and as few encoded
 * words as can be stand next to each other.
 */
char *
writer_phrase(const char *s)
{
	const char *p = s, *w, *run = NULL, *run_end = NULL;
	struct buf b;
	size_t n;

	if (writer_plain_header(s, strlen(s), PLAIN_WORD, false))
		return xstrdup(s);
	buf_init(&b);
	for (;;) {
		while (*p == ' ')
			p++;
		for (w = p; *p != '\0' && *p != ' '; p++)
			;
		n = (size_t)(p - w);
		if (n > 0 && !writer_plain_header(w, n, PLAIN_WORD, true)) {
			if (run == NULL)
				run = w;
			run_end = p;
			continue;
		}
		if (run != NULL) {
			writer_ew_words(&b, run, (size_t)(run_end - run),
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
