/* term.c: a stranger's text made harmless for a terminal, kept readable:
 * the one place that decides what of mail may reach the admin's screen. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

/* The length of the well-formed UTF-8 sequence at p, or 0. */
static size_t
term_utf8(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	len = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (n < len)
		return 0;
	c = p[0] & (0xff >> (len + 1));
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 ||
	    c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/*
 * Code points a terminal acts on or that make text lie about itself: C1
 * controls (an 8-bit CSI), and the bidirectional overrides and isolates
 * that show a line in another order than it reads.
 */
static bool
term_unsafe_cp(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f ||
	    c == 0x061c;
}

/*
 * Mail text as a terminal may show it: newlines and tabs stay, other C0
 * controls and DEL read as ^X (ESC as ^[), bytes that are not UTF-8 as
 * \xNN, C1 controls and bidi overrides as <U+NNNN>.  No escape sequence
 * survives, so a message cannot retitle the window, clear the screen,
 * fake text or write the clipboard; every byte is still accounted for.
 */
char *
term_safe(const char *s, size_t n, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf b;
	size_t i, k;
	uint32_t cp;

	buf_init(&b);
	for (i = 0; i < n; i += k) {
		k = 1;
		if (p[i] == '\n' || p[i] == '\t')
			buf_addc(&b, (char)p[i]);
		else if (p[i] < 0x20 || p[i] == 0x7f)
			buf_printf(&b, "^%c", p[i] == 0x7f ? '?' : p[i] + '@');
		else if (p[i] < 0x80)
			buf_addc(&b, (char)p[i]);
		else if ((k = term_utf8(p + i, n - i, &cp)) == 0) {
			buf_printf(&b, "\\x%02x", p[i]);
			k = 1;
		} else if (term_unsafe_cp(cp))
			buf_printf(&b, "<U+%04X>", (unsigned)cp);
		else
			buf_add(&b, s + i, k);
	}
	if (outlen != NULL)
		*outlen = b.len;
	return buf_take(&b);
}

/*
 * Write mail text to f: made harmless when f is a terminal, byte for byte
 * when it is a pipe or a file (a script or `> file` wants the message).
 * Returns 0, or -1 when the write failed.
 */
int
term_write(FILE *f, const char *s, size_t n)
{
	char *safe = NULL;
	size_t len = n;
	int rv = 0;

	if (isatty(fileno(f)))
		s = safe = term_safe(s, n, &len);
	if (fwrite(s, 1, len, f) != len || fflush(f) != 0)
		rv = -1;
	free(safe);
	return rv;
}
