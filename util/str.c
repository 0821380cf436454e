/* str.c: the few string helpers C lacks, all ASCII-minded: keys, addresses
 * and header words are ASCII, values are carried as bytes. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

bool
str_ieq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

bool
str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

char *
str_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

char *
str_lower(char *s)
{
	char *p;

	for (p = s; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

bool
str_has_ctl(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return true;
	}
	return false;
}

/*
 * A copy safe to write to a terminal: C0 controls, DEL and the C1 range
 * (as UTF-8, U+0080 to U+009F) become '?', so no escape sequence from mail
 * or the database reaches the screen.
 */
char *
str_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf b;

	buf_init(&b);
	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			buf_addc(&b, '?');
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			buf_addc(&b, '?');
			p++;
		} else
			buf_addc(&b, (char)*p);
	}
	return buf_take(&b);
}

int
str_split(const char *s, char sep, char ***vp, size_t *np)
{
	const char *p, *q;
	char **v = NULL;
	size_t n = 0;

	for (p = s; *p != '\0'; p = *q ? q + 1 : q) {
		if ((q = strchr(p, sep)) == NULL)
			q = p + strlen(p);
		char *part = xstrndup(p, (size_t)(q - p)), *t = str_trim(part);

		if (*t != '\0') {
			v = xreallocarray(v, n + 1, sizeof *v);
			v[n++] = xstrdup(t);
		}
		free(part);
	}
	*vp = v;
	*np = n;
	return 0;
}

/*
 * Mail and the files we are handed end lines in LF or in CR LF, and every
 * reader of lines wants them without either.  The line at p runs to the
 * next LF or to end; *len is its length without that LF and a CR before
 * it (a CR at end without an LF is dropped too, as a cut-off CR LF).  The
 * return is where the next line starts: end after the last line, so
 *
 *	for (p = text; p < end; p = next) {
 *		next = line_next(p, end, &len);
 *		... the line is p, len bytes ...
 *	}
 *
 * visits every line.  A text that ends in LF has no empty line after it
 * in that loop; a caller that wants one (a line count of 1 + the LFs)
 * goes on while the line it read ended in LF: next > p && next[-1] == '\n'.
 * At p == end the line is empty and the return is end.
 */
const char *
line_next(const char *p, const char *end, size_t *len)
{
	const char *nl;

	*len = 0;
	if (p >= end)
		return end;
	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
		nl = end;
	*len = (size_t)(nl - p);
	if (*len > 0 && p[*len - 1] == '\r')
		(*len)--;
	return nl < end ? nl + 1 : end;
}

/* One code point as UTF-8; returns how many bytes it took. */
size_t
str_utf8_encode(unsigned int c, char out[4])
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/*
 * Well-formed UTF-8 as RFC 3629 has it: no overlong forms (E0 80 AF is
 * not '/'), no UTF-16 surrogates, nothing past U+10FFFF.
 */
bool
utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + len;
	unsigned char lo, hi;
	int n;

	while (p < e) {
		if (*p < 0x80) {
			if (*p == 0)
				return false;
			p++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 1;
		else if (*p >= 0xe0 && *p <= 0xef) {
			n = 2;
			if (*p == 0xe0)
				lo = 0xa0;
			else if (*p == 0xed)
				hi = 0x9f;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			n = 3;
			if (*p == 0xf0)
				lo = 0x90;
			else if (*p == 0xf4)
				hi = 0x8f;
		} else
			return false;
		if (e - p <= n || p[1] < lo || p[1] > hi)
			return false;
		for (p += 2, n--; n > 0; n--, p++) {
			if ((*p & 0xc0) != 0x80)
				return false;
		}
	}
	return true;
}
