/* test_intake.c: the intake's small judges on their own: which token an
 * address carries (token.c) and which mail comes from a machine (loop.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/util.h"
#include "util/config.h"
#include "mailer/mailer.h"
#include "mailer/intake/private.h"

#define TOK "abcdefghijklmnopqrstuvwxyz234567"

static struct config cfg;

static int
setup(void **state)
{
	memset(&cfg, 0, sizeof cfg);
	cfg.intake = "setup@acme.example";
	cfg.intake_local = "setup";
	cfg.intake_domain = "acme.example";
	return 0;
}

static void
check_token(const char *addr, int want, const char *tok)
{
	char *t = NULL;

	assert_int_equal(token_from_address(&cfg, addr, &t), want);
	if (tok == NULL)
		assert_null(t);
	else
		assert_string_equal(t, tok);
	free(t);
}

static void
test_token_address(void **state)
{
	check_token("setup+" TOK "@acme.example", 0, TOK);
	/* MTAs fold case: both parts compare without it, the token is lowered. */
	check_token("SETUP+ABCDEFGHIJKLMNOPQRSTUVWXYZ234567@ACME.EXAMPLE", 0, TOK);
	check_token("\"Ann via Acme\" <setup+" TOK "@acme.example>", 0, TOK);
	check_token("  <setup+" TOK "@Acme.Example>  ", 0, TOK);
	/* The intake's, with a suffix that cannot be a token. */
	check_token("setup+short@acme.example", 1, NULL);
	check_token("setup+" TOK "1@acme.example", 1, NULL);	/* 1 is not base32 */
	check_token("setup+@acme.example", 1, NULL);
	/* Not the intake's at all. */
	check_token("setup@acme.example", -1, NULL);
	check_token("other+" TOK "@acme.example", -1, NULL);
	check_token("setup+" TOK "@evil.example", -1, NULL);
	check_token("setup+" TOK "@acme.example.evil", -1, NULL);
	check_token("xsetup+" TOK "@acme.example", -1, NULL);
	check_token("", -1, NULL);
	check_token("<>", -1, NULL);
	check_token(NULL, -1, NULL);
}

static void
test_token_collect(void **state)
{
	char *rcpts[] = { "Bob <bob@client.example>",
	    "setup+" TOK "@acme.example", "SETUP+" TOK "@acme.example",
	    "setup+bad!@acme.example" };
	struct mail m;
	struct token_set ts;

	memset(&m, 0, sizeof m);
	m.rcpts = rcpts;
	m.nrcpts = nitems(rcpts);
	token_collect(&cfg, "setup+bbbbbbbbbbbbbbbbbbbbbbbbbb@acme.example", &m,
	    &ts);
	/* --recipient first, then the headers; the same token once. */
	assert_int_equal(ts.n, 2);
	assert_string_equal(ts.v[0], "bbbbbbbbbbbbbbbbbbbbbbbbbb");
	assert_string_equal(ts.v[1], TOK);
	assert_int_equal(ts.malformed, 1);
	token_set_free(&ts);
	assert_int_equal(ts.n, 0);
}

static void
test_token_is_intake(void **state)
{
	assert_true(token_is_intake(&cfg, "setup@acme.example"));
	assert_true(token_is_intake(&cfg, "Setup+anything@ACME.example"));
	assert_false(token_is_intake(&cfg, "setup@other.example"));
	assert_false(token_is_intake(&cfg, "bob@acme.example"));
	assert_false(token_is_intake(&cfg, NULL));
}

/* loop_check on a message with only the given header fields set. */
static const char *
judge(struct mail *m)
{
	const char *reason = NULL;
	char *detail = NULL;
	bool yes;

	if (m->from_addr == NULL)
		m->from_addr = "bob@client.example";
	yes = loop_check(&cfg, m, &reason, &detail);
	if (yes)
		assert_non_null(detail);
	free(detail);
	return yes ? reason : NULL;
}

static void
test_loop(void **state)
{
	struct mail m;

	memset(&m, 0, sizeof m);
	assert_null(judge(&m));
	m.auto_submitted = "no";
	assert_null(judge(&m));
	m.auto_submitted = " No ; comment";
	assert_null(judge(&m));
	m.auto_submitted = "auto-replied";
	assert_string_equal(judge(&m), "auto_reply");
	m.auto_submitted = "Auto-Generated (vacation)";
	assert_string_equal(judge(&m), "auto_reply");

	memset(&m, 0, sizeof m);
	m.precedence = "Bulk";
	assert_string_equal(judge(&m), "auto_reply");
	m.precedence = "junk";
	assert_string_equal(judge(&m), "auto_reply");
	m.precedence = "list";
	assert_string_equal(judge(&m), "auto_reply");
	m.precedence = "first-class";
	assert_null(judge(&m));

	memset(&m, 0, sizeof m);
	m.list_id = true;
	assert_string_equal(judge(&m), "auto_reply");
	memset(&m, 0, sizeof m);
	m.x_autoreply = true;
	assert_string_equal(judge(&m), "auto_reply");
	memset(&m, 0, sizeof m);
	m.return_path_empty = true;
	assert_string_equal(judge(&m), "auto_reply");
	memset(&m, 0, sizeof m);
	m.from_addr = "MAILER-DAEMON@mx.client.example";
	assert_string_equal(judge(&m), "auto_reply");
	memset(&m, 0, sizeof m);
	m.envelope_from = "mailer-daemon";
	assert_string_equal(judge(&m), "auto_reply");
	memset(&m, 0, sizeof m);
	m.from_addr = "mailer-daemon-fan@client.example";
	assert_null(judge(&m));

	/* Our own mail coming back. */
	memset(&m, 0, sizeof m);
	m.ours = true;
	assert_string_equal(judge(&m), "loop");
	memset(&m, 0, sizeof m);
	m.from_addr = "setup+" TOK "@acme.example";
	assert_string_equal(judge(&m), "loop");
	memset(&m, 0, sizeof m);
	m.from_addr = "SETUP@ACME.EXAMPLE";
	assert_string_equal(judge(&m), "loop");
}

static void
test_dsn(void **state)
{
	struct mail m;

	memset(&m, 0, sizeof m);
	assert_false(loop_is_report(&m));
	m.content_type = "multipart/report";
	assert_true(loop_is_report(&m));
	assert_false(loop_dsn_failed(&m));
	m.dsn_action = "Failed";
	assert_true(loop_dsn_failed(&m));
	m.dsn_action = "failed (bad mailbox)";
	assert_true(loop_dsn_failed(&m));
	m.dsn_action = "delayed";
	assert_false(loop_dsn_failed(&m));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_token_address, setup),
		cmocka_unit_test_setup(test_token_collect, setup),
		cmocka_unit_test_setup(test_token_is_intake, setup),
		cmocka_unit_test_setup(test_loop, setup),
		cmocka_unit_test_setup(test_dsn, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
