/* setting.c: the few facts every home on a shared store must agree on
 * (the workspace, its admin and intake address, where the first home
 * lives), kept in the store so that init --join can read them. */
#include <stdlib.h>

#include "store/private.h"

int
store_setting_set(struct store *st, const char *key, const char *value,
    char **errstr)
{
	static const char sql[] = "INSERT INTO settings (key, value) VALUES "
	    "(?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2";
	struct db_stmt *s = db_prepare(st, sql);

	db_bind_text(s, 1, key, -1, DB_STATIC);
	db_bind_text(s, 2, value, -1, DB_STATIC);
	return db_step_done(st, s, "keeping a setting", errstr);
}

int
store_setting_get(struct store *st, const char *key, char **value,
    char **errstr)
{
	static const char sql[] = "SELECT value FROM settings WHERE key = ?";
	struct db_stmt *s = db_prepare(st, sql);
	int rc;

	*value = NULL;
	db_bind_text(s, 1, key, -1, DB_STATIC);
	if ((rc = db_step(s)) == DB_ROW)
		*value = db_text(s, 0);
	db_reset(s);
	if (rc != DB_ROW && rc != DB_DONE)
		return db_error(st, rc, "reading a setting", errstr);
	return 0;
}
