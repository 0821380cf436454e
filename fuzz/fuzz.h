/* fuzz.h: what the fuzz targets share: quiet logging, NUL-terminated copies
 * of the input, and the contract checks whose failure is a bug even when no
 * sanitizer notices (text that is not UTF-8, a control character let in). */
#ifndef SETUPLINK_FUZZ_H
#define SETUPLINK_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

/*
 * A broken promise: say which and abort, so that libFuzzer (or the replay
 * in make check) records the input as a crash.
 */
#define FUZZ_CHECK(cond, what) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: contract broken: %s (%s)\n",	\
		    __FILE__, __LINE__, (what), #cond);			\
		abort();						\
	}								\
} while (0)

static inline void
fuzz_log_none(enum log_level l, const char *msg, void *arg)
{
	(void)l;
	(void)msg;
	(void)arg;
}

/* Logging off: the targets run millions of times. */
static inline void
fuzz_quiet(void)
{
	log_set(fuzz_log_none, NULL);
}

/* The input as a C string (it stops at the first NUL, as C strings do). */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * The next piece of the input up to sep (not included), as a new C string;
 * NULL when the input is used up.  Lets one input carry several strings.
 */
static inline char *
fuzz_take(const uint8_t **data, size_t *size, char sep)
{
	const uint8_t *p;
	size_t n;
	char *s;

	if (*size == 0)
		return NULL;
	p = memchr(*data, sep, *size);
	n = p != NULL ? (size_t)(p - *data) : *size;
	s = xmalloc(n + 1);
	memcpy(s, *data, n);
	s[n] = '\0';
	*data += n;
	*size -= n;
	if (p != NULL) {
		(*data)++;
		(*size)--;
	}
	return s;
}

/*
 * Well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code
 * points past U+10FFFF), without NUL and, unless ctl, without C0 controls
 * (tab and line ends aside when lines) or DEL.
 */
static inline bool
fuzz_utf8_ok(const char *s, size_t len, bool ctl, bool lines)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + len;

	if (!utf8_valid(s, len))	/* util/str.c: RFC 3629, no NUL */
		return false;
	for (; !ctl && p < e; p++) {
		if ((*p < 0x20 || *p == 0x7f) &&
		    !(lines && (*p == '\n' || *p == '\r' || *p == '\t')))
			return false;
	}
	return true;
}

/* A C string with its length as promised: NUL right at len, none before. */
static inline bool
fuzz_cstr_ok(const char *s, size_t len)
{
	return s != NULL && s[len] == '\0' && strlen(s) == len;
}

#endif
