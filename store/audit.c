/* audit.c: the audit trail of who did what to which draft or link.  It
 * names keys and addresses, never a value. */
#include <stdlib.h>

#include "store/private.h"

int
audit_add(struct store *st, const char *actor, const char *action,
    int64_t draft, int64_t link, const char *detail, char **errstr)
{
	static const char sql[] = "INSERT INTO audit (at, actor, action, draft, "
	    "link, detail) VALUES (?, ?, ?, ?, ?, ?)";
	struct db_stmt *s = db_prepare(st, sql);

	db_bind_int64(s, 1, time_now());
	db_bind_text(s, 2, actor, -1, DB_STATIC);
	db_bind_text(s, 3, action, -1, DB_STATIC);
	if (draft)
		db_bind_int64(s, 4, draft);
	if (link)
		db_bind_int64(s, 5, link);
	db_bind_text(s, 6, detail, -1, DB_STATIC);
	return db_step_done(st, s, "writing the audit log", errstr);
}

int
audit_list(struct store *st, int limit, int64_t draft,
    struct audit_entry **out, size_t *np, char **errstr)
{
	static const char sql[] = "SELECT id, at, actor, action, draft, link, "
	    "detail FROM audit WHERE (?1 = 0 OR draft = ?1) ORDER BY id DESC "
	    "LIMIT ?2";
	struct db_stmt *s = db_prepare(st, sql);
	struct audit_entry *v = NULL, *e;
	size_t n = 0;
	int rc;

	db_bind_int64(s, 1, draft);
	db_bind_int64(s, 2, limit > 0 ? limit : INT64_MAX);
	while ((rc = db_step(s)) == DB_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		e = &v[n++];
		e->id = db_column_int64(s, 0);
		e->at = db_column_int64(s, 1);
		e->actor = db_text(s, 2);
		e->action = db_text(s, 3);
		e->draft = db_column_int64(s, 4);
		e->link = db_column_int64(s, 5);
		e->detail = db_text(s, 6);
	}
	db_reset(s);
	*out = v;
	*np = n;
	if (rc != DB_DONE) {
		audit_entries_free(out, n);
		*np = 0;
		return db_error(st, rc, "reading the audit log", errstr);
	}
	return 0;
}

void
audit_entries_free(struct audit_entry **vp, size_t n)
{
	size_t i;

	if (*vp == NULL)
		return;
	for (i = 0; i < n; i++) {
		free((*vp)[i].actor);
		free((*vp)[i].action);
		free((*vp)[i].detail);
	}
	freep(vp);
}
