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
