/* signin.c: OAuth sign-ins by email.  One active sign-in per link, by a
 * partial unique index, so that two replies racing (on one host or
 * several) start one; a poller holds a lease it renews, and a conditional
 * update decides who polls after a restart.  Sealed text comes sealed:
 * the token key never reaches the store. */
#include <stdlib.h>
#include <string.h>

#include "store/private.h"

#define SIGNIN_COLS "id, link, draft, state, created, sender, rcpt, " \
	"message_id, in_reply_to, signer, encrypted, pending, device_code, " \
	"user_code, verify_uri, verify_uri_complete, poll_every, expires, " \
	"failures, owner, lease, ended, detail"

/* Both engines bind NULL for a NULL text. */
static void
signin_bind_text(struct db_stmt *s, int col, const char *v)
{
	db_bind_text(s, col, v, -1, DB_STATIC);
}

int
signin_start(struct store *st, const struct signin *in, int64_t *id,
    char **errstr)
{
	struct db_stmt *s = db_prepare(st, "INSERT INTO signins "
	    "(link, draft, state, created, sender, rcpt, message_id, "
	    "in_reply_to, signer, encrypted, pending, lease) VALUES "
	    "(?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?, 0) "
	    "ON CONFLICT DO NOTHING");
	int rv;

	*id = 0;
	db_bind_int64(s, 1, in->link);
	db_bind_int64(s, 2, in->draft);
	db_bind_int64(s, 3, in->created);
	signin_bind_text(s, 4, in->sender);
	signin_bind_text(s, 5, in->rcpt);
	signin_bind_text(s, 6, in->message_id);
	signin_bind_text(s, 7, in->in_reply_to);
	signin_bind_text(s, 8, in->signer);
	db_bind_int64(s, 9, in->encrypted);
	signin_bind_text(s, 10, in->pending);
	if ((rv = db_step_done(st, s, "starting a sign-in", errstr)) != 0)
		return rv;
	if (db_changes(st) > 0)
		*id = db_last_id(st);
	return 0;
}

static struct signin *
signin_read(struct db_stmt *s)
{
	struct signin *g = xcalloc(1, sizeof *g);

	g->id = db_column_int64(s, 0);
	g->link = db_column_int64(s, 1);
	g->draft = db_column_int64(s, 2);
	g->state = db_text(s, 3);
	g->created = db_column_int64(s, 4);
	g->sender = db_text(s, 5);
	g->rcpt = db_text(s, 6);
	g->message_id = db_text(s, 7);
	g->in_reply_to = db_text(s, 8);
	g->signer = db_text(s, 9);
	g->encrypted = db_column_int(s, 10) != 0;
	g->pending = db_text(s, 11);
	g->device_code = db_text(s, 12);
	g->user_code = db_text(s, 13);
	g->verify_uri = db_text(s, 14);
	g->verify_uri_complete = db_text(s, 15);
	g->poll_every = db_column_int64(s, 16);
	g->expires = db_column_int64(s, 17);
	g->failures = db_column_int64(s, 18);
	g->owner = db_text(s, 19);
	g->lease = db_column_int64(s, 20);
	g->ended = db_column_int64(s, 21);
	g->detail = db_text(s, 22);
	return g;
}

int
signin_get(struct store *st, int64_t id, struct signin **out, char **errstr)
{
	struct db_stmt *s = db_prepare(st, "SELECT " SIGNIN_COLS " FROM signins "
	    "WHERE id = ?");
	int rc;

	*out = NULL;
	db_bind_int64(s, 1, id);
	if ((rc = db_step(s)) == DB_ROW)
		*out = signin_read(s);
	db_reset(s);
	if (rc == DB_DONE)
		return errorf(errstr, EX_NOINPUT, "there is no sign-in %lld",
		    (long long)id);
	if (rc != DB_ROW)
		return db_error(st, rc, "reading a sign-in", errstr);
	return 0;
}

int
signin_active(struct store *st, struct signin ***out, size_t *n,
    char **errstr)
{
	struct db_stmt *s = db_prepare(st, "SELECT " SIGNIN_COLS " FROM signins "
	    "WHERE state = 'active' ORDER BY id");
	int rc;

	*out = NULL;
	*n = 0;
	while ((rc = db_step(s)) == DB_ROW) {
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		(*out)[(*n)++] = signin_read(s);
	}
	db_reset(s);
	if (rc != DB_DONE) {
		signins_free(out, *n);
		*n = 0;
		return db_error(st, rc, "reading the sign-ins", errstr);
	}
	return 0;
}

int
signin_claim(struct store *st, int64_t id, const char *owner,
    const char *dead, int64_t now, int64_t lease, bool *won, char **errstr)
{
	struct db_stmt *s = db_prepare(st, "UPDATE signins SET owner = ?1, "
	    "lease = ?2 WHERE id = ?3 AND state = 'active' AND (lease < ?4 OR "
	    "owner IS NULL OR owner = ?1 OR owner = ?5)");
	int rv;

	*won = false;
	db_bind_text(s, 1, owner, -1, DB_STATIC);
	db_bind_int64(s, 2, lease);
	db_bind_int64(s, 3, id);
	db_bind_int64(s, 4, now);
	signin_bind_text(s, 5, dead);
	if ((rv = db_step_done(st, s, "claiming a sign-in", errstr)) != 0)
		return rv;
	*won = db_changes(st) > 0;
	return 0;
}

int
signin_save(struct store *st, const struct signin *g, const char *owner,
    bool *won, char **errstr)
{
	struct db_stmt *s = db_prepare(st, "UPDATE signins SET device_code = ?, "
	    "user_code = ?, verify_uri = ?, verify_uri_complete = ?, "
	    "poll_every = ?, expires = ?, failures = ?, lease = ? "
	    "WHERE id = ? AND state = 'active' AND owner = ?");
	int rv;

	*won = false;
	signin_bind_text(s, 1, g->device_code);
	signin_bind_text(s, 2, g->user_code);
	signin_bind_text(s, 3, g->verify_uri);
	signin_bind_text(s, 4, g->verify_uri_complete);
	db_bind_int64(s, 5, g->poll_every);
	db_bind_int64(s, 6, g->expires);
	db_bind_int64(s, 7, g->failures);
	db_bind_int64(s, 8, g->lease);
	db_bind_int64(s, 9, g->id);
	db_bind_text(s, 10, owner, -1, DB_STATIC);
	if ((rv = db_step_done(st, s, "saving a sign-in", errstr)) != 0)
		return rv;
	*won = db_changes(st) > 0;
	return 0;
}

int
signin_end(struct store *st, int64_t id, const char *state,
    const char *detail, int64_t now, char **errstr)
{
	/* The device code and the reply's values are of no use once it
	 * ended: they go with it. */
	struct db_stmt *s = db_prepare(st, "UPDATE signins SET state = ?, "
	    "detail = ?, ended = ?, device_code = NULL, pending = NULL, "
	    "owner = NULL WHERE id = ? AND state = 'active'");

	db_bind_text(s, 1, state, -1, DB_STATIC);
	signin_bind_text(s, 2, detail);
	db_bind_int64(s, 3, now);
	db_bind_int64(s, 4, id);
	return db_step_done(st, s, "ending a sign-in", errstr);
}

void
signin_free(struct signin **gp)
{
	struct signin *g = *gp;

	if (g == NULL)
		return;
	free(g->state);
	free(g->sender);
	free(g->rcpt);
	free(g->message_id);
	free(g->in_reply_to);
	free(g->signer);
	free(g->pending);
	free(g->device_code);
	free(g->user_code);
	free(g->verify_uri);
	free(g->verify_uri_complete);
	free(g->owner);
	free(g->detail);
	free(g);
	*gp = NULL;
}

void
signins_free(struct signin ***v, size_t n)
{
	size_t i;

	for (i = 0; *v != NULL && i < n; i++)
		signin_free(&(*v)[i]);
	free(*v);
	*v = NULL;
}
