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

/* Gone, in one commit that need not wait for the disk (a key whose
 * removal is lost is removed again by whoever finds it next). */
int
store_settings_forget(struct store *st, char *const *keys, size_t n,
    char **errstr)
{
	struct db_stmt *s;
	size_t i;
	int rv;

	if (n == 0)
		return 0;
	if ((rv = store_begin_lazy(st, errstr)) != 0)
		return rv;
	s = db_prepare(st, "DELETE FROM settings WHERE key = ?");
	for (i = 0; i < n && rv == 0; i++) {
		db_bind_text(s, 1, keys[i], -1, DB_STATIC);
		rv = db_step_done(st, s, "forgetting a setting", errstr);
	}
	if (rv != 0)
		store_rollback(st);
	else
		rv = store_commit(st, errstr);
	return rv;
}

int
store_settings_under(struct store *st, const char *prefix, char ***keys,
    char ***values, size_t *np, char **errstr)
{
	/* substr, not LIKE: a path may hold % and _. */
	static const char sql[] = "SELECT key, value FROM settings WHERE "
	    "substr(key, 1, length(?1)) = ?1 ORDER BY key";
	struct db_stmt *s = db_prepare(st, sql);
	char **k = NULL, **v = NULL;
	size_t n = 0;
	int rc;

	db_bind_text(s, 1, prefix, -1, DB_STATIC);
	while ((rc = db_step(s)) == DB_ROW) {
		k = xreallocarray(k, n + 1, sizeof *k);
		v = xreallocarray(v, n + 1, sizeof *v);
		k[n] = db_text(s, 0);
		v[n] = db_text(s, 1);
		if (k[n] == NULL)
			k[n] = xstrdup("");
		if (v[n] == NULL)
			v[n] = xstrdup("");
		n++;
	}
	db_reset(s);
	if (rc != DB_DONE) {
		strv_free(&k, n);
		strv_free(&v, n);
		return db_error(st, rc, "reading settings", errstr);
	}
	*keys = k;
	*values = v;
	*np = n;
	return 0;
}
