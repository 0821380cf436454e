/* test_intake.c: the intake's small judges on their own: which token an
 * address carries (token.c) and which mail comes from a machine (loop.c);
 * and what intake_apply decides, under the lock, of a verdict judged
 * before its twin committed. */
#include <sys/stat.h>

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
#include "catalog/catalog.h"
#include "store/store.h"

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

/*
 * The same reply delivered twice at once: the later was judged (outside
 * the lock, a statement at a time) after its twin used the link but
 * before it saw the twin's acceptance, so its verdict says "used".
 * Under the lock it is a duplicate, dropped, answered by nothing; a
 * reply with another Message-ID to that used link stays rejected.
 */
static void
apply_used(struct intake *in, struct link *l, const char *msgid,
    struct intake_decision *d, bool *drop)
{
	struct intake_verdict v;
	struct intake_raw raw;
	char *err = NULL;

	memset(&v, 0, sizeof v);
	memset(&raw, 0, sizeof raw);
	raw.data = (char *)"Message-ID: <twin>\n\nhost: db\n";
	raw.len = strlen(raw.data);
	v.outcome = OUTCOME_REJECTED;
	v.reason = "used";
	v.detail = xstrdup("link is used");
	v.message_id = xstrdup(msgid);
	v.sender = xstrdup("bob@client.example");
	v.link = l;
	assert_int_equal(store_begin(in->st, &err), 0);
	assert_int_equal(intake_apply(in, &v, &raw, false, d, drop, &err), 0);
	assert_int_equal(store_commit(in->st, &err), 0);
	free(raw.qname);
	intake_verdict_free(&v);
}

static void
test_apply_twin(void **state)
{
	const char *keys[] = { "host" };
	char dir[] = "/tmp/slit.XXXXXX", path[64], q[64], cmd[96], *err = NULL;
	char *hash = sha256_hex("tok", 3);
	struct store *st = NULL;
	struct catalog *cat = NULL;
	struct home home;
	struct intake *in = NULL;
	struct intake_decision d;
	struct message_record m, *rows = NULL;
	struct link_new ln;
	struct link *l = NULL;
	int64_t draft, lid;
	size_t n;
	bool drop;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/t.db", dir);
	assert_int_equal(store_open(path, STORE_CREATE, 1000, &st, &err), 0);
	assert_int_equal(catalog_load(NULL, &cat, &err), 0);
	assert_int_equal(draft_create(st, catalog_find(cat, "postgres"),
	    "Twin", "ann@acme.example", &draft, &err), 0);
	memset(&ln, 0, sizeof ln);
	ln.draft = draft;
	ln.to = "bob@client.example";
	ln.expires = time_now() + 3600;
	ln.fields = keys;
	ln.nfields = 1;
	ln.token_hash = hash;
	assert_int_equal(link_create(st, &ln, &lid, &err), 0);
	/* The twin's acceptance, committed. */
	memset(&m, 0, sizeof m);
	m.message_id = "twin@client.example";
	m.outcome = OUTCOME_ACCEPTED;
	m.link = lid;
	m.draft = draft;
	assert_int_equal(message_record(st, &m, NULL, &err), 0);
	memset(&home, 0, sizeof home);
	snprintf(q, sizeof q, "%s/quarantine", dir);
	home.dir = dir;
	home.quarantine = q;
	intake_open(&cfg, &home, st, cat, NULL, &in);

	assert_int_equal(link_get(st, lid, &l, &err), 0);
	apply_used(in, l, "twin@client.example", &d, &drop);
	assert_int_equal(d.outcome, OUTCOME_IGNORED);
	assert_string_equal(d.reason, "duplicate");
	assert_true(drop);
	assert_null(d.quarantine);
	intake_decision_free(&d);
	assert_int_equal(message_list(st, 1, &rows, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].outcome, OUTCOME_IGNORED);
	assert_string_equal(rows[0].reason, "duplicate");
	message_records_free(&rows, n);

	assert_int_equal(link_get(st, lid, &l, &err), 0);
	apply_used(in, l, "other@client.example", &d, &drop);
	assert_int_equal(d.outcome, OUTCOME_REJECTED);
	assert_string_equal(d.reason, "used");
	assert_false(drop);
	assert_non_null(d.quarantine);	/* kept, as a rejection is */
	intake_decision_free(&d);

	intake_close(&in);
	catalog_free(&cat);
	store_close(&st);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(hash);
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
		cmocka_unit_test_setup(test_apply_twin, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
