/* test_writer.c: the one MIME writer (mailer/send/writer*.c): the prose
 * wrapper, quoted-printable and CRLF bodies, RFC 2047 header words, parts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/util.h"
#include "mailer/send/private.h"

/* Every line of s, split at LF; the caller frees the vector. */
static size_t
lines(const char *s, char ***v)
{
	size_t n = 0;
	const char *p = s, *e;

	*v = NULL;
	while (*p != '\0') {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		*v = xreallocarray(*v, n + 1, sizeof **v);
		(*v)[n++] = xstrndup(p, (size_t)(e - p));
		p = *e == '\n' ? e + 1 : e;
	}
	return n;
}

static char *
wrapped(const char *text, const char *indent)
{
	struct buf b;

	buf_init(&b);
	writer_wrap(&b, text, indent);
	return buf_take(&b);
}

static void
test_wrap_short_words(void **state)
{
	char *s = wrapped("one two  three", "");

	assert_string_equal(s, "one two three\n");
	free(s);
}

/* Width counts characters, not bytes: 36 two-byte words of "é" fit. */
static void
test_wrap_counts_characters(void **state)
{
	struct buf in;
	char **v, *s;
	size_t i, n;

	buf_init(&in);
	for (i = 0; i < 36; i++)
		buf_adds(&in, i ? " \xc3\xa9" : "\xc3\xa9");
	s = wrapped(in.data, "");
	n = lines(s, &v);
	assert_int_equal(n, 1);
	strv_free(&v, n);
	free(s);
	buf_free(&in);
}

/* A word longer than a line is never cut: it stands on a line of its own. */
static void
test_wrap_long_word(void **state)
{
	struct buf in, want;
	char **v, *s, *url;
	size_t i, n;

	buf_init(&want);
	buf_adds(&want, "https://example.com/");
	for (i = 0; i < 100; i++)
		buf_addc(&want, 'a' + i % 26);
	url = buf_take(&want);
	buf_init(&in);
	buf_printf(&in, "See %s and tell me", url);
	s = wrapped(in.data, "    ");
	n = lines(s, &v);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "    See");
	assert_int_equal(strncmp(v[1], "    ", 4), 0);
	assert_string_equal(v[1] + 4, url);
	assert_string_equal(v[2], "    and tell me");
	strv_free(&v, n);
	free(s);
	free(url);
	buf_free(&in);
}

/* Lines fill up to WRITER_WIDTH and no further. */
static void
test_wrap_width(void **state)
{
	char **v, *s;
	size_t i, n;

	s = wrapped("Reply to this email and write each value after the "
	    "colon of its line in the form below. Keep the names left of the "
	    "colons as they are. Answer what you know and leave the rest "
	    "empty; a partial answer is welcome.", "");
	n = lines(s, &v);
	assert_true(n >= 3);
	for (i = 0; i < n; i++) {
		assert_true(strlen(v[i]) <= WRITER_WIDTH);
		if (i + 1 < n)	/* the next word would not have fitted */
			assert_true(strlen(v[i]) + 1 + strcspn(v[i + 1], " ") >
			    WRITER_WIDTH);
	}
	strv_free(&v, n);
	free(s);
}

static void
test_para(void **state)
{
	struct buf b;

	buf_init(&b);
	writer_para(&b, "Setup link %d is now used up.", 7);
	assert_string_equal(b.data, "Setup link 7 is now used up.\n");
	buf_free(&b);
}

static void
test_crlf(void **state)
{
	size_t len;
	char *s = writer_crlf("a\nb\r\nc\n", 7, &len);

	assert_string_equal(s, "a\r\nb\r\nc\r\n");
	assert_int_equal(len, 9);
	free(s);
}

static void
test_needs_qp(void **state)
{
	assert_false(writer_needs_qp("plain text\nand more\n"));
	assert_true(writer_needs_qp("trailing space \n"));
	assert_true(writer_needs_qp("From here\n"));
	assert_true(writer_needs_qp(".\n"));
	assert_true(writer_needs_qp("Z\xc3\xbcrich\n"));
}

/* A leading "From " and trailing white space are encoded, nothing else. */
static void
test_qp_from_and_trailing_space(void **state)
{
	size_t len;
	char *s = writer_qp("From here, a line \nsecond\tline\t\n.\n", &len);

	assert_string_equal(s, "=46rom here, a line=20\r\nsecond\tline=09\r\n"
	    "=2E\r\n");
	assert_int_equal(len, strlen(s));
	free(s);
}

static void
test_qp_utf8_and_equals(void **state)
{
	size_t len;
	char *s = writer_qp("Z\xc3\xbcrich a=b\n", &len);

	assert_string_equal(s, "Z=C3=BCrich a=3Db\r\n");
	free(s);
}

/* A long line gets soft breaks and no output line passes 76 characters. */
static void
test_qp_soft_breaks(void **state)
{
	struct buf in;
	char **v, *s, *t;
	size_t i, n, len;

	buf_init(&in);
	for (i = 0; i < 200; i++)
		buf_addc(&in, 'x');
	buf_addc(&in, '\n');
	s = writer_qp(in.data, &len);
	t = xstrdup(s);
	for (i = 0; t[i] != '\0'; i++)
		if (t[i] == '\r')
			t[i] = ' ';	/* lines() splits at LF */
	n = lines(t, &v);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++)
		assert_true(strlen(v[i]) - 1 <= 76);
	assert_true(v[0][strlen(v[0]) - 2] == '=');
	strv_free(&v, n);
	free(t);
	free(s);
	buf_free(&in);
}

static void
test_header_ascii_stays(void **state)
{
	char *s = writer_header_text("Received: MySQL setup for \"Plain\"");

	assert_string_equal(s, "Received: MySQL setup for \"Plain\"");
	free(s);
	/* "=?" would read as an encoded word: it is encoded itself. */
	s = writer_header_text("the subject line =? looks odd");
	assert_string_equal(s, "=?utf-8?q?the_subject_line_=3D=3F_looks_odd?=");
	free(s);
}

/* Non-ASCII: UTF-8 encoded words of at most 75 characters, cut at spaces. */
static void
test_header_rfc2047(void **state)
{
	char *s = writer_header_text("Soci\xc3\xa9t\xc3\xa9 Donn\xc3\xa9""es "
	    "asks for PostgreSQL settings: Base \xc2\xab prod \xc2\xbb "
	    "Z\xc3\xbcrich");
	char *w, *save = NULL;

	assert_string_equal(s, "=?utf-8?q?Soci=C3=A9t=C3=A9_Donn=C3=A9es_asks"
	    "_for_?= =?utf-8?q?PostgreSQL_settings=3A_Base_=C2=AB_prod_=C2=BB_"
	    "Z=C3=BCrich?=");
	for (w = strtok_r(s, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save))
		assert_true(strlen(w) <= 75);
	free(s);
}

/* B where it is shorter than Q. */
static void
test_header_base64_word(void **state)
{
	char *s = writer_header_text("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");

	assert_string_equal(s, "=?utf-8?b?w6nDqcOpw6k=?=");
	free(s);
}

/* A display name: plain words stay plain, the others go as encoded words. */
static void
test_phrase(void **state)
{
	char *s = writer_phrase("Ann Admin");

	assert_string_equal(s, "Ann Admin");
	free(s);
	s = writer_phrase("Zo\xc3\xab \xc3\x85ngstr\xc3\xb6m via Acme");
	assert_string_equal(s, "=?utf-8?b?Wm/DqyDDhW5nc3Ryw7Zt?= via Acme");
	free(s);
}

static struct writer *
test_message(void)
{
	struct writer_head h;

	memset(&h, 0, sizeof h);
	h.date = 1790000000;
	h.from = "setup@acme.example";
	h.reply_to_name = "Zo\xc3\xab";
	h.reply_to = "zoe@acme.example";
	h.to = "bob@client.example";
	h.message_id = "m1@acme.example";
	h.in_reply_to = "r1@client.example";
	h.subject = "Received: Z\xc3\xbcrich";
	return writer_new(&h);
}

/* Every line of the message ends in CRLF; no bare LF, no 8-bit byte. */
static void
test_message_crlf(void **state)
{
	struct writer *w = test_message();
	char *out, *p;
	size_t len, i;

	writer_field(w, "X-Setuplink", "receipt");
	writer_text(w, NULL, "Gr\xc3\xbc""ezi,\nFrom here on\n");
	assert_int_equal(writer_write(w, NULL, &out, &len, NULL), 0);
	for (i = 0; i < len; i++) {
		assert_true((unsigned char)out[i] < 0x80);
		if (out[i] == '\n')
			assert_true(i > 0 && out[i - 1] == '\r');
	}
	assert_true(len >= 2 && memcmp(out + len - 2, "\r\n", 2) == 0);
	assert_non_null(strstr(out, "\r\nReply-To: =?utf-8?q?Zo=C3=AB?= "
	    "<zoe@acme.example>\r\n"));
	assert_non_null(strstr(out, "\r\nIn-Reply-To: <r1@client.example>\r\n"
	    "References: <r1@client.example>\r\n"));
	assert_non_null(strstr(out, "Subject: =?utf-8?q?Received=3A_Z=C3=BC"
	    "rich?=\r\n"));
	assert_non_null(strstr(out, "X-Setuplink: receipt\r\n"));
	assert_non_null(strstr(out, "Content-Transfer-Encoding: "
	    "quoted-printable\r\n"));
	assert_non_null(p = strstr(out, "\r\n\r\nGr=C3=BCezi,\r\n=46rom here "
	    "on\r\n"));
	free(out);
	writer_free(&w);
	assert_null(w);
}

/* Bytes go base64 in lines of 76; ASCII lines 7bit; a multipart holds both. */
static void
test_message_parts(void **state)
{
	struct writer *w = test_message();
	struct writer_leaf l;
	struct mailmime *mixed;
	char bin[100], *out, *want;
	const char *b;
	size_t len, i;

	for (i = 0; i < sizeof bin; i++)
		bin[i] = (char)(i * 7);
	mixed = writer_multipart(w, NULL, "multipart/mixed");
	b = writer_boundary_of(mixed);
	assert_non_null(b);
	assert_int_equal(strncmp(b, "=-sl-", 5), 0);
	writer_text(w, mixed, "plain\n");
	memset(&l, 0, sizeof l);
	l.type = "application/octet-stream";
	l.filename = "data.bin";
	l.data = bin;
	l.len = sizeof bin;
	l.base64 = true;
	writer_leaf(w, mixed, &l);
	assert_int_equal(writer_write(w, NULL, &out, &len, NULL), 0);
	assert_non_null(strstr(out, "Content-Transfer-Encoding: 7bit\r\n"));
	assert_non_null(strstr(out, "Content-Transfer-Encoding: base64\r\n"));
	assert_non_null(strstr(out, "filename=\"data.bin\""));
	want = xprintf("\r\n--%s--", b);
	assert_non_null(strstr(out, want));
	free(want);
	/* 100 bytes: 136 base64 characters, as 76 and 60. */
	assert_non_null(strstr(out, "\r\n\r\nAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qh"));
	free(out);
	writer_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrap_short_words),
		cmocka_unit_test(test_wrap_counts_characters),
		cmocka_unit_test(test_wrap_long_word),
		cmocka_unit_test(test_wrap_width),
		cmocka_unit_test(test_para),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_needs_qp),
		cmocka_unit_test(test_qp_from_and_trailing_space),
		cmocka_unit_test(test_qp_utf8_and_equals),
		cmocka_unit_test(test_qp_soft_breaks),
		cmocka_unit_test(test_header_ascii_stays),
		cmocka_unit_test(test_header_rfc2047),
		cmocka_unit_test(test_header_base64_word),
		cmocka_unit_test(test_phrase),
		cmocka_unit_test(test_message_crlf),
		cmocka_unit_test(test_message_parts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
