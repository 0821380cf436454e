/* charset.c: the bytes of mail text made UTF-8: body charsets through iconv,
 * RFC 2047 words in headers, RFC 2231 parameters and RFC 3676 flowed text. */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/util.h"
#include "mailer/mime/private.h"

/*
 * RFC 2047 allows 75 characters a word; some mailers write longer ones.
 * Past these bounds text is not decoded, so that a hostile header cannot
 * make the scan for words quadratic.
 */
#define CHARSET_WORD_MAX	512
#define CHARSET_HEADER_MAX	65536	/* header text decoded */
#define CHARSET_PARAM_MAX	1024	/* a parameter's value (a file name) */
#define CHARSET_PIECES		100	/* RFC 2231 continuations */

enum charset_kind { CHARSET_UTF8, CHARSET_ASCII, CHARSET_ICONV };

/*
 * The length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), or 0.  NUL counts as
 * malformed: a value must never be cut short by a C string function.
 */
static size_t
charset_utf8_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (p[0] < 0x80)
		return p[0] == 0 ? 0 : 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		need = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < need || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < need; i++) {
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	}
	return need;
}

/* Append UTF-8 (or plain ASCII), each malformed byte as U+FFFD. */
static void
charset_add_checked(struct buf *b, const char *in, size_t len, bool ascii,
    bool *bad)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, n;

	while (i < len) {
		n = charset_utf8_len(p + i, len - i);
		if (n == 0 || (ascii && p[i] >= 0x80)) {
			buf_adds(b, UTF8_REPLACEMENT);
			*bad = true;
			i++;
			continue;
		}
		buf_add(b, p + i, n);
		i += n;
	}
}

/*
 * What to do with a charset name.  Names are checked before they reach
 * iconv_open(), so "//TRANSLIT" or a path cannot change its behaviour; a
 * name iconv does not know is read as UTF-8, the likeliest truth today.
 */
static enum charset_kind
charset_kind(const char *charset, iconv_t *cd)
{
	static const char *ascii[] = { "us-ascii", "ascii", "ansi_x3.4-1968",
	    "iso646-us", "us" };
	char name[64];
	size_t i, n;

	if (charset == NULL || (n = strlen(charset)) == 0 || n >= sizeof name)
		return CHARSET_UTF8;
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)charset[i]) &&
		    strchr("-_.:+", charset[i]) == NULL)
			return CHARSET_UTF8;
		name[i] = (char)tolower((unsigned char)charset[i]);
	}
	name[n] = '\0';
	if (strcmp(name, "utf-8") == 0 || strcmp(name, "utf8") == 0)
		return CHARSET_UTF8;
	for (i = 0; i < nitems(ascii); i++) {
		if (strcmp(name, ascii[i]) == 0)
			return CHARSET_ASCII;
	}
	if ((*cd = iconv_open("UTF-8", name)) == (iconv_t)-1)
		return CHARSET_UTF8;
	return CHARSET_ICONV;
}

/* Run iconv over the input, one U+FFFD for each byte it will not take. */
static void
charset_iconv(iconv_t cd, struct buf *b, const char *in, size_t len, bool *bad)
{
	char out[4096], *ip = (char *)in, *op;
	size_t il = len, ol, r;

	while (il > 0) {
		op = out;
		ol = sizeof out;
		r = iconv(cd, &ip, &il, &op, &ol);
		charset_add_checked(b, out, (size_t)(op - out), false, bad);
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		/* EILSEQ, or EINVAL for a sequence cut off at the end. */
		buf_adds(b, UTF8_REPLACEMENT);
		*bad = true;
		ip++;
		il--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	op = out;
	ol = sizeof out;
	iconv(cd, NULL, NULL, &op, &ol);
	charset_add_checked(b, out, (size_t)(op - out), false, bad);
}

char *
charset_to_utf8(const char *charset, const char *in, size_t len,
    size_t *outlen, bool *bad)
{
	struct buf b;
	iconv_t cd;
	bool dummy = false;

	if (bad == NULL)
		bad = &dummy;
	*bad = false;
	buf_init(&b);
	buf_add(&b, "", 0);
	switch (charset_kind(charset, &cd)) {
	case CHARSET_UTF8:
		charset_add_checked(&b, in, len, false, bad);
		break;
	case CHARSET_ASCII:
		charset_add_checked(&b, in, len, true, bad);
		break;
	case CHARSET_ICONV:
		charset_iconv(cd, &b, in, len, bad);
		iconv_close(cd);
		break;
	}
	if (outlen != NULL)
		*outlen = b.len;
	return buf_take(&b);
}

static int
charset_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int
charset_b64(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Base64 (RFC 2045, RFC 2047 "B"): other characters are skipped. */
static void
charset_base64(struct buf *b, const char *s, size_t len)
{
	unsigned int acc = 0, bits = 0;
	size_t i;
	int v;

	for (i = 0; i < len && s[i] != '='; i++) {
		if ((v = charset_b64((unsigned char)s[i])) < 0)
			continue;
		acc = (acc << 6 | (unsigned int)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addc(b, (char)((acc >> bits) & 0xff));
		}
	}
}

/*
 * "=XX" escapes (RFC 2045, and RFC 2047 "Q" where "_" is a space) or
 * "%XX" (RFC 2231).
 */
static void
charset_unescape(struct buf *b, const char *s, size_t len, char esc,
    bool underscore)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == esc && i + 2 < len &&
		    (hi = charset_hex((unsigned char)s[i + 1])) >= 0 &&
		    (lo = charset_hex((unsigned char)s[i + 2])) >= 0) {
			buf_addc(b, (char)(hi << 4 | lo));
			i += 2;
		} else if (s[i] == '_' && underscore)
			buf_addc(b, ' ');
		else
			buf_addc(b, s[i]);
	}
}

/*
 * One RFC 2047 word "=?charset[*lang]?B|Q?text?=" at p, decoded into b
 * (NULL: only look); returns its length, or 0 when p does not start a
 * well-formed word.
 */
static size_t
charset_word(struct buf *b, const char *p, const char *end)
{
	const char *cs, *cse, *enc, *text, *te;
	char *charset, *utf8;
	struct buf raw;
	size_t n;
	bool bad;

	if (end - p < 8 || p[0] != '=' || p[1] != '?')
		return 0;
	cs = p + 2;
	for (cse = cs; cse < end && *cse != '?'; cse++) {
		if (isspace((unsigned char)*cse) || cse - cs > 40)
			return 0;
	}
	if (cse == cs || end - cse < 5 || cse[2] != '?')
		return 0;
	enc = cse + 1;
	if (*enc == '\0' || strchr("BbQq", *enc) == NULL)
		return 0;
	text = enc + 2;
	for (te = text; te + 1 < end && !(te[0] == '?' && te[1] == '='); te++) {
		if (isspace((unsigned char)*te) || te - p > CHARSET_WORD_MAX)
			return 0;
	}
	if (te + 1 >= end)
		return 0;
	if (b == NULL)
		return (size_t)(te + 2 - p);
	charset = xstrndup(cs, (size_t)(cse - cs));
	charset[strcspn(charset, "*")] = '\0';	/* RFC 2231 language */
	buf_init(&raw);
	if (*enc == 'B' || *enc == 'b')
		charset_base64(&raw, text, (size_t)(te - text));
	else
		charset_unescape(&raw, text, (size_t)(te - text), '=', true);
	utf8 = charset_to_utf8(charset, raw.data ? raw.data : "", raw.len, &n,
	    &bad);
	buf_add(b, utf8, n);
	free(utf8);
	free(charset);
	buf_free(&raw);
	return (size_t)(te + 2 - p);
}

/*
 * Quoted-printable (RFC 2045): "=XX" escapes, "=" at the end of a line
 * joins it to the next, white space at the end of a line is transport
 * padding.  Line ends are kept as they came.
 */
static void
charset_qp(struct buf *b, const char *s, size_t len)
{
	const char *p = s, *end = s + len, *next, *eol;
	size_t n, c;

	for (; p < end; p = next) {
		next = line_next(p, end, &n);
		eol = p + n;
		for (c = n; c > 0 && (p[c - 1] == ' ' || p[c - 1] == '\t'); c--)
			;
		if (c > 0 && p[c - 1] == '=')
			charset_unescape(b, p, c - 1, '=', false);
		else {
			charset_unescape(b, p, c, '=', false);
			buf_add(b, eol, (size_t)(next - eol));
		}
	}
}

char *
charset_untransfer(enum transfer enc, const char *in, size_t len,
    size_t *outlen)
{
	struct buf b;

	buf_init(&b);
	buf_add(&b, "", 0);
	if (enc == TRANSFER_BASE64)
		charset_base64(&b, in, len);
	else if (enc == TRANSFER_QP)
		charset_qp(&b, in, len);
	else
		buf_add(&b, in, len);
	*outlen = b.len;
	return buf_take(&b);
}

/* Controls (a header cannot carry a line break) become spaces; trimmed. */
static char *
charset_clean(struct buf *b)
{
	char *s, *t;
	size_t i;

	s = buf_take(b);
	for (i = 0; s[i] != '\0'; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = ' ';
	}
	t = str_trim(s);
	memmove(s, t, strlen(t) + 1);
	return s;
}

char *
charset_decode_words(const char *s, size_t len)
{
	const char *p = s, *end, *q;
	struct buf b;
	bool prev_word = false, bad;
	size_t n;

	end = s + (len < CHARSET_HEADER_MAX ? len : CHARSET_HEADER_MAX);
	buf_init(&b);
	while (p < end) {
		if ((n = charset_word(&b, p, end)) != 0) {
			prev_word = true;
			p += n;
			continue;
		}
		if (mime_is_space(*p)) {
			for (q = p; q < end && mime_is_space(*q); q++)
				;
			/* Space between two encoded words is not text. */
			if (!prev_word || q == end ||
			    !charset_word(NULL, q, end))
				buf_addc(&b, ' ');
			p = q;
			continue;
		}
		for (q = p + 1; q < end && !mime_is_space(*q); q++) {
			if (q[0] == '=' && q + 1 < end && q[1] == '?')
				break;
		}
		charset_add_checked(&b, p, (size_t)(q - p), false, &bad);
		prev_word = false;
		p = q;
	}
	return charset_clean(&b);
}

/*
 * One RFC 2231 extended value: the first carries "charset'language'",
 * every one is percent-encoded.
 */
static void
charset_param_ext(struct buf *raw, const char *value, bool first,
    char **charset)
{
	const char *q1, *q2;

	if (first && (q1 = strchr(value, '\'')) != NULL &&
	    (q2 = strchr(q1 + 1, '\'')) != NULL) {
		free(*charset);
		*charset = xstrndup(value, (size_t)(q1 - value));
		value = q2 + 1;
	}
	charset_unescape(raw, value, strlen(value), '%', false);
}

/*
 * Which form of parameter name a parameter is: -1 plain "name", -2
 * "name*", or the piece number N of "name*N" / "name*N*" (*ext set for
 * the starred ones); -3 for another parameter.
 */
static int
charset_param_piece(const char *pname, const char *name, bool *ext)
{
	size_t len = strlen(name);
	char *end;
	long n;

	if (pname == NULL || strncasecmp(pname, name, len) != 0)
		return -3;
	pname += len;
	*ext = false;
	if (*pname == '\0')
		return -1;
	if (strcmp(pname, "*") == 0)
		return -2;
	if (pname[0] != '*' || !isdigit((unsigned char)pname[1]))
		return -3;
	n = strtol(pname + 1, &end, 10);
	if ((*ext = *end == '*'))
		end++;
	return *end == '\0' && n < CHARSET_PIECES ? (int)n : -3;
}

/*
 * RFC 2231 first (name*, or the numbered pieces name*0, name*1* ... in
 * order), else the plain parameter, which Outlook and Gmail fill with RFC
 * 2047 words although RFC 2047 says not to.
 */
char *
charset_param(const struct mime_param *v, size_t n, const char *name)
{
	const char *plain = NULL, *star = NULL, *piece[CHARSET_PIECES] = { 0 };
	bool ext[CHARSET_PIECES], e;
	char *charset = NULL, *out;
	struct buf raw, b;
	size_t i, len;
	int k;

	for (i = 0; i < n; i++) {
		if (v[i].value == NULL ||
		    (k = charset_param_piece(v[i].name, name, &e)) == -3)
			continue;
		if (k == -1 && plain == NULL)
			plain = v[i].value;
		else if (k == -2 && star == NULL)
			star = v[i].value;
		else if (k >= 0 && piece[k] == NULL) {
			piece[k] = v[i].value;
			ext[k] = e;
		}
	}
	if (star == NULL && piece[0] == NULL)
		return plain != NULL ? charset_decode_words(plain,
		    strnlen(plain, CHARSET_PARAM_MAX)) : NULL;
	buf_init(&raw);
	buf_add(&raw, "", 0);
	if (star != NULL)
		charset_param_ext(&raw, star, true, &charset);
	for (k = 0; star == NULL && k < CHARSET_PIECES && piece[k] != NULL &&
	    raw.len < CHARSET_PARAM_MAX; k++) {
		if (ext[k])
			charset_param_ext(&raw, piece[k], k == 0, &charset);
		else
			buf_adds(&raw, piece[k]);
	}
	out = charset_to_utf8(charset, raw.data, raw.len < CHARSET_PARAM_MAX ?
	    raw.len : CHARSET_PARAM_MAX, &len, &e);
	buf_free(&raw);
	free(charset);
	buf_init(&b);
	buf_add(&b, out, len);
	free(out);
	return charset_clean(&b);
}

/*
 * RFC 3676: a line that ends in a space (the signature separator "-- "
 * excepted) flows into the next line of the same quote depth; a leading
 * space after the quote marks is stuffing.  The result quotes with ">"
 * marks and one space, as form_read() expects.
 */
char *
charset_unflow(const char *in, size_t len, bool delsp, size_t *outlen)
{
	const char *p = in, *end = in + len, *next, *s;
	struct buf b;
	size_t depth, n, prev_depth = 0;
	bool open = false, flowed;

	buf_init(&b);
	buf_add(&b, "", 0);
	for (; p < end; p = next) {
		next = line_next(p, end, &n);
		for (depth = 0, s = p; s < p + n && *s == '>'; s++)
			depth++;
		if (s < p + n && *s == ' ')
			s++;
		n -= (size_t)(s - p);
		flowed = n > 0 && s[n - 1] == ' ' &&
		    !(n == 3 && memcmp(s, "-- ", 3) == 0);
		if (open && depth != prev_depth)
			buf_addc(&b, '\n');
		if (!open || depth != prev_depth) {
			for (size_t i = 0; i < depth; i++)
				buf_addc(&b, '>');
			if (depth > 0)
				buf_addc(&b, ' ');
		}
		buf_add(&b, s, flowed && delsp ? n - 1 : n);
		if (!flowed)
			buf_addc(&b, '\n');
		open = flowed;
		prev_depth = depth;
	}
	if (open)
		buf_addc(&b, '\n');
	*outlen = b.len;
	return buf_take(&b);
}
