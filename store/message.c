/* message.c: what the intake decided about each message (the log behind
 * setuplink log and quarantine list), and the counts that rate-limit our
 * replies to senders. */
#include <stdlib.h>
#include <string.h>

#include "store/private.h"

static const char *outcome_names[] = { "accepted", "rejected", "ignored" };

const char *
outcome_name(enum outcome o)
{
	return outcome_names[o];
}

int
message_record(struct store *st, const struct message_record *m, int64_t *id,
    char **errstr)
{
	static const char sql[] = "INSERT INTO messages (at, message_id, "
	    "sender, link, draft, outcome, reason, detail, fields, quarantine) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	struct db_stmt *s = db_prepare(st, sql);
	int rv;

	db_bind_int64(s, 1, m->at ? m->at : time_now());
	db_bind_text(s, 2, m->message_id, -1, DB_STATIC);
	db_bind_text(s, 3, m->sender, -1, DB_STATIC);
	if (m->link)
		db_bind_int64(s, 4, m->link);
	if (m->draft)
		db_bind_int64(s, 5, m->draft);
	db_bind_text(s, 6, outcome_names[m->outcome], -1, DB_STATIC);
	db_bind_text(s, 7, m->reason, -1, DB_STATIC);
	db_bind_text(s, 8, m->detail, -1, DB_STATIC);
	db_bind_text(s, 9, m->fields, -1, DB_STATIC);
	db_bind_text(s, 10, m->quarantine, -1, DB_STATIC);
	if ((rv = db_step_done(st, s, "recording a message", errstr)) == 0 &&
	    id != NULL)
		*id = db_last_id(st);
	return rv;
}

/* Does SQL, with one text parameter, find a row? */
static int
message_exists(struct store *st, const char *sql, const char *arg, bool *yes,
    char **errstr)
{
	struct db_stmt *s = db_prepare(st, sql);
	int rc;

	db_bind_text(s, 1, arg, -1, DB_STATIC);
	rc = db_step(s);
	db_reset(s);
	if (rc != DB_ROW && rc != DB_DONE)
		return db_error(st, rc, "looking up a message", errstr);
	*yes = rc == DB_ROW;
	return 0;
}

int
message_accepted(struct store *st, const char *message_id, bool *yes,
    char **errstr)
{
	return message_exists(st, "SELECT 1 FROM messages WHERE message_id = ? "
	    "AND outcome = 'accepted' LIMIT 1", message_id, yes, errstr);
}

#define MSG_COLS "id, at, message_id, sender, link, draft, outcome, reason, " \
	"detail, fields, quarantine"

static void
message_row(struct db_stmt *s, struct message_record *m)
{
	char *o;
	size_t i;

	memset(m, 0, sizeof *m);
	m->id = db_column_int64(s, 0);
	m->at = db_column_int64(s, 1);
	m->message_id = db_text(s, 2);
	m->sender = db_text(s, 3);
	m->link = db_column_int64(s, 4);
	m->draft = db_column_int64(s, 5);
	o = db_text(s, 6);
	for (i = 0; o != NULL && i < nitems(outcome_names); i++) {
		if (strcmp(o, outcome_names[i]) == 0)
			m->outcome = (enum outcome)i;
	}
	free(o);
	m->reason = db_text(s, 7);
	m->detail = db_text(s, 8);
	m->fields = db_text(s, 9);
	m->quarantine = db_text(s, 10);
}

static int
message_rows(struct store *st, struct db_stmt *s, struct message_record **out,
    size_t *np, char **errstr)
{
	struct message_record *v = NULL;
	size_t n = 0;
	int rc;

	while ((rc = db_step(s)) == DB_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		message_row(s, &v[n++]);
	}
	db_reset(s);
	*out = v;
	*np = n;
	if (rc != DB_DONE) {
		message_records_free(out, n);
		*np = 0;
		return db_error(st, rc, "reading the log", errstr);
	}
	return 0;
}

int
message_list(struct store *st, int limit, struct message_record **out,
    size_t *np, char **errstr)
{
	static const char sql[] = "SELECT " MSG_COLS " FROM messages "
	    "ORDER BY id DESC LIMIT ?";
	struct db_stmt *s = db_prepare(st, sql);

	db_bind_int64(s, 1, limit > 0 ? limit : INT64_MAX);
	return message_rows(st, s, out, np, errstr);
}

int
message_get(struct store *st, int64_t id, struct message_record **out,
    char **errstr)
{
	static const char sql[] =
	    "SELECT " MSG_COLS " FROM messages WHERE id = ?";
	struct db_stmt *s = db_prepare(st, sql);
	size_t n;
	int rv;

	db_bind_int64(s, 1, id);
	if ((rv = message_rows(st, s, out, &n, errstr)) != 0)
		return rv;
	if (n == 0)
		return errorf(errstr, EX_NOINPUT, "there is no quarantined "
		    "message %lld: see setuplink quarantine list",
		    (long long)id);
	return 0;
}

/* Per quarantined file, the newest decision about it. */
int
quarantine_list(struct store *st, struct message_record **out, size_t *np,
    char **errstr)
{
	/*
	 * One row per quarantined file: its newest judgement, under the id
	 * of its first, so that the id the admin sees does not change with
	 * every retry (and still names the file for show and retry).
	 */
	static const char sql[] = "SELECT (SELECT min(f.id) FROM messages f "
	    "WHERE f.quarantine = m.quarantine), at, message_id, sender, link, "
	    "draft, outcome, reason, detail, fields, quarantine FROM messages m "
	    "WHERE quarantine IS NOT NULL AND id = (SELECT max(id) FROM "
	    "messages WHERE quarantine = m.quarantine) ORDER BY id DESC";

	return message_rows(st, db_prepare(st, sql), out, np, errstr);
}

/* Is FILE still kept, in the log's eyes (no retry or removal forgot it)? */
int
quarantine_held(struct store *st, const char *file, bool *yes, char **errstr)
{
	return message_exists(st, "SELECT 1 FROM messages WHERE quarantine = ? "
	    "LIMIT 1", file, yes, errstr);
}

int
quarantine_forget(struct store *st, const char *file, char **errstr)
{
	struct db_stmt *s = db_prepare(st,
	    "UPDATE messages SET quarantine = NULL WHERE quarantine = ?");

	db_bind_text(s, 1, file, -1, DB_STATIC);
	return db_step_done(st, s, "updating the log", errstr);
}

void
message_records_free(struct message_record **vp, size_t n)
{
	size_t i;

	if (*vp == NULL)
		return;
	for (i = 0; i < n; i++) {
		struct message_record *m = &(*vp)[i];
		free(m->message_id);
		free(m->sender);
		free(m->reason);
		free(m->detail);
		free(m->fields);
		free(m->quarantine);
	}
	free(*vp);
	*vp = NULL;
}

int
reply_count(struct store *st, const char *sender, int64_t since, int64_t *n,
    char **errstr)
{
	static const char one[] = "SELECT count(*) FROM replies WHERE at >= ? "
	    "AND sender = ?";
	static const char all[] = "SELECT count(*) FROM replies WHERE at >= ?";
	struct db_stmt *s = db_prepare(st, sender ? one : all);
	int rc;

	db_bind_int64(s, 1, since);
	if (sender != NULL)
		db_bind_text(s, 2, sender, -1, DB_STATIC);
	rc = db_step(s);
	*n = rc == DB_ROW ? db_column_int64(s, 0) : 0;
	db_reset(s);
	return rc == DB_ROW ? 0 : db_error(st, rc, "counting replies",
	    errstr);
}

int
reply_note(struct store *st, const char *sender, int64_t at, char **errstr)
{
	struct db_stmt *s = db_prepare(st,
	    "INSERT INTO replies (sender, at) VALUES (?, ?)");

	db_bind_text(s, 1, sender, -1, DB_STATIC);
	db_bind_int64(s, 2, at);
	return db_step_done(st, s, "noting a reply", errstr);
}
