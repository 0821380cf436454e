/* event.c: webhook events, written in the transaction that causes them
 * and kept until delivered, so that none is lost and none runs ahead. */
#include <stdlib.h>
#include <string.h>

#include "store/private.h"

void
store_events_enable(struct store *st, bool on)
{
	st->events = on;
}

/* Keys, comma separated, or NULL for none. */
static char *
event_keys(const char *const *keys, size_t n)
{
	struct buf b;
	size_t i;

	if (n == 0)
		return NULL;
	buf_init(&b);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? "," : "", keys[i]);
	return buf_take(&b);
}

/*
 * The uid is random rather than the row id so that two homes, or a home
 * made again, never send two different events under one id: a receiver
 * that drops repeats by id must not drop a new event.
 */
int
event_add(struct store *st, const char *type, int64_t draft, int64_t link,
    const char *const *keys, size_t nkeys, const char *detail, char **errstr)
{
	static const char sql[] = "INSERT INTO events (uid, type, at, draft, "
	    "link, fields, detail, next_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	struct db_stmt *s;
	char *uid = NULL, *fields;
	int64_t now = time_now();
	bool mine;
	int rv;

	if (!st->events)
		return 0;
	if ((rv = token_new(&uid, errstr)) != 0)
		return rv;
	if ((rv = db_tx_enter(st, &mine, errstr)) != 0) {
		free(uid);
		return rv;
	}
	fields = event_keys(keys, nkeys);
	s = db_prepare(st, sql);
	db_bind_text(s, 1, uid, -1, DB_STATIC);
	db_bind_text(s, 2, type, -1, DB_STATIC);
	db_bind_int64(s, 3, now);
	if (draft)
		db_bind_int64(s, 4, draft);
	if (link)
		db_bind_int64(s, 5, link);
	db_bind_text(s, 6, fields, -1, DB_STATIC);
	db_bind_text(s, 7, detail, -1, DB_STATIC);
	db_bind_int64(s, 8, now);
	rv = db_step_done(st, s, "queueing a webhook event", errstr);
	free(fields);
	free(uid);
	return db_tx_leave(st, mine, rv, errstr);
}

int
event_pending(struct store *st, int limit, struct event **out, size_t *np,
    char **errstr)
{
	static const char sql[] = "SELECT id, uid, type, at, draft, link, "
	    "fields, detail, attempts, next_at, last_error FROM events "
	    "WHERE delivered IS NULL ORDER BY id LIMIT ?";
	struct db_stmt *s = db_prepare(st, sql);
	struct event *v = NULL, *e;
	size_t n = 0;
	int rc;

	db_bind_int64(s, 1, limit > 0 ? limit : INT64_MAX);
	while ((rc = db_step(s)) == DB_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		e = &v[n++];
		memset(e, 0, sizeof *e);
		e->id = db_column_int64(s, 0);
		e->uid = db_text(s, 1);
		e->type = db_text(s, 2);
		e->at = db_column_int64(s, 3);
		e->draft = db_column_int64(s, 4);
		e->link = db_column_int64(s, 5);
		e->fields = db_text(s, 6);
		e->detail = db_text(s, 7);
		e->attempts = db_column_int(s, 8);
		e->next_at = db_column_int64(s, 9);
		e->last_error = db_text(s, 10);
	}
	db_reset(s);
	*out = v;
	*np = n;
	if (rc != DB_DONE) {
		events_free(out, n);
		*np = 0;
		return db_error(st, rc, "reading webhook events", errstr);
	}
	return 0;
}

int
event_delivered(struct store *st, int64_t id, char **errstr)
{
	struct db_stmt *s = db_prepare(st,
	    "UPDATE events SET delivered = ?, last_error = NULL WHERE id = ?");

	db_bind_int64(s, 1, time_now());
	db_bind_int64(s, 2, id);
	return db_step_done(st, s, "marking a webhook event delivered", errstr);
}

int
event_retry(struct store *st, int64_t id, int64_t next_at, const char *error,
    char **errstr)
{
	struct db_stmt *s = db_prepare(st, "UPDATE events SET attempts = "
	    "attempts + 1, next_at = ?, last_error = ? WHERE id = ?");

	db_bind_int64(s, 1, next_at);
	db_bind_text(s, 2, error, -1, DB_STATIC);
	db_bind_int64(s, 3, id);
	return db_step_done(st, s, "recording a webhook failure", errstr);
}

void
events_free(struct event **vp, size_t n)
{
	size_t i;

	if (*vp == NULL)
		return;
	for (i = 0; i < n; i++) {
		free((*vp)[i].uid);
		free((*vp)[i].type);
		free((*vp)[i].fields);
		free((*vp)[i].detail);
		free((*vp)[i].last_error);
	}
	freep(vp);
}
