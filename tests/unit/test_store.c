/* test_store.c: the store: migrations, drafts with defaults and history,
 * completeness with auth methods, removal that keeps no secret, links
 * with derived states, and the processed-message log.  STORE=postgresql
 * runs the same tests on the shared engine, on the database that
 * SETUPLINK_TEST_DATABASE names (tests/e2e/180-store-postgresql.sh
 * starts one); the default is SQLite in a temporary file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "store/private.h"
#include "store/store.h"
#include "util/util.h"

struct fixture {
	char		 dir[32];
	char		 file[64];
	const char	*path;		/* the file, or the PostgreSQL URI */
	struct store	*st;
	struct catalog	*cat;
};

static bool
shared(void)
{
	const char *e = getenv("STORE");

	return e != NULL && strcmp(e, "postgresql") == 0;
}

static int
setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof *fx);
	char *err = NULL;

	strcpy(fx->dir, "/tmp/slst.XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(fx->file, sizeof fx->file, "%s/t.db", fx->dir);
	fx->path = fx->file;
	if (shared()) {
		fx->path = getenv("SETUPLINK_TEST_DATABASE");
		if (fx->path == NULL || store_destroy(fx->path, &err) != 0) {
			fprintf(stderr, "STORE=postgresql wants "
			    "SETUPLINK_TEST_DATABASE: %s\n", err ? err : "");
			return -1;
		}
	}
	if (store_open(fx->path, STORE_CREATE, 1000, &fx->st, &err) != 0 ||
	    catalog_load(NULL, &fx->cat, &err) != 0)
		return -1;
	unsetenv("SETUPLINK_NOW");
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[96];

	store_close(&fx->st);
	catalog_free(&fx->cat);
	snprintf(cmd, sizeof cmd, "rm -rf %s", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

static struct source
admin(void)
{
	struct source s = { SOURCE_ADMIN, "ann@acme.example", 0, 0, NULL, false };

	s.at = time_now();
	return s;
}

static int64_t
new_draft(struct fixture *fx, const char *conn)
{
	int64_t id = 0;
	char *err = NULL;

	assert_int_equal(draft_create(fx->st, catalog_find(fx->cat, conn),
	    "Test", "ann@acme.example", &id, &err), 0);
	assert_true(id > 0);
	return id;
}

/* A pending link to DRAFT asking for KEY, an hour long, under HASH. */
static int64_t
new_link(struct fixture *fx, int64_t draft, const char *key,
    const char *hash)
{
	const char *keys[] = { key };
	struct link_new ln;
	char *err = NULL;
	int64_t lid = 0;

	memset(&ln, 0, sizeof ln);
	ln.draft = draft;
	ln.to = "bob@client.example";
	ln.expires = time_now() + 3600;
	ln.fields = keys;
	ln.nfields = 1;
	ln.token_hash = hash;
	assert_int_equal(link_create(fx->st, &ln, &lid, &err), 0);
	return lid;
}

static void
test_migrations(void **state)
{
	struct fixture *fx = *state;
	struct store *again = NULL;
	char *err = NULL;

	assert_true(store_schema_latest() >= 2);
	assert_int_equal(store_schema_version(fx->st), store_schema_latest());
	/* Opening again runs nothing and keeps the version. */
	assert_int_equal(store_open(fx->path, 0, 1000, &again, &err), 0);
	assert_int_equal(store_schema_version(again), store_schema_latest());
	store_close(&again);
	/* No database and no CREATE: a sentence saying to run init. */
	assert_int_equal(store_open("/tmp/slst-none/x.db", 0, 1000, &again,
	    &err), EX_CONFIG);
	assert_non_null(strstr(err, "setuplink init"));
	free(err);
}

/* The first column of SQL's first row, 0 when it has none, or the
 * engine's code when it fails. */
static int
st_exec(struct store *st, const char *sql)
{
	struct db_stmt *s = db_prepare(st, sql);
	int rc = db_step(s);

	if (rc == DB_ROW)
		rc = (int)db_column_int64(s, 0);
	else if (rc == DB_DONE)
		rc = 0;
	db_reset(s);
	return rc;
}

/*
 * Migration 12 again, over a store of the latest schema set back to 11:
 * it builds links and field_values again with the foreign keys off, so
 * the store's own connection must have them on again after it (a field
 * of no link refused), with the rows and the checks as they were.
 */
static void
test_rebuild_keys_on(void **state)
{
	struct fixture *fx = *state;
	struct store *again = NULL;
	struct link *l = NULL;
	char *err = NULL, *hash = sha256_hex("token12", 7);
	sqlite3 *db;
	int64_t id, lid;

	if (shared())		/* SQLite's rebuild: PostgreSQL has none */
		return;
	id = new_draft(fx, "postgres");
	lid = new_link(fx, id, "host", hash);
	store_close(&fx->st);

	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 11", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(fx->path, 0, 1000, &again, &err), 0);
	assert_int_equal(store_schema_version(again), store_schema_latest());
	assert_int_equal(link_find_token(again, hash, &l, &err), 0);
	assert_int_equal(l->id, lid);
	assert_int_equal(l->state, LINK_PENDING);
	link_free(&l);
	assert_int_equal(st_exec(again, "PRAGMA foreign_keys"), 1);
	assert_int_equal(st_exec(again, "INSERT INTO link_fields "
	    "(link, pos, key) VALUES (999, 0, 'host')"),
	    SQLITE_CONSTRAINT_FOREIGNKEY);
	assert_int_equal(st_exec(again, "UPDATE links SET state = 'gone'"),
	    SQLITE_CONSTRAINT_CHECK);
	store_close(&again);
	free(hash);
}

static void
test_draft_defaults_and_history(void **state)
{
	struct fixture *fx = *state;
	struct field_write w[] = { { "host", "db1.example", 11 },
	    { "password", "s3cret", 6 } };
	struct field_history *h = NULL;
	struct source src = admin();
	struct draft *d = NULL;
	bool replaced[2];
	size_t n;
	char *err = NULL;
	int64_t id = new_draft(fx, "postgres");

	assert_int_equal(draft_get(fx->st, fx->cat, id, &d, &err), 0);
	assert_string_equal(draft_value(d, "port")->value, "5432");
	assert_int_equal(draft_value(d, "port")->src.kind, SOURCE_ADMIN);
	assert_null(draft_value(d, "host")->value);
	assert_false(draft_value(d, "host")->set);
	draft_free(&d);

	assert_int_equal(draft_write(fx->st, id, w, 2, &src, replaced, &err), 0);
	assert_false(replaced[0]);
	w[0].value = "db2.example";
	src.kind = SOURCE_REPLY;
	src.from = "bob@client.example";
	src.link = 0;
	src.encrypted = true;
	assert_int_equal(draft_write(fx->st, id, w, 1, &src, replaced, &err), 0);
	assert_true(replaced[0]);
	assert_int_equal(draft_get(fx->st, fx->cat, id, &d, &err), 0);
	assert_string_equal(draft_value(d, "host")->value, "db2.example");
	assert_int_equal(draft_value(d, "host")->src.kind, SOURCE_REPLY);
	assert_true(draft_value(d, "host")->src.encrypted);
	draft_free(&d);
	assert_int_equal(draft_history(fx->st, id, "host", &h, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(h[0].value, "db2.example");
	assert_string_equal(h[1].value, "db1.example");
	assert_string_equal(h[1].src.from, "ann@acme.example");
	draft_history_free(&h, n);

	/* An unknown draft is EX_NOINPUT with a sentence. */
	assert_int_equal(draft_write(fx->st, 999, w, 1, &src, NULL, &err),
	    EX_NOINPUT);
	assert_non_null(strstr(err, "no draft 999"));
	free(err);
}

static void
test_complete_with_methods(void **state)
{
	struct fixture *fx = *state;
	const struct connector *c = catalog_find(fx->cat, "sftp");
	struct source src = admin();
	struct draft *d = NULL;
	char **missing = NULL, *err = NULL;
	size_t nm = 0, i;
	bool has_key = false, has_pw = false;
	int64_t id;

	assert_non_null(c);
	assert_non_null(c->method_field);
	id = new_draft(fx, "sftp");
	assert_int_equal(draft_get(fx->st, fx->cat, id, &d, &err), 0);
	assert_false(draft_complete(c, d, &missing, &nm));
	/* No method chosen: the method field and every method's fields. */
	for (i = 0; i < nm; i++) {
		has_key |= strcmp(missing[i], "private_key") == 0;
		has_pw |= strcmp(missing[i], "password") == 0;
	}
	assert_true(has_key && has_pw);
	strv_free(&missing, nm);
	draft_free(&d);

	/* Choose password: the key no longer counts. */
	{
		struct field_write w[] = { { c->method_field, "password", 8 },
		    { "host", "sftp.example", 12 }, { "username", "u", 1 },
		    { "password", "pw", 2 } };
		size_t nw = 4;
		if (connector_field(c, "username") == NULL) {
			w[2].key = "user";
		}
		assert_int_equal(draft_write(fx->st, id, w, nw, &src, NULL,
		    &err), 0);
	}
	assert_int_equal(draft_get(fx->st, fx->cat, id, &d, &err), 0);
	draft_complete(c, d, &missing, &nm);
	for (i = 0; i < nm; i++)
		assert_string_not_equal(missing[i], "private_key");
	strv_free(&missing, nm);
	draft_free(&d);
}

static void
test_remove_wipes(void **state)
{
	struct fixture *fx = *state;
	struct field_write w = { "password", "topsecret", 9 };
	struct source src = admin();
	struct draft *d = NULL;
	struct link *l = NULL;
	size_t i;
	char *err = NULL, *hash = sha256_hex("tok", 3);
	int64_t id = new_draft(fx, "postgres"), lid;

	assert_int_equal(draft_write(fx->st, id, &w, 1, &src, NULL, &err), 0);
	lid = new_link(fx, id, "password", hash);
	assert_int_equal(draft_remove(fx->st, id, "ann@acme.example", &err), 0);
	assert_int_equal(draft_get(fx->st, fx->cat, id, &d, &err), EX_NOINPUT);
	free(err);
	err = NULL;
	assert_int_equal(link_get(fx->st, lid, &l, &err), 0);
	assert_int_equal(l->state, LINK_REVOKED);
	link_free(&l);
	{
		struct draft_summary *v = NULL;
		size_t nv;
		assert_int_equal(draft_list(fx->st, fx->cat, &v, &nv, &err), 0);
		for (i = 0; i < nv; i++)
			assert_true(v[i].id != id);
		draft_summaries_free(&v, nv);
	}
	free(hash);
}

static void
test_link_states(void **state)
{
	struct fixture *fx = *state;
	struct link_new ln;
	struct link *l = NULL, **all = NULL;
	const char *keys[] = { "host", "port" }, *pre[] = { NULL, "5432" };
	char *err = NULL, *hash = sha256_hex("token1", 6), *nowbuf;
	size_t n;
	int64_t id = new_draft(fx, "postgres"), lid, lid2;

	memset(&ln, 0, sizeof ln);
	ln.draft = id;
	ln.to = "bob@client.example";
	ln.expires = time_now() + 60;
	ln.fields = keys;
	ln.prefill = pre;
	ln.nfields = 2;
	ln.require = REQUIRE_SIGNED;
	ln.token_hash = hash;
	assert_int_equal(link_create(fx->st, &ln, &lid, &err), 0);
	assert_int_equal(link_find_token(fx->st, hash, &l, &err), 0);
	assert_int_equal(l->id, lid);
	assert_int_equal(l->state, LINK_PENDING);
	assert_int_equal(l->require, REQUIRE_SIGNED);
	assert_int_equal(l->nfields, 2);
	assert_null(l->prefill[0]);
	assert_string_equal(l->prefill[1], "5432");
	link_free(&l);

	/* Expiry is derived when read: fake the clock past it. */
	nowbuf = xprintf("%lld", (long long)(time_now() + 120));
	setenv("SETUPLINK_NOW", nowbuf, 1);
	assert_int_equal(link_get(fx->st, lid, &l, &err), 0);
	assert_int_equal(l->state, LINK_EXPIRED);
	link_free(&l);
	assert_int_equal(link_revoke(fx->st, lid, "ann", &err), EX_DATAERR);
	assert_non_null(strstr(err, "expired"));
	free(err);
	err = NULL;
	unsetenv("SETUPLINK_NOW");
	free(nowbuf);

	free(hash);
	hash = sha256_hex("token2", 6);
	ln.token_hash = hash;
	assert_int_equal(link_create(fx->st, &ln, &lid2, &err), 0);
	assert_true(lid2 > lid);
	assert_int_equal(link_revoke(fx->st, lid2, "ann", &err), 0);
	assert_int_equal(link_revoke(fx->st, lid2, "ann", &err), EX_DATAERR);
	assert_non_null(strstr(err, "revoked"));
	free(err);
	err = NULL;
	assert_int_equal(link_list(fx->st, id, &all, &n, &err), 0);
	assert_int_equal(n, 2);
	links_free(&all, n);
	assert_int_equal(link_find_token(fx->st, "nope", &l, &err), EX_NOINPUT);
	free(err);
	free(hash);
}

static void
test_messages(void **state)
{
	struct fixture *fx = *state;
	struct message_record m, *v = NULL;
	bool yes = true;
	size_t n;
	char *err = NULL;
	int64_t cnt;

	memset(&m, 0, sizeof m);
	m.message_id = "abc@x";
	m.outcome = OUTCOME_REJECTED;
	m.reason = "policy";
	m.quarantine = "123.file";
	assert_int_equal(message_record(fx->st, &m, NULL, &err), 0);
	assert_int_equal(message_accepted(fx->st, "abc@x", &yes, &err), 0);
	assert_false(yes);
	m.outcome = OUTCOME_ACCEPTED;
	m.reason = NULL;
	m.quarantine = NULL;
	assert_int_equal(message_record(fx->st, &m, NULL, &err), 0);
	assert_int_equal(message_accepted(fx->st, "abc@x", &yes, &err), 0);
	assert_true(yes);
	assert_int_equal(message_list(fx->st, 0, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].outcome, OUTCOME_ACCEPTED);	/* newest first */
	message_records_free(&v, n);
	assert_int_equal(quarantine_list(fx->st, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].reason, "policy");
	message_records_free(&v, n);
	assert_int_equal(reply_note(fx->st, "bob@x", time_now(), &err), 0);
	assert_int_equal(reply_count(fx->st, "bob@x", time_now() - 3600, &cnt,
	    &err), 0);
	assert_int_equal(cnt, 1);
	assert_int_equal(reply_count(fx->st, "eve@x", time_now() - 3600, &cnt,
	    &err), 0);
	assert_int_equal(cnt, 0);
}

static void
test_transaction_rollback(void **state)
{
	struct fixture *fx = *state;
	struct field_write w = { "host", "h", 1 };
	struct source src = admin();
	struct draft *d = NULL;
	char *err = NULL;
	int64_t id = new_draft(fx, "postgres");

	/* A write inside a rolled-back transaction leaves nothing. */
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(draft_write(fx->st, id, &w, 1, &src, NULL, &err), 0);
	store_rollback(fx->st);
	assert_int_equal(draft_get(fx->st, fx->cat, id, &d, &err), 0);
	assert_null(draft_value(d, "host")->value);
	draft_free(&d);
}

/* Events are kept only when a webhook wants them, die with a rolled-back
 * transaction, and come back oldest first until delivered. */
static void
test_events(void **state)
{
	struct fixture *fx = *state;
	const char *keys[] = { "host", "password" };
	struct event *v;
	size_t n;
	char *err = NULL;

	assert_int_equal(event_add(fx->st, "merged", 1, 2, keys, 2, NULL,
	    &err), 0);
	assert_int_equal(event_pending(fx->st, 0, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	store_events_enable(fx->st, true);
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(event_add(fx->st, "merged", 1, 2, keys, 2, NULL,
	    &err), 0);
	store_rollback(fx->st);
	assert_int_equal(event_pending(fx->st, 0, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(event_add(fx->st, "merged", 1, 2, keys, 2, NULL,
	    &err), 0);
	assert_int_equal(event_add(fx->st, "rejected", 1, 2, NULL, 0,
	    "invalid", &err), 0);
	assert_int_equal(event_pending(fx->st, 0, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].type, "merged");
	assert_string_equal(v[0].fields, "host,password");
	assert_null(v[1].fields);
	assert_string_equal(v[1].detail, "invalid");
	assert_string_not_equal(v[0].uid, v[1].uid);
	assert_int_equal(event_retry(fx->st, v[0].id, 99, "HTTP 500", &err), 0);
	assert_int_equal(event_delivered(fx->st, v[1].id, &err), 0);
	events_free(&v, n);
	assert_int_equal(event_pending(fx->st, 0, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].attempts, 1);
	assert_int_equal(v[0].next_at, 99);
	assert_string_equal(v[0].last_error, "HTTP 500");
	events_free(&v, n);
}

/* Two connections (two hosts): one writer at a time, the other told to
 * try again once its wait is over, on either engine. */
static void
test_one_writer(void **state)
{
	struct fixture *fx = *state;
	struct store *b = NULL;
	char *err = NULL;

	assert_int_equal(store_open(fx->path, 0, 200, &b, &err), 0);
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_begin(b, &err), EX_TEMPFAIL);
	assert_non_null(strstr(err, "try again"));
	freep(&err);
	store_commit(fx->st, &err);
	assert_int_equal(store_begin(b, &err), 0);
	assert_int_equal(store_commit(b, &err), 0);
	store_close(&b);
}

/* A Message-ID is accepted once, whoever records it first. */
static void
test_accepted_once(void **state)
{
	struct fixture *fx = *state;
	struct store *b = NULL;
	struct message_record r = { 0 };
	char *err = NULL;
	int64_t id;
	bool yes;

	assert_int_equal(store_open(fx->path, 0, 1000, &b, &err), 0);
	r.at = 1;
	r.message_id = "once@x";
	r.outcome = OUTCOME_ACCEPTED;
	assert_int_equal(message_record(fx->st, &r, &id, &err), 0);
	assert_int_equal(message_accepted(b, "once@x", &yes, &err), 0);
	assert_true(yes);
	assert_int_equal(message_record(b, &r, &id, &err), EX_DATAERR);
	freep(&err);
	r.outcome = OUTCOME_IGNORED;
	assert_int_equal(message_record(b, &r, &id, &err), 0);
	store_close(&b);
}

/* Another connection's write moves the number the TUI watches. */
static void
test_data_version(void **state)
{
	struct fixture *fx = *state;
	struct store *b = NULL;
	char *err = NULL;
	int64_t v, id;

	assert_int_equal(store_open(fx->path, 0, 1000, &b, &err), 0);
	v = store_data_version(fx->st);
	assert_true(v >= 0);
	assert_int_equal(store_data_version(fx->st), v);
	assert_int_equal(draft_create(b, catalog_find(fx->cat, "postgres"),
	    "other host", "ann@acme.example", &id, &err), 0);
	assert_true(store_data_version(fx->st) != v);
	store_close(&b);
}

/* A named lock is one holder's across connections on the shared engine;
 * SQLite leaves it to the lock files in the home. */
static void
test_named_lock(void **state)
{
	struct fixture *fx = *state;
	struct store *b = NULL;
	char *err = NULL;
	bool got;

	assert_int_equal(store_open(fx->path, 0, 1000, &b, &err), 0);
	assert_int_equal(store_lock(fx->st, "send", false, &got, &err), 0);
	assert_true(got);
	assert_int_equal(store_lock(b, "send", false, &got, &err), 0);
	assert_int_equal(got, !shared());
	assert_int_equal(store_lock(b, "events", false, &got, &err), 0);
	assert_true(got);
	store_unlock(fx->st, "send");
	assert_int_equal(store_lock(b, "send", false, &got, &err), 0);
	assert_true(got);
	store_close(&b);
}

/*
 * draft_page() is draft_list() a page at a time: the same drafts in the
 * same order (newest activity first), the same completeness and link
 * counts, and draft_count() says how many there are.
 */
static void
test_draft_page(void **state)
{
	struct fixture *fx = *state;
	struct field_write w = { "host", "db.example", 10 };
	struct source src = admin();
	struct draft_summary *all = NULL, *pg = NULL;
	char *err = NULL, *hash = sha256_hex("pagetok", 7), *now;
	size_t nall, npg, total, off, i;
	int64_t ids[7];

	for (i = 0; i < 7; i++) {
		/* One second apart, so that the order is by activity. */
		now = xprintf("%lld", (long long)(1800000000 + i));
		setenv("SETUPLINK_NOW", now, 1);
		free(now);
		ids[i] = new_draft(fx, "postgres");
	}
	now = xprintf("%lld", 1800000100LL);
	setenv("SETUPLINK_NOW", now, 1);
	free(now);
	/* The oldest draft changes: it comes first. */
	src.at = time_now();
	assert_int_equal(draft_write(fx->st, ids[0], &w, 1, &src, NULL, &err),
	    0);
	(void)new_link(fx, ids[3], "host", hash);
	assert_int_equal(draft_remove(fx->st, ids[5], "ann@acme.example",
	    &err), 0);

	assert_int_equal(draft_list(fx->st, fx->cat, &all, &nall, &err), 0);
	assert_int_equal(draft_count(fx->st, &total, &err), 0);
	assert_int_equal(total, 6);
	assert_int_equal(nall, 6);
	assert_int_equal(all[0].id, ids[0]);
	for (off = 0; off < nall; off += 4) {
		assert_int_equal(draft_page(fx->st, fx->cat, off, 4, &pg, &npg,
		    &err), 0);
		assert_int_equal(npg, nall - off < 4 ? nall - off : 4);
		for (i = 0; i < npg; i++) {
			assert_int_equal(pg[i].id, all[off + i].id);
			assert_string_equal(pg[i].name, all[off + i].name);
			assert_int_equal(pg[i].updated, all[off + i].updated);
			assert_int_equal(pg[i].complete, all[off + i].complete);
			assert_int_equal(pg[i].nmissing, all[off + i].nmissing);
			assert_int_equal(pg[i].pending_links,
			    all[off + i].pending_links);
			assert_int_equal(pg[i].used_links,
			    all[off + i].used_links);
		}
		draft_summaries_free(&pg, npg);
	}
	for (i = 0; i < nall; i++) {
		if (all[i].id == ids[3])
			assert_int_equal(all[i].pending_links, 1);
		if (all[i].id == ids[0])
			assert_true(all[i].nmissing < all[1].nmissing);
	}
	assert_int_equal(draft_page(fx->st, fx->cat, 6, 4, &pg, &npg, &err), 0);
	assert_int_equal(npg, 0);
	draft_summaries_free(&pg, npg);
	draft_summaries_free(&all, nall);
	unsetenv("SETUPLINK_NOW");
	free(hash);
}

/* A reserved link id is never given again, by a reservation or by a
 * link created without one; a link created with it gets it. */
static void
test_link_reserve(void **state)
{
	struct fixture *fx = *state;
	struct link_new ln;
	struct link *l = NULL;
	const char *keys[] = { "host" };
	char *err = NULL, *h1 = sha256_hex("r1", 2), *h2 = sha256_hex("r2", 2);
	int64_t draft = new_draft(fx, "postgres"), a, b, c, gap;

	assert_int_equal(link_reserve_id(fx->st, &a, &err), 0);
	assert_true(a > 0);
	assert_int_equal(link_reserve_id(fx->st, &gap, &err), 0);
	assert_true(gap > a);
	memset(&ln, 0, sizeof ln);
	ln.draft = draft;
	ln.to = "bob@client.example";
	ln.expires = time_now() + 3600;
	ln.fields = keys;
	ln.nfields = 1;
	ln.token_hash = h1;
	ln.id = a;
	ln.created = 1800000000;
	assert_int_equal(link_create(fx->st, &ln, &b, &err), 0);
	assert_int_equal(b, a);
	assert_int_equal(link_get(fx->st, a, &l, &err), 0);
	assert_int_equal(l->created, 1800000000);
	link_free(&l);
	ln.id = 0;
	ln.created = 0;
	ln.token_hash = h2;
	assert_int_equal(link_create(fx->st, &ln, &c, &err), 0);
	assert_true(c > gap);
	assert_int_equal(link_get(fx->st, gap, &l, &err), EX_NOINPUT);
	free(err);
	free(h1);
	free(h2);
}

/* Mail kept as rows (a shared store's quarantine and outbox): a row is
 * sent by the one that claimed it; a claim lapses, or goes with a dead
 * claimer; refused rows are set aside and put back. */
static void
test_kept_rows(void **state)
{
	struct fixture *fx = *state;
	struct outrow *v = NULL;
	char *err = NULL, *data = NULL;
	size_t n = 0, len = 0, k = 0;
	int64_t one, two;
	bool won;

	assert_int_equal(outrow_add(fx->st, "1.a.host", 1000, "m1@x", "A", 1,
	    &err), 0);
	assert_int_equal(outrow_add(fx->st, "2.b.host", 1001, "m2@x", "B", 1,
	    &err), 0);
	assert_int_equal(outrow_list(fx->st, false, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	one = v[0].id;
	two = v[1].id;
	assert_string_equal(v[0].name, "1.a.host");
	assert_null(v[0].claim);
	outrows_free(&v, n);
	/* Claimed by h:1: nobody else, until it lapses or h:1 is dead. */
	assert_int_equal(outrow_claim(fx->st, one, "h:1", NULL, 2000, 1000,
	    &won, &err), 0);
	assert_true(won);
	assert_int_equal(outrow_claim(fx->st, one, "h:2", NULL, 2001, 1001,
	    &won, &err), 0);
	assert_false(won);
	assert_int_equal(outrow_claim(fx->st, one, "h:2", "h:1", 2002, 1002,
	    &won, &err), 0);
	assert_true(won);
	assert_int_equal(outrow_claim(fx->st, one, "h:3", NULL, 3000, 2003,
	    &won, &err), 0);
	assert_true(won);
	/* Only its holder ends it. */
	assert_int_equal(outrow_end(fx->st, one, "h:2", OUTROW_SENT, &err), 0);
	assert_int_equal(outrow_count(fx->st, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(outrow_end(fx->st, one, "h:3", OUTROW_SENT, &err), 0);
	assert_int_equal(outrow_count(fx->st, &n, &err), 0);
	assert_int_equal(n, 1);
	/* Refused: set aside, not claimed again until put back. */
	assert_int_equal(outrow_claim(fx->st, two, "h:1", NULL, 4000, 3000,
	    &won, &err), 0);
	assert_int_equal(outrow_end(fx->st, two, "h:1", OUTROW_FAILED, &err), 0);
	assert_int_equal(outrow_count(fx->st, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(outrow_claim(fx->st, two, "h:4", NULL, 5000, 4999,
	    &won, &err), 0);
	assert_false(won);
	assert_int_equal(outrow_list(fx->st, true, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_null(v[0].claim);
	outrows_free(&v, n);
	assert_int_equal(outrow_retry(fx->st, "9.none", &k, &err), 0);
	assert_int_equal(k, 0);
	assert_int_equal(outrow_retry(fx->st, "2.b.host", &k, &err), 0);
	assert_int_equal(k, 1);
	assert_int_equal(outrow_claim(fx->st, two, "h:1", NULL, 6000, 5000,
	    &won, &err), 0);
	assert_true(won);
	assert_int_equal(outrow_end(fx->st, two, "h:1", OUTROW_FAILED, &err), 0);
	assert_int_equal(outrow_retry(fx->st, NULL, &k, &err), 0);
	assert_int_equal(k, 1);
	assert_int_equal(outrow_drop(fx->st, "m2@x", &k, &err), 0);
	assert_int_equal(k, 1);
	assert_int_equal(outrow_count(fx->st, &n, &err), 0);
	assert_int_equal(n, 0);

	/* Quarantined rows: read back whole; aged out, their entry forgets
	 * them; one no entry names goes after the orphan age. */
	assert_int_equal(kept_add(fx->st, "q1", 100, "x\0y", 3, &err), 0);
	assert_int_equal(kept_add(fx->st, "q2", 200, "z", 1, &err), 0);
	assert_int_equal(kept_get(fx->st, "q1", &data, &len, &err), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(data, "x\0y", 3);
	free(data);
	assert_int_equal(kept_sweep(fx->st, 150, 150, &err), 0);
	assert_int_equal(kept_get(fx->st, "q1", &data, &len, &err), EX_NOINPUT);
	freep(&err);
	assert_int_equal(kept_get(fx->st, "q2", &data, &len, &err), 0);
	free(data);
	assert_int_equal(kept_remove(fx->st, "q2", &err), 0);
	assert_int_equal(kept_get(fx->st, "q2", &data, &len, &err), EX_NOINPUT);
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rebuild_keys_on, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_draft_page, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_link_reserve, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_draft_defaults_and_history,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_complete_with_methods,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_wipes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_link_states, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_writer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_accepted_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_data_version, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_named_lock, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_kept_rows, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_transaction_rollback,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
