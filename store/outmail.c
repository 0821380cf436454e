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
	static const char sql[] = "INSERT OR IGNORE INTO outmail (message_id, "
	    "env_from, rcpt, data, created) VALUES (?, ?, ?, ?, ?)";
	sqlite3_stmt *s = db_prepare(st, sql);

	sqlite3_bind_text(s, 1, message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, env_from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, rcpt, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, data, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, time_now());
	return db_step_done(st, s, "queueing mail", errstr);
}

int
outmail_pending(struct store *st, struct outmail **out, size_t *np,
    char **errstr)
{
	static const char sql[] = "SELECT id, message_id, env_from, rcpt, data "
	    "FROM outmail WHERE sent IS NULL ORDER BY id";
	sqlite3_stmt *s = db_prepare(st, sql);
	struct outmail *v = NULL;
	size_t n = 0;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		memset(&v[n], 0, sizeof v[n]);
		v[n].id = sqlite3_column_int64(s, 0);
		v[n].message_id = db_text(s, 1);
		v[n].envelope_from = db_text(s, 2);
		v[n].rcpt = db_text(s, 3);
		v[n].len = (size_t)sqlite3_column_bytes(s, 4);
		v[n].data = xmalloc(v[n].len + 1);
		memcpy(v[n].data, sqlite3_column_blob(s, 4), v[n].len);
		v[n].data[v[n].len] = '\0';
		n++;
	}
	sqlite3_reset(s);
	*out = v;
	*np = n;
	if (rc != SQLITE_DONE) {
		outmail_free(out, n);
		*np = 0;
		return db_error(st, rc, "reading queued mail", errstr);
	}
	return 0;
}

int
outmail_done(struct store *st, int64_t id, char **errstr)
{
	sqlite3_stmt *s = db_prepare(st,
	    "UPDATE outmail SET sent = ?, data = x'' WHERE id = ?");

	sqlite3_bind_int64(s, 1, time_now());
	sqlite3_bind_int64(s, 2, id);
	/* Lost in a power cut, the mark only means the mail goes out once
	 * more, with the same Message-ID: at least once, as promised. */
	return db_step_lazy(st, s, "marking mail sent", errstr);
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
