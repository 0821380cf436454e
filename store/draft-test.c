/* draft-test.c: the last credentials test of each draft, kept so that
 * `draft show`, the interface and the admin see it later.  The result is
 * the probe's JSON, which names checks and field keys, never a value. */
#include <string.h>

#include "store/private.h"

int
draft_test_save(struct store *st, int64_t draft, const struct draft_test *t,
    char **errstr)
{
	static const char sql[] = "INSERT INTO draft_tests (draft, at, "
	    "values_at, status, result) VALUES (?, ?, ?, ?, ?) ON CONFLICT "
	    "(draft) DO UPDATE SET at = excluded.at, values_at = "
	    "excluded.values_at, status = excluded.status, result = "
	    "excluded.result";
	struct db_stmt *s = db_prepare(st, sql);

	db_bind_int64(s, 1, draft);
	db_bind_int64(s, 2, t->at);
	db_bind_int64(s, 3, t->values_at);
	db_bind_int64(s, 4, t->status);
	db_bind_text(s, 5, t->result, -1, DB_STATIC);
	return db_step_done(st, s, "saving a test result", errstr);
}

int
draft_test_get(struct store *st, int64_t draft, struct draft_test *t,
    char **errstr)
{
	static const char sql[] = "SELECT at, values_at, status, result FROM "
	    "draft_tests WHERE draft = ?";
	struct db_stmt *s = db_prepare(st, sql);
	int rc;

	memset(t, 0, sizeof *t);
	db_bind_int64(s, 1, draft);
	if ((rc = db_step(s)) == DB_ROW) {
		t->at = db_column_int64(s, 0);
		t->values_at = db_column_int64(s, 1);
		t->status = db_column_int(s, 2);
		t->result = db_text(s, 3);
		db_reset(s);
		return 0;
	}
	db_reset(s);
	if (rc == DB_DONE)
		return errorf(errstr, EX_NOINPUT, "draft %lld was never tested",
		    (long long)draft);
	return db_error(st, rc, "reading a test result", errstr);
}

void
draft_test_clear(struct draft_test *t)
{
	freep(&t->result);
}
