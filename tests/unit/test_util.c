/* test_util.c: util/'s small helpers on their own, starting with
 * line_next(), the one reader of LF and CR LF lines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>

#include "util/util.h"

/* The lines of s as line_next() gives them, joined by '|'. */
static char *
lines(const char *s, size_t slen)
{
	const char *p, *next, *end = s + slen;
	struct buf b;
	size_t len;

	buf_init(&b);
	buf_add(&b, "", 0);
	for (p = s; p < end; p = next) {
		next = line_next(p, end, &len);
		assert_true(next > p && next <= end);
		if (p != s)
			buf_addc(&b, '|');
		buf_add(&b, p, len);
	}
	return buf_take(&b);
}

static void
check(const char *s, const char *want)
{
	char *got = lines(s, strlen(s));

	assert_string_equal(got, want);
	free(got);
}

static void
test_line_ends(void **state)
{
	check("a\nbc\n", "a|bc");
	check("a\r\nbc\r\n", "a|bc");
	check("a\r\nb\nc", "a|b|c");	/* mixed, the last without LF */
	check("x\r", "x");		/* a CR LF cut short */
	check("a\rb\n", "a\rb");	/* a CR inside a line is the line's */
	check("a\r\r\n", "a\r");	/* one CR goes with the LF, no more */
	check("\n\r\n\n", "||");	/* empty lines are lines */
	check("", "");
}

static void
test_line_next_edges(void **state)
{
	const char *s = "ab\r\ncd", *end = s + strlen(s), *next;
	size_t len = 99;

	next = line_next(s, end, &len);
	assert_int_equal(len, 2);
	assert_ptr_equal(next, s + 4);
	next = line_next(next, end, &len);
	assert_int_equal(len, 2);
	assert_ptr_equal(next, end);
	len = 99;
	assert_ptr_equal(line_next(end, end, &len), end);
	assert_int_equal(len, 0);
	len = 99;
	assert_null(line_next(NULL, NULL, &len));
	assert_int_equal(len, 0);
	/* A length, not a NUL, ends the text. */
	assert_ptr_equal(line_next("a\0b\nc", (const char *)"a\0b\nc" + 5,
	    &len), (const char *)"a\0b\nc" + 4);
	assert_int_equal(len, 3);
}

/* The loop that also visits the empty line after a final LF, as a count
 * of 1 + the LFs has it (the reply form, the TUI's text). */
static void
test_line_trailing_empty(void **state)
{
	static const struct {
		const char	*s;
		size_t		 n;
	} cases[] = {
		{ "", 1 }, { "a", 1 }, { "a\n", 2 }, { "a\r\n", 2 },
		{ "a\nb", 2 }, { "\n\n", 3 }, { "a\r", 1 },
	};
	const char *p, *next, *end;
	size_t i, n, len;

	for (i = 0; i < nitems(cases); i++) {
		end = cases[i].s + strlen(cases[i].s);
		for (p = cases[i].s, n = 1;; p = next, n++) {
			next = line_next(p, end, &len);
			if (next == p || next[-1] != '\n')
				break;
		}
		assert_int_equal(n, cases[i].n);
	}
}

static char *logged;
static enum log_level logged_level;

static void
capture(enum log_level level, const char *msg, void *arg)
{
	free(logged);
	logged = xstrdup(msg);
	logged_level = level;
}

/* log_warn() says what errno says, log_warnx() does not; levels filter. */
static void
test_log_errno(void **state)
{
	log_set(capture, NULL);
	log_set_level(LOGL_INFO);
	errno = ENOENT;
	log_warn("cannot open %s", "x.conf");
	assert_string_equal(logged, "cannot open x.conf: No such file or "
	    "directory");
	assert_int_equal(logged_level, LOGL_WARN);
	errno = ENOENT;
	log_warnx("plain %d", 7);
	assert_string_equal(logged, "plain 7");
	log_info("note");
	assert_string_equal(logged, "note");
	assert_int_equal(logged_level, LOGL_INFO);
	log_debug("hidden");
	assert_string_equal(logged, "note");
	log_set(NULL, NULL);
	freep(&logged);
}

/* A REF's tag: eight base32 characters, fixed for a token, apart for two,
 * and not a piece of the token. */
static void
test_ref_tag(void **state)
{
	const char *tok = "abcdefghijklmnopqrstuvwxyz234567";
	char *a = token_ref_tag(tok), *b = token_ref_tag(tok);
	char *c = token_ref_tag("abcdefghijklmnopqrstuvwxyz234566");

	assert_int_equal(strlen(a), TOKEN_REF_LEN);
	assert_true(token_ref_tag_well_formed(a, strlen(a)));
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_null(strstr(tok, a));
	assert_false(token_ref_tag_well_formed("abcdefg1", 8));
	assert_false(token_ref_tag_well_formed("abcdefg", 7));
	assert_false(token_ref_tag_well_formed("ABCDEFGH", 8));
	free(a);
	free(b);
	free(c);
}

/* Hex digits, two a byte, lowercase: what the log keeps as a message's
 * hash and the store as a token's. */
static void
test_hex(void **state)
{
	static const unsigned char b[] = { 0x00, 0x0f, 0xa5, 0xff, 0x10 };
	char *h = hex_lower(b, sizeof b), *e = hex_lower(b, 0);
	char *d = sha256_hex("abc", 3);

	assert_string_equal(h, "000fa5ff10");
	assert_string_equal(e, "");
	assert_string_equal(d, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	free(h);
	free(e);
	free(d);
}

/* Mail text for a terminal: every escape visible, text and UTF-8 kept. */
static void
test_term_safe(void **state)
{
	static const char in[] = "a\tb\n\033]0;t\007\r\177\302\233x\233"
	    "\342\200\256r\303\251\360\237\230\200\340\200\200";
	char *s = term_safe(in, sizeof in - 1, NULL);

	assert_string_equal(s, "a\tb\n^[]0;t^G^M^?<U+009B>x\\x9b<U+202E>r"
	    "\303\251\360\237\230\200\\xe0\\x80\\x80");
	free(s);
}

/*
 * buf_printf writes in place and grows only when the text does not fit;
 * buf_addc adds in place up to the last byte before the NUL.  Both over
 * every length around the first capacity (64) and its doublings.
 */
static void
test_buf_grow(void **state)
{
	struct buf b;
	char want[1100], *got;
	size_t i, n;

	for (n = 0; n < 300; n++) {
		buf_init(&b);
		for (i = 0; i < n; i++)
			buf_addc(&b, (char)('a' + i % 26));
		buf_printf(&b, "<%d:%s>", (int)n, "x");
		buf_printf(&b, "%s", "");
		for (i = 0; i < n; i++)
			want[i] = (char)('a' + i % 26);
		snprintf(want + n, sizeof want - n, "<%d:x>", (int)n);
		assert_int_equal(b.len, strlen(want));
		assert_true(b.len < b.cap);
		got = buf_take(&b);
		assert_string_equal(got, want);
		free(got);
	}
	buf_init(&b);
	for (i = 0; i < 100; i++)
		buf_printf(&b, "%09zu,", i);
	assert_int_equal(b.len, 1000);
	assert_int_equal(memcmp(b.data + 990, "000000099,", 11), 0);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_log_errno),
		cmocka_unit_test(test_line_next_edges),
		cmocka_unit_test(test_line_trailing_empty),
		cmocka_unit_test(test_ref_tag),
		cmocka_unit_test(test_term_safe),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_buf_grow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
