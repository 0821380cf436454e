/* remind.c: links over time: each link's token kept sealed (the store
 * never sees the key), the one reminder a link gets, and the one report
 * of a link that expired unused.  Claims are conditional updates whose
 * row count says who won, so two runs never remind a link twice. */
#include <stdlib.h>
#include <string.h>

#include "store/private.h"

int
link_token_keep(struct store *st, int64_t link, const char *sealed,
    char **errstr)
{
	struct db_stmt *s = db_prepare(st, "INSERT INTO link_tokens (link, "
	    "sealed) VALUES (?, ?) ON CONFLICT (link) DO UPDATE SET sealed = "
	    "excluded.sealed");

	db_bind_int64(s, 1, link);
	db_bind_text(s, 2, sealed, -1, DB_STATIC);
	return db_step_done(st, s, "keeping a link's token", errstr);
}

int
link_token_get(struct store *st, int64_t link, char **sealed, char **errstr)
{
	struct db_stmt *s = db_prepare(st, "SELECT sealed FROM link_tokens "
	    "WHERE link = ? AND sealed IS NOT NULL");
	int rc;

	*sealed = NULL;
	db_bind_int64(s, 1, link);
	rc = db_step(s);
	if (rc == DB_ROW)
		*sealed = db_text(s, 0);
	db_reset(s);
	if (rc == DB_ROW)
		return 0;
	if (rc == DB_DONE)
		return errorf(errstr, EX_NOINPUT, "link %lld was made before "
		    "setuplink kept tokens, so its email cannot be sent "
		    "again: renew it with setuplink link renew %lld",
		    (long long)link, (long long)link);
	return db_error(st, rc, "reading a link's token", errstr);
}

/* The ids a query of one or two times returns. */
static int
link_ids(struct store *st, const char *sql, int64_t a, int64_t b,
    int64_t **ids, size_t *n, char **errstr)
{
	struct db_stmt *s = db_prepare(st, sql);
	int rc;

	*ids = NULL;
	*n = 0;
	db_bind_int64(s, 1, a);
	db_bind_int64(s, 2, b);
	while ((rc = db_step(s)) == DB_ROW) {
		*ids = xreallocarray(*ids, *n + 1, sizeof **ids);
		(*ids)[(*n)++] = db_column_int64(s, 0);
	}
	db_reset(s);
	if (rc != DB_DONE) {
		freep(ids);
		*n = 0;
		return db_error(st, rc, "reading links", errstr);
	}
	return 0;
}

int
link_remind_due(struct store *st, int64_t now, int64_t before,
    int64_t **ids, size_t *n, char **errstr)
{
	static const char sql[] = "SELECT l.id FROM links l LEFT JOIN "
	    "link_tokens t ON t.link = l.id WHERE l.state IN ('pending', "
	    "'bounced') AND l.expires > ?1 AND l.expires <= ?1 + ?2 AND "
	    "t.reminded IS NULL ORDER BY l.expires, l.id";

	return link_ids(st, sql, now, before, ids, n, errstr);
}

int
link_remind_claim(struct store *st, int64_t link, bool claim, bool *won,
    char **errstr)
{
	struct db_stmt *s;
	int rv;

	*won = false;
	s = db_prepare(st, "INSERT INTO link_tokens (link) VALUES (?) "
	    "ON CONFLICT (link) DO NOTHING");
	db_bind_int64(s, 1, link);
	if ((rv = db_step_done(st, s, "reminding a link", errstr)) != 0)
		return rv;
	if (claim) {
		s = db_prepare(st, "UPDATE link_tokens SET reminded = ? "
		    "WHERE link = ? AND reminded IS NULL");
		db_bind_int64(s, 1, time_now());
		db_bind_int64(s, 2, link);
	} else {
		s = db_prepare(st, "UPDATE link_tokens SET reminded = NULL "
		    "WHERE link = ?");
		db_bind_int64(s, 1, link);
	}
	if ((rv = db_step_done(st, s, "reminding a link", errstr)) != 0)
		return rv;
	*won = db_changes(st) > 0;
	return 0;
}

/*
 * Links that expired unused and were not reported yet: each is claimed,
 * with its expired event, in one transaction, so it is reported once.
 */
int
link_expiry_note(struct store *st, int64_t now, int64_t **ids, size_t *n,
    char **errstr)
{
	static const char sql[] = "SELECT l.id FROM links l LEFT JOIN "
	    "link_tokens t ON t.link = l.id WHERE l.state IN ('pending', "
	    "'bounced') AND l.expires <= ?1 AND t.expiry_noted IS NULL "
	    "ORDER BY l.id";
	struct link *l = NULL;
	struct db_stmt *s;
	size_t i;
	int rv;

	if ((rv = store_begin(st, errstr)) != 0)
		return rv;
	if ((rv = link_ids(st, sql, now, 0, ids, n, errstr)) != 0)
		goto out;
	for (i = 0; rv == 0 && i < *n; i++) {
		s = db_prepare(st, "INSERT INTO link_tokens (link, "
		    "expiry_noted) VALUES (?1, ?2) ON CONFLICT (link) DO "
		    "UPDATE SET expiry_noted = ?2");
		db_bind_int64(s, 1, (*ids)[i]);
		db_bind_int64(s, 2, now);
		if ((rv = db_step_done(st, s, "noting an expiry", errstr)) != 0 ||
		    (rv = link_get(st, (*ids)[i], &l, errstr)) != 0)
			break;
		rv = event_add(st, "expired", l->draft, l->id,
		    (const char *const *)l->fields, l->nfields, NULL, errstr);
		link_free(&l);
	}
out:
	if (rv != 0) {
		store_rollback(st);
		freep(ids);
		*n = 0;
		return rv;
	}
	return store_commit(st, errstr);
}
