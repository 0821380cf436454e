/* width.c: how wide a UTF-8 string is on a terminal, and a copy padded or
 * cut to a number of columns, so tables line up with 'ü' and '東京'. */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "util/util.h"

/*
 * One character of s: its code point and length in bytes.  A byte that
 * does not start a well-formed sequence counts as one character of its
 * own (str_safe has made controls harmless before we are called).
 */
static size_t
utf8_next(const unsigned char *s, unsigned int *cp)
{
	size_t n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	n = s[0] >= 0xf0 && s[0] < 0xf8 ? 4 : s[0] >= 0xe0 ? 3 :
	    s[0] >= 0xc0 ? 2 : 0;
	*cp = n == 4 ? s[0] & 0x07 : n == 3 ? s[0] & 0x0f : s[0] & 0x1f;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			break;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if (n == 0 || i < n) {
		*cp = 0xfffd;
		return 1;
	}
	return n;
}

/*
 * The columns one code point takes.  wcwidth() follows LC_CTYPE, and a
 * terminal shows our UTF-8 whatever LANG says, so the widths are asked
 * of C.UTF-8 whatever the user's locale is.
 */
static int
cp_width(unsigned int cp)
{
	static locale_t utf8;
	static int tried;
	locale_t old;
	int w;

	if (cp < 0x80)
		return 1;
	if (!tried) {
		tried = 1;
		utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	if (utf8 == (locale_t)0)
		return 1;
	old = uselocale(utf8);
	w = wcwidth((wchar_t)cp);
	uselocale(old);
	return w < 0 ? 1 : w;
}

size_t
str_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned int cp;
	size_t w = 0;

	while (*p != '\0') {
		p += utf8_next(p, &cp);
		w += (size_t)cp_width(cp);
	}
	return w;
}

char *
str_fit(const char *s, size_t cols, bool cut)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf b;
	unsigned int cp;
	size_t w = 0, n;
	int cw;

	buf_init(&b);
	while (*p != '\0') {
		n = utf8_next(p, &cp);
		cw = cp_width(cp);
		if (cut && w + (size_t)cw > cols)
			break;
		buf_add(&b, p, n);
		w += (size_t)cw;
		p += n;
	}
	for (; w < cols; w++)
		buf_addc(&b, ' ');
	return buf_take(&b);
}
