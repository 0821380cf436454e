/* kept.c: on a shared store, the mail a home would keep in its Maildirs:
 * quarantined messages (kept_mail, sealed by the caller as the Maildir
 * copy is) and mail waiting to be sent (outbox_mail), rows that every
 * host lists, shows, retries and sends.  An outgoing message is claimed
 * by one sender before it leaves, so two hosts flushing at once send it
 * once; a claim a sender left behind (killed) lapses. */
#include <stdlib.h>
#include <string.h>

#include "store/private.h"

bool
store_keeps_mail(const struct store *st)
{
	return st != NULL && st->eng == &db_pg;
}

/* ---- Quarantined mail ---- */

int
kept_add(struct store *st, const char *name, int64_t at, const void *data,
    size_t len, char **errstr)
{
	struct db_stmt *s = db_prepare(st,
	    "INSERT INTO kept_mail (name, at, data) VALUES (?, ?, ?)");

	db_bind_text(s, 1, name, -1, DB_STATIC);
	db_bind_int64(s, 2, at);
	db_bind_blob(s, 3, data, (int)len, DB_STATIC);
	return db_step_done(st, s, "keeping the message", errstr);
}

int
kept_get(struct store *st, const char *name, char **data, size_t *len,
    char **errstr)
{
	struct db_stmt *s = db_prepare(st,
	    "SELECT data FROM kept_mail WHERE name = ?");
	int rc;

	*data = NULL;
	*len = 0;
	db_bind_text(s, 1, name, -1, DB_STATIC);
	if ((rc = db_step(s)) == DB_ROW) {
		*len = (size_t)db_column_bytes(s, 0);
		*data = xmalloc(*len + 1);
		if (*len > 0)
			memcpy(*data, db_column_blob(s, 0), *len);
		(*data)[*len] = '\0';
	}
	db_reset(s);
	if (rc == DB_DONE)
		return errorf(errstr, EX_NOINPUT, "the message %s is no longer "
		    "kept in the shared store", name);
	if (rc != DB_ROW)
		return db_error(st, rc, "reading a kept message", errstr);
	return 0;
}

int
kept_remove(struct store *st, const char *name, char **errstr)
{
	struct db_stmt *s = db_prepare(st,
	    "DELETE FROM kept_mail WHERE name = ?");

	db_bind_text(s, 1, name, -1, DB_STATIC);
	return db_step_done(st, s, "removing a kept message", errstr);
}

int
kept_sweep(struct store *st, int64_t old, int64_t orphan, char **errstr)
{
	static const char forget[] = "UPDATE messages SET quarantine = NULL "
	    "WHERE quarantine IN (SELECT name FROM kept_mail WHERE at < ?)";
	static const char drop[] = "DELETE FROM kept_mail WHERE at < ?1 OR "
	    "(at < ?2 AND name NOT IN (SELECT quarantine FROM messages "
	    "WHERE quarantine IS NOT NULL))";
	struct db_stmt *s;
	bool mine;
	int rv;

	if ((rv = db_tx_enter(st, &mine, errstr)) != 0)
		return rv;
	s = db_prepare(st, forget);
	db_bind_int64(s, 1, old);
	if ((rv = db_step_done(st, s, "ageing out quarantine", errstr)) == 0) {
		s = db_prepare(st, drop);
		db_bind_int64(s, 1, old);
		db_bind_int64(s, 2, orphan);
		rv = db_step_done(st, s, "ageing out quarantine", errstr);
	}
	return db_tx_leave(st, mine, rv, errstr);
}

/* ---- Mail waiting to be sent ---- */

int
outrow_add(struct store *st, const char *name, int64_t at,
    const char *message_id, const char *data, size_t len, char **errstr)
{
	struct db_stmt *s = db_prepare(st, "INSERT INTO outbox_mail (name, at, "
	    "message_id, data) VALUES (?, ?, ?, ?)");

	db_bind_text(s, 1, name, -1, DB_STATIC);
	db_bind_int64(s, 2, at);
	db_bind_text(s, 3, message_id, -1, DB_STATIC);
	db_bind_blob(s, 4, data, (int)len, DB_STATIC);
	return db_step_done(st, s, "queueing mail in the outbox", errstr);
}

int
outrow_list(struct store *st, bool failed, struct outrow **out, size_t *np,
    char **errstr)
{
	struct db_stmt *s = db_prepare(st, "SELECT id, name, at, message_id, "
	    "data, claim, claimed FROM outbox_mail WHERE failed = ? ORDER BY id");
	struct outrow *v = NULL, *r;
	size_t n = 0;
	int rc;

	db_bind_int64(s, 1, failed ? 1 : 0);
	while ((rc = db_step(s)) == DB_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		r = &v[n++];
		memset(r, 0, sizeof *r);
		r->id = db_column_int64(s, 0);
		r->name = db_text(s, 1);
		r->at = db_column_int64(s, 2);
		r->message_id = db_text(s, 3);
		r->len = (size_t)db_column_bytes(s, 4);
		r->data = xmalloc(r->len + 1);
		if (r->len > 0)
			memcpy(r->data, db_column_blob(s, 4), r->len);
		r->data[r->len] = '\0';
		r->claim = db_text(s, 5);
		r->claimed = db_column_null(s, 6) ? 0 : db_column_int64(s, 6);
	}
	db_reset(s);
	*out = v;
	*np = n;
	if (rc != DB_DONE) {
		outrows_free(out, n);
		*np = 0;
		return db_error(st, rc, "reading the outbox", errstr);
	}
	return 0;
}

int
outrow_count(struct store *st, size_t *np, char **errstr)
{
	struct db_stmt *s = db_prepare(st,
	    "SELECT count(*) FROM outbox_mail WHERE failed = 0");
	int rc;

	*np = 0;
	if ((rc = db_step(s)) == DB_ROW)
		*np = (size_t)db_column_int64(s, 0);
	db_reset(s);
	if (rc != DB_ROW)
		return db_error(st, rc, "counting the outbox", errstr);
	return 0;
}

int
outrow_claim(struct store *st, int64_t id, const char *owner,
    const char *dead, int64_t now, int64_t stale, bool *won, char **errstr)
{
	/* The row is locked by the UPDATE and its WHERE read again after
	 * any other claimer's commit: one of two racing senders wins. */
	struct db_stmt *s = db_prepare(st, "UPDATE outbox_mail SET claim = ?1, "
	    "claimed = ?2 WHERE id = ?3 AND failed = 0 AND (claim IS NULL OR "
	    "claimed < ?4 OR claim = ?5)");
	int rv;

	*won = false;
	db_bind_text(s, 1, owner, -1, DB_STATIC);
	db_bind_int64(s, 2, now);
	db_bind_int64(s, 3, id);
	db_bind_int64(s, 4, stale);
	db_bind_text(s, 5, dead, -1, DB_STATIC);
	if ((rv = db_step_done(st, s, "claiming outgoing mail", errstr)) != 0)
		return rv;
	*won = db_changes(st) > 0;
	return 0;
}

/* Sent (done): the row goes; refused for good: set aside; else: free. */
int
outrow_end(struct store *st, int64_t id, const char *owner,
    enum outrow_end how, char **errstr)
{
	static const char *sql[] = {
		[OUTROW_SENT] = "DELETE FROM outbox_mail WHERE id = ?1 AND "
		    "claim = ?2",
		[OUTROW_FAILED] = "UPDATE outbox_mail SET failed = 1, claim = "
		    "NULL, claimed = NULL WHERE id = ?1 AND claim = ?2",
		[OUTROW_RELEASE] = "UPDATE outbox_mail SET claim = NULL, "
		    "claimed = NULL WHERE id = ?1 AND claim = ?2",
	};
	struct db_stmt *s = db_prepare(st, sql[how]);

	db_bind_int64(s, 1, id);
	db_bind_text(s, 2, owner, -1, DB_STATIC);
	return db_step_done(st, s, "updating the outbox", errstr);
}

int
outrow_retry(struct store *st, const char *name, size_t *moved,
    char **errstr)
{
	static const char one[] = "UPDATE outbox_mail SET failed = 0 "
	    "WHERE failed = 1 AND name = ?";
	static const char all[] = "UPDATE outbox_mail SET failed = 0 "
	    "WHERE failed = 1";
	struct db_stmt *s = db_prepare(st, name != NULL ? one : all);
	int rv;

	*moved = 0;
	if (name != NULL)
		db_bind_text(s, 1, name, -1, DB_STATIC);
	if ((rv = db_step_done(st, s, "updating the outbox", errstr)) == 0)
		*moved = (size_t)db_changes(st);
	return rv;
}

int
outrow_drop(struct store *st, const char *message_id, size_t *dropped,
    char **errstr)
{
	struct db_stmt *s = db_prepare(st,
	    "DELETE FROM outbox_mail WHERE message_id = ?");
	int rv;

	*dropped = 0;
	db_bind_text(s, 1, message_id, -1, DB_STATIC);
	if ((rv = db_step_done(st, s, "updating the outbox", errstr)) == 0)
		*dropped = (size_t)db_changes(st);
	return rv;
}

void
outrows_free(struct outrow **vp, size_t n)
{
	size_t i;

	if (*vp == NULL)
		return;
	for (i = 0; i < n; i++) {
		free((*vp)[i].name);
		free((*vp)[i].message_id);
		free((*vp)[i].data);
		free((*vp)[i].claim);
	}
	freep(vp);
}
