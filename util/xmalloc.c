/* xmalloc.c: allocation that never returns NULL, and the growable buffer.
 * Running out of memory is the one error setuplink treats as fatal. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "setuplink: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		fatalx("out of memory allocating %zu bytes", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t n)
{
	void *p;

	if ((p = calloc(nmemb == 0 ? 1 : nmemb, n == 0 ? 1 : n)) == NULL)
		fatalx("out of memory allocating %zu x %zu bytes", nmemb, n);
	return p;
}

void *
xreallocarray(void *old, size_t nmemb, size_t n)
{
	void *p;

	if (n != 0 && nmemb > SIZE_MAX / n)
		fatalx("allocation of %zu x %zu bytes overflows", nmemb, n);
	if ((p = realloc(old, nmemb * n == 0 ? 1 : nmemb * n)) == NULL)
		fatalx("out of memory allocating %zu x %zu bytes", nmemb, n);
	return p;
}

char *
xstrdup(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		fatalx("out of memory copying a string");
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;

	if ((p = strndup(s, n)) == NULL)
		fatalx("out of memory copying a string");
	return p;
}

int
xvasprintf(char **ret, const char *fmt, va_list ap)
{
	int n;

	if ((n = vasprintf(ret, fmt, ap)) < 0)
		fatalx("out of memory formatting a string");
	return n;
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = xvasprintf(ret, fmt, ap);
	va_end(ap);
	return n;
}

char *
xprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	return s;
}

void
freep(void *pp)
{
	void **p = pp;

	free(*p);
	*p = NULL;
}

void
strv_free(char ***vp, size_t n)
{
	size_t i;

	if (*vp == NULL)
		return;
	for (i = 0; i < n; i++)
		free((*vp)[i]);
	free(*vp);
	*vp = NULL;
}

void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

/* Room for N more bytes and the NUL after them. */
static void
buf_room(struct buf *b, size_t n)
{
	size_t cap;

	if (b->len + n + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < b->len + n + 1)
		cap *= 2;
	b->data = xreallocarray(b->data, cap, 1);
	b->cap = cap;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_room(b, n);
	if (n != 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Straight into the buffer: a receipt is some thirty of these, and a
 * string of their own for each cost a malloc, a copy and a free. */
void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room = b->cap - b->len;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->data != NULL ? b->data + b->len : NULL, room, fmt,
	    ap);
	va_end(ap);
	if (n < 0)
		fatalx("cannot format a string");
	if ((size_t)n >= room) {
		buf_room(b, (size_t)n);
		va_start(ap, fmt);
		(void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

char *
buf_take(struct buf *b)
{
	char *p;

	if (b->data == NULL)
		buf_add(b, "", 0);
	p = b->data;
	buf_init(b);
	return p;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}
