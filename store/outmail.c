/* outmail.c: mail queued inside a transaction (receipts, rejections) and
 * sent after the commit, so a crash in between neither loses a receipt
 * nor, thanks to its fixed Message-ID, makes it two messages. */
#include <stdlib.h>
#include <string.h>

#include "store/private.h"

int
outmail_queue(struct store *st, const char *message_id, const char *env_from,
    const char *rcpt, const char *data, size_t len, char **errstr)
{
	static const char sql[] = "INSERT INTO outmail (message_id, env_from, "
	    "rcpt, data, created) VALUES (?, ?, ?, ?, ?) ON CONFLICT "
	    "(message_id) DO NOTHING";
	struct db_stmt *s = db_prepare(st, sql);

	db_bind_text(s, 1, message_id, -1, DB_STATIC);
	db_bind_text(s, 2, env_from, -1, DB_STATIC);
	db_bind_text(s, 3, rcpt, -1, DB_STATIC);
	db_bind_blob(s, 4, data, (int)len, DB_STATIC);
	db_bind_int64(s, 5, time_now());
	return db_step_done(st, s, "queueing mail", errstr);
}

int
outmail_pending(struct store *st, struct outmail **out, size_t *np,
    char **errstr)
{
	static const char sql[] = "SELECT id, message_id, env_from, rcpt, data "
	    "FROM outmail WHERE sent IS NULL ORDER BY id";
	struct db_stmt *s = db_prepare(st, sql);
	struct outmail *v = NULL;
	size_t n = 0;
	int rc;

	while ((rc = db_step(s)) == DB_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		memset(&v[n], 0, sizeof v[n]);
		v[n].id = db_column_int64(s, 0);
		v[n].message_id = db_text(s, 1);
		v[n].envelope_from = db_text(s, 2);
		v[n].rcpt = db_text(s, 3);
		v[n].len = (size_t)db_column_bytes(s, 4);
		v[n].data = xmalloc(v[n].len + 1);
		memcpy(v[n].data, db_column_blob(s, 4), v[n].len);
		v[n].data[v[n].len] = '\0';
		n++;
	}
	db_reset(s);
	*out = v;
	*np = n;
	if (rc != DB_DONE) {
		outmail_free(out, n);
		*np = 0;
		return db_error(st, rc, "reading queued mail", errstr);
	}
	return 0;
}

int
outmail_done(struct store *st, int64_t id, char **errstr)
{
	struct db_stmt *s = db_prepare(st,
	    "UPDATE outmail SET sent = ?, data = ? WHERE id = ?");

	db_bind_int64(s, 1, time_now());
	db_bind_blob(s, 2, "", 0, DB_STATIC);
	db_bind_int64(s, 3, id);
	/* Lost in a power cut, the mark only means the mail goes out once
	 * more, with the same Message-ID: at least once, as promised. */
	return db_step_lazy(st, s, "marking mail sent", errstr);
}

/* Several marked sent in one commit, as lazy as outmail_done's. */
int
outmail_done_all(struct store *st, const int64_t *ids, size_t n,
    char **errstr)
{
	struct db_stmt *s;
	int64_t now = time_now();
	size_t i;
	int rv;

	if (n == 0)
		return 0;
	if ((rv = store_begin_lazy(st, errstr)) != 0)
		return rv;
	s = db_prepare(st, "UPDATE outmail SET sent = ?, data = ? WHERE id = ?");
	for (i = 0; i < n && rv == 0; i++) {
		db_bind_int64(s, 1, now);
		db_bind_blob(s, 2, "", 0, DB_STATIC);
		db_bind_int64(s, 3, ids[i]);
		rv = db_step_done(st, s, "marking mail sent", errstr);
	}
	if (rv != 0)
		store_rollback(st);
	else
		rv = store_commit(st, errstr);
	return rv;
}

void
outmail_free(struct outmail **vp, size_t n)
{
	size_t i;

	if (*vp == NULL)
		return;
	for (i = 0; i < n; i++) {
		free((*vp)[i].message_id);
		free((*vp)[i].envelope_from);
		free((*vp)[i].rcpt);
		free((*vp)[i].data);
	}
	free(*vp);
	*vp = NULL;
}
