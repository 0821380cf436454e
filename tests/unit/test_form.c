/* test_form.c: the reply form: form_render()'s block and form_read()'s
 * reading of replies as mail programs shape them (SPEC "The reply"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/util.h"
#include "mailer/mailer.h"

static struct field_def fields[] = {
	{ .key = "host", .label = "Host", .type = FT_STRING, .required = true,
	  .help = "Name or address of the database server." },
	{ .key = "port", .label = "Port", .type = FT_INTEGER, .required = true,
	  .help = "TCP port." },
	{ .key = "password", .label = "Password", .type = FT_SECRET,
	  .required = true, .secret = true,
	  .help = "The password of the user." },
	{ .key = "sslrootcert", .label = "Root certificate", .type = FT_FILE,
	  .help = "The certificate authority that signed the server's "
	  "certificate, as a PEM file; attach it to your reply or paste it "
	  "here, whichever your mail program makes easier for you to do." },
	{ .key = "private_key", .label = "Private key", .type = FT_SECRET,
	  .secret = true, .help = "" },
};
static struct connector conn = { .key = "postgres", .name = "PostgreSQL",
	.fields = fields, .nfields = nitems(fields) };
static const char *keys[] = { "host", "port", "password", "sslrootcert",
	"private_key" };
static const char *templates[] = { NULL, "5432", NULL, NULL, NULL };

#define OPEN12 \
    "--- setup form for link 12: keep the names left of the colons ---"

static struct form_result res;

static int
teardown(void **state)
{
	form_result_free(&res);
	return 0;
}

static void
readf(const char *text)
{
	form_result_free(&res);
	assert_int_equal(form_read(text, strlen(text), keys, templates,
	    nitems(keys), &res), 0);
}

static const struct form_value *
get(const char *key)
{
	size_t i;

	for (i = 0; i < res.n; i++) {
		if (strcmp(res.v[i].key, key) == 0)
			return &res.v[i];
	}
	return NULL;
}

static void
assert_value(const char *key, const char *value, bool quoted)
{
	const struct form_value *v = get(key);

	assert_non_null(v);
	assert_string_equal(v->value, value);
	assert_int_equal(v->len, strlen(value));
	assert_int_equal(v->quoted, quoted);
	assert_null(v->unwhole);
}

/* A value that could not be read whole: flagged, whatever it holds. */
static void
assert_unwhole(const char *key, const char *why)
{
	const struct form_value *v = get(key);

	assert_non_null(v);
	assert_non_null(v->unwhole);
	assert_non_null(strstr(v->unwhole, why));
}

/* A form with a file field that takes JSON, and a plain one. */
static const char *jkeys[] = { "credentials_json", "host" };
static const bool jfiles[] = { true, false };

static void
readj(const char *text)
{
	form_result_free(&res);
	assert_int_equal(form_read_fields(text, strlen(text), jkeys, NULL,
	    jfiles, nitems(jkeys), &res), 0);
}

static void
test_render(void **state)
{
	const char *prefill[] = { "db.example", "5432", "hunter2", "x", NULL };
	const char *expect =
	    "--- setup form for link 7: keep the names left of the colons ---\n"
	    "\n"
	    "# Host (required): Name or address of the database server.\n"
	    "host: db.example\n"
	    "\n"
	    "# Port (required): TCP port.\n"
	    "port: 5432\n"
	    "\n"
	    "# Password (required, secret): The password of the user.\n"
	    "password: \n"
	    "\n"
	    "# Root certificate (optional, file): The certificate authority "
	    "that signed\n"
	    "# the server's certificate, as a PEM file; attach it to your "
	    "reply or paste\n"
	    "# it here, whichever your mail program makes easier for you to "
	    "do.\n"
	    "sslrootcert: \n"
	    "\n"
	    "# Private key (optional, secret)\n"
	    "private_key: \n"
	    "\n"
	    "--- end of setup form ---\n";
	char *s, *line, *save;

	s = form_render("7", &conn, keys, prefill, nitems(keys));
	assert_string_equal(s, expect);
	for (line = strtok_r(s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		assert_true(strlen(line) < 78);
	free(s);
}

static void
test_render_wrap(void **state)
{
	struct field_def f = { .key = "k", .label = "K", .type = FT_STRING,
	    .help = "a\tb\nc https://example.com/a/very/long/url/that/does/not/"
	    "fit/on/any/line/of/seventy/eight/characters/at/all/really " };
	struct connector c = { .fields = &f, .nfields = 1 };
	const char *k[] = { "k", "unknown" };
	const char *pre[] = { "line\nbreak", "x" };
	char *s, *line, *save;

	s = form_render("1", &c, k, pre, 2);
	assert_non_null(strstr(s, "# K (optional): a b c\n# https://"));
	assert_non_null(strstr(s, "\nk: \n"));	/* a control: no prefill */
	assert_non_null(strstr(s, "# unknown (optional)\nunknown: x\n"));
	for (line = strtok_r(s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		assert_true(strlen(line) < 78);
		assert_true(line[0] != '#' || line[1] == '\0' ||
		    line[1] == ' ');
	}
	free(s);
}

/* The untouched form, as sent or quoted, provides nothing. */
static void
test_roundtrip(void **state)
{
	const char *prefill[] = { NULL, "5432", NULL, NULL, NULL };
	char *s = form_render("12-abcdefgh", &conn, keys, prefill,
	    nitems(keys));
	struct buf q;
	const char *p;

	readf(s);
	assert_int_equal(res.n, 0);
	assert_int_equal(res.nrefs, 1);
	assert_true(form_has_ref(&res, "12-abcdefgh"));
	assert_false(form_has_ref(&res, "12"));
	assert_false(form_has_ref(&res, "1"));
	buf_init(&q);
	for (p = s; *p != '\0'; p++) {
		if (p == s || p[-1] == '\n')
			buf_adds(&q, "> ");
		buf_addc(&q, *p);
	}
	readf(q.data);
	assert_int_equal(res.n, 0);
	assert_true(form_has_ref(&res, "12-abcdefgh"));
	buf_free(&q);
	free(s);
}

/* Gmail and Apple Mail: the answer on top, the form quoted below. */
static void
test_top_posted(void **state)
{
	readf("host: db.client.example\n"
	    "Password:   s3cret  \n"
	    "\n"
	    "On Tue, Acme Setup <setup+x@acme.example> wrote:\n"
	    "> " OPEN12 "\n"
	    ">\n"
	    "> # Host (required): Name or address of the database server.\n"
	    "> host: quoted.example\n"
	    "> port: 5432\n"
	    "> password:\n"
	    "> --- end of setup form ---\n");
	assert_int_equal(res.n, 2);
	assert_value("host", "db.client.example", false);
	assert_value("password", "s3cret", false);
	assert_true(form_has_ref(&res, "12"));
}

/* Thunderbird and mutt: values typed into the quoted form. */
static void
test_inline_edits(void **state)
{
	readf("> host: tb.example\n"
	    ">port: 6543\n"
	    "> > password: deep\n"
	    ">> sslrootcert: deeper\n"
	    "Subject: prose\n"
	    "> Note: prose too\n");
	assert_int_equal(res.n, 4);
	assert_value("host", "tb.example", true);
	assert_value("port", "6543", true);
	assert_value("password", "deep", true);
	assert_value("sslrootcert", "deeper", true);
}

static void
test_first_unquoted_wins(void **state)
{
	readf("> host: quoted-first\n"
	    "host: unquoted-first\n"
	    "host: unquoted-second\n"
	    "> port: 1\n"
	    "> port: 2\n"
	    "HOST: other-case\n");
	assert_value("host", "unquoted-first", false);
	assert_value("port", "1", true);
	assert_string_equal(get("host")->key, "host");
}

/* Outlook leaves the original unquoted: its template lines count for naught. */
static void
test_templates(void **state)
{
	readf("port: 6000\n"
	    "\n"
	    "From: Acme Setup\n"
	    "port: 5432\n"
	    "host:\n"
	    "password: \t\n");
	assert_int_equal(res.n, 1);
	assert_value("port", "6000", false);
	readf("port:  5432 \n> port: 7000\n");
	assert_value("port", "7000", true);
}

static void
test_comments_and_prose(void **state)
{
	readf("# host: commented\n"
	    ">   # port: 1\n"
	    "hostname: no\n"
	    "host : no\n"
	    "the host: no\n"
	    "  # password: indented comment\n");
	assert_int_equal(res.n, 0);
}

static void
test_continuation(void **state)
{
	readf("host: first\n"
	    "  second  \n"
	    "\tthird\n"
	    "port: 1\n"
	    "password:\n"
	    "   on the next line\n"
	    "   # not a continuation\n"
	    "   after a comment\n"
	    "> sslrootcert: q1\n"
	    ">   q2\n"
	    ">q3\n");
	assert_value("host", "first\nsecond\nthird", false);
	assert_value("port", "1", false);
	assert_value("password", "on the next line", false);
	assert_value("sslrootcert", "q1\nq2", true);
}

static void
test_pem(void **state)
{
	readf("private_key: -----BEGIN PRIVATE KEY-----\n"
	    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
	    "Proc-Type: 4,ENCRYPTED\n"
	    "\n"
	    "host: inside-pem\n"
	    "-----END PRIVATE KEY-----\n"
	    "port: 1\n");
	assert_value("private_key", "-----BEGIN PRIVATE KEY-----\n"
	    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nProc-Type: 4,ENCRYPTED\n\n"
	    "host: inside-pem\n-----END PRIVATE KEY-----", false);
	assert_null(get("host"));
	assert_value("port", "1", false);

	/* Indented under an empty key line; quoted with one space or two. */
	readf("private_key:\n"
	    "    -----BEGIN RSA PRIVATE KEY-----\n"
	    "    AAAA\n"
	    "BBBB\n"
	    "    -----END RSA PRIVATE KEY-----\n"
	    "> sslrootcert: -----BEGIN CERTIFICATE-----\n"
	    ">  CCCC\n"
	    "> -----END CERTIFICATE-----\n");
	assert_value("private_key", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n"
	    "BBBB\n-----END RSA PRIVATE KEY-----", false);
	assert_value("sslrootcert", "-----BEGIN CERTIFICATE-----\nCCCC\n"
	    "-----END CERTIFICATE-----", true);
}

/*
 * A BEGIN runs to the END of its label whatever the quoting (the first
 * line after a quoted "> key:", the rest as pasted); without it, or past
 * a form marker, the value cannot be read whole.
 */
static void
test_pem_whole(void **state)
{
	readf("private_key: -----BEGIN PRIVATE KEY-----\n"
	    " AAAA\n"
	    "BBBB\n"
	    "host: h\n");
	assert_unwhole("private_key", "no END line");
	assert_value("host", "h", false);
	readf("> private_key: -----BEGIN PRIVATE KEY-----\n"
	    "AAAA\n"
	    "BBBB\n"
	    "-----END PRIVATE KEY-----\n"
	    "host: after\n");
	assert_value("private_key", "-----BEGIN PRIVATE KEY-----\nAAAA\nBBBB\n"
	    "-----END PRIVATE KEY-----", true);
	assert_value("host", "after", false);
	readf("> private_key:\n"
	    "-----BEGIN PRIVATE KEY-----\n"
	    "> AAAA\n"
	    "-----END PRIVATE KEY-----\n");
	assert_value("private_key", "-----BEGIN PRIVATE KEY-----\nAAAA\n"
	    "-----END PRIVATE KEY-----", true);
	readf("private_key: -----BEGIN X----- AAAA -----END X-----\nBBBB\n");
	assert_value("private_key", "-----BEGIN X----- AAAA -----END X-----",
	    false);
	readf("private_key: -----BEGIN A-----\nAAAA\n-----END B-----\n");
	assert_unwhole("private_key", "no END line");
	readf("private_key: -----BEGIN A-----\nAAAA\n"
	    "--- end of setup form ---\n-----END A-----\n");
	assert_unwhole("private_key", "no END line");
	/* A bundle: blocks that follow each other are one value. */
	readf("sslrootcert: -----BEGIN CERTIFICATE-----\nAAAA\n"
	    "-----END CERTIFICATE-----\n\n-----BEGIN CERTIFICATE-----\nBBBB\n"
	    "-----END CERTIFICATE-----\nhost: h\n");
	assert_value("sslrootcert", "-----BEGIN CERTIFICATE-----\nAAAA\n"
	    "-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nBBBB\n"
	    "-----END CERTIFICATE-----", false);
	assert_value("host", "h", false);
	readf("sslrootcert: -----BEGIN CERTIFICATE-----\nAAAA\n"
	    "-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nBBBB\n");
	assert_unwhole("sslrootcert", "no END line");
}

/* Reading stays linear with many BEGIN lines and no END. */
static void
test_pem_hostile(void **state)
{
	struct buf b;
	int i;

	buf_init(&b);
	for (i = 0; i < 100000; i++)
		buf_adds(&b, "private_key: -----BEGIN A-----\n");
	readf(b.data);
	assert_unwhole("private_key", "no END line");
	b.len = 0;
	for (i = 0; i < 100000; i++)
		buf_adds(&b, "credentials_json: {\n");
	readj(b.data);
	assert_unwhole("credentials_json", "does not close");
	buf_free(&b);
}

/*
 * JSON in a file field runs to the line that closes it, indentation kept,
 * whatever the quoting; in any other field "{" is a value like another.
 */
static void
test_json(void **state)
{
	readj("> credentials_json: {\n"
	    "  \"type\": \"service_account\",\n"
	    "  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMII\\n\",\n"
	    "  \"odd\": \"} ] \\\" {\",\n"
	    "  \"scopes\": [\n"
	    "    \"a\"\n"
	    "  ]\n"
	    "}\n"
	    "host: h\n");
	assert_value("credentials_json", "{\n"
	    "  \"type\": \"service_account\",\n"
	    "  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMII\\n\",\n"
	    "  \"odd\": \"} ] \\\" {\",\n"
	    "  \"scopes\": [\n"
	    "    \"a\"\n"
	    "  ]\n"
	    "}", true);
	assert_value("host", "h", false);
	readj("credentials_json:\n{\n\"a\": 1\n}\nhost: h\n");
	assert_value("credentials_json", "{\n\"a\": 1\n}", false);
	readj("> credentials_json: [\n>   1,\n>   2\n> ]\n");
	assert_value("credentials_json", "[\n  1,\n  2\n]", true);
	readj("credentials_json: {  \n  \"a\": 1  \t\n}\t\n");
	assert_value("credentials_json", "{\n  \"a\": 1\n}", false);
	readj("credentials_json: {\"a\": 1}\nhost: h\n");
	assert_value("credentials_json", "{\"a\": 1}", false);
	readj("credentials_json: {\n  \"a\": 1\n--- end of setup form ---\n"
	    "host: h\n");
	assert_unwhole("credentials_json", "does not close");
	assert_value("host", "h", false);
	readj("credentials_json: {\n  \"a\": 1\n");
	assert_unwhole("credentials_json", "does not close");
	readj("host: {\n  \"a\": 1\n}\n");
	assert_value("host", "{\n\"a\": 1", false);
}

static void
test_signature(void **state)
{
	readf("host: before\n"
	    "-- \n"
	    "Ann\n"
	    "port: 1111\n"
	    "password: in-signature\n"
	    "> port: 2222\n"
	    "sslrootcert: after-quote\n"
	    "-- \n"
	    "private_key: in-second-signature\n"
	    "--- end of setup form ---\n"
	    "private_key: after-marker\n");
	assert_value("host", "before", false);
	assert_value("port", "2222", true);
	assert_null(get("password"));
	assert_value("sslrootcert", "after-quote", false);
	assert_value("private_key", "after-marker", false);

	/* "--" and a quoted "-- " are no separators. */
	readf("--\nhost: a\n> -- \nport: 3\n");
	assert_value("host", "a", false);
	assert_value("port", "3", false);
}

static void
test_refs(void **state)
{
	readf("--- setup form for link 3: keep the names left of the colons "
	    "---\n"
	    "> " OPEN12 "\n"
	    ">> --- setup form for link 3: keep ---\n"
	    "   --- setup form for link 44: wrapped\n"
	    "--- setup form for link 0: zero\n"
	    "--- setup form for link 99999999999999999999: overflow\n"
	    "--- setup form for link 5 missing colon\n"
	    "--- setup form for link : empty\n"
	    "--- setup form for link 6-abcdefgh: tagged ---\n"
	    "--- setup form for link 6-abcdefg1: a tag outside base32\n"
	    "--- setup form for link 6-abcdefghi: a tag too long\n"
	    "--- setup form for link 6-abcdefg: a tag too short\n"
	    "--- setup form for link 6-: no tag\n"
	    "-- \n"
	    "--- setup form for link 8: in a signature ---\n");
	assert_int_equal(res.nrefs, 5);
	assert_string_equal(res.refs[0], "3");
	assert_string_equal(res.refs[1], "12");
	assert_string_equal(res.refs[2], "44");
	assert_string_equal(res.refs[3], "6-abcdefgh");
	assert_string_equal(res.refs[4], "8");
}

static void
test_crlf(void **state)
{
	readf("host: crlf.example\r\n"
	    "  more\r\n"
	    "> --- setup form for link 9: keep the names left of the colons "
	    "---\r\n"
	    "port: 5432\r\n"
	    "-- \r\n"
	    "password: sig\r\n");
	assert_int_equal(res.n, 1);
	assert_value("host", "crlf.example\nmore", false);
	assert_true(form_has_ref(&res, "9"));
}

static void
test_bad_bytes(void **state)
{
	readf("password: ab\xef\xbf\xbd" "cd\nhost: fine\n");
	assert_true(get("password")->bad_bytes);
	assert_false(get("host")->bad_bytes);
}

/* A NUL inside the text neither ends it nor hides the lines after it. */
static void
test_nul(void **state)
{
	static const char text[] = "host: a\0b\nport: 1\n";

	form_result_free(&res);
	form_read(text, sizeof text - 1, keys, templates, nitems(keys), &res);
	assert_int_equal(get("host")->len, 3);
	assert_memory_equal(get("host")->value, "a\0b", 3);
	assert_value("port", "1", false);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_wrap),
		cmocka_unit_test_teardown(test_roundtrip, teardown),
		cmocka_unit_test_teardown(test_top_posted, teardown),
		cmocka_unit_test_teardown(test_inline_edits, teardown),
		cmocka_unit_test_teardown(test_first_unquoted_wins, teardown),
		cmocka_unit_test_teardown(test_templates, teardown),
		cmocka_unit_test_teardown(test_comments_and_prose, teardown),
		cmocka_unit_test_teardown(test_continuation, teardown),
		cmocka_unit_test_teardown(test_pem, teardown),
		cmocka_unit_test_teardown(test_pem_whole, teardown),
		cmocka_unit_test_teardown(test_json, teardown),
		cmocka_unit_test_teardown(test_pem_hostile, teardown),
		cmocka_unit_test_teardown(test_signature, teardown),
		cmocka_unit_test_teardown(test_refs, teardown),
		cmocka_unit_test_teardown(test_crlf, teardown),
		cmocka_unit_test_teardown(test_bad_bytes, teardown),
		cmocka_unit_test_teardown(test_nul, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
