/* draft-test.c: the last credentials test of each draft, kept so that
 * `draft show`, the interface and the admin see it later.  The result is
 * the probe's JSON, which names checks and field keys, never a value. */
#include <string.h>

#include "store/private.h"

int
draft_test_save(struct store *st, int64_t draft, const struct draft_test *t,
    char **errstr)
{
	static const char sql[] = "INSERT OR REPLACE INTO draft_tests (draft, "
	    "at, values_at, status, result) VALUES (?, ?, ?, ?, ?)";
	sqlite3_stmt *s = db_prepare(st, sql);

	sqlite3_bind_int64(s, 1, draft);
	sqlite3_bind_int64(s, 2, t->at);
	sqlite3_bind_int64(s, 3, t->values_at);
	sqlite3_bind_int(s, 4, t->status);
	sqlite3_bind_text(s, 5, t->result, -1, SQLITE_STATIC);
	return db_step_done(st, s, "saving a test result", errstr);
}

int
draft_test_get(struct store *st, int64_t draft, struct draft_test *t,
    char **errstr)
{
	static const char sql[] = "SELECT at, values_at, status, result FROM "
	    "draft_tests WHERE draft = ?";
	sqlite3_stmt *s = db_prepare(st, sql);
	int rc;

	memset(t, 0, sizeof *t);
	sqlite3_bind_int64(s, 1, draft);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		t->at = sqlite3_column_int64(s, 0);
		t->values_at = sqlite3_column_int64(s, 1);
		t->status = sqlite3_column_int(s, 2);
		t->result = db_text(s, 3);
		sqlite3_reset(s);
		return 0;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return errorf(errstr, EX_NOINPUT, "draft %lld was never tested",
		    (long long)draft);
	return db_error(st, rc, "reading a test result", errstr);
}

void
draft_test_clear(struct draft_test *t)
{
	freep(&t->result);
}
