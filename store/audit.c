/* audit.c: the audit trail of who did what to which draft or link.  It
 * names keys and addresses, never a value. */
#include "store/private.h"

int
audit_add(struct store *st, const char *actor, const char *action,
    int64_t draft, int64_t link, const char *detail, char **errstr)
{
	static const char sql[] = "INSERT INTO audit (at, actor, action, draft, "
	    "link, detail) VALUES (?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *s = db_prepare(st, sql);

	sqlite3_bind_int64(s, 1, time_now());
	sqlite3_bind_text(s, 2, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, action, -1, SQLITE_STATIC);
	if (draft)
		sqlite3_bind_int64(s, 4, draft);
	if (link)
		sqlite3_bind_int64(s, 5, link);
	sqlite3_bind_text(s, 6, detail, -1, SQLITE_STATIC);
	return db_step_done(st, s, "writing the audit log", errstr);
}
