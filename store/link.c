/* link.c: setup links.  Only the SHA-256 of a token is stored; the state
 * a reader sees is derived, so a link past its expiry reads as expired
 * with no job running. */
#include <stdlib.h>
#include <string.h>

#include "store/private.h"

static const char *state_names[] = {
	"pending", "used", "expired", "revoked", "bounced"
};
static const char *require_names[] = {
	"any", "signed", "encrypted", "signed+encrypted"
};

const char *
link_state_name(enum link_state s)
{
	return state_names[s];
}

char *
link_ref(const struct link *l)
{
	if (l->ref_tag == NULL)
		return xprintf("%lld", (long long)l->id);
	return xprintf("%lld-%s", (long long)l->id, l->ref_tag);
}

const char *
link_require_name(enum link_require r)
{
	return require_names[r];
}

int
link_require_parse(const char *s, enum link_require *r)
{
	size_t i;

	for (i = 0; i < nitems(require_names); i++) {
		if (strcmp(s, require_names[i]) == 0) {
			*r = (enum link_require)i;
			return 0;
		}
	}
	return -1;
}

static enum link_state
state_parse(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < nitems(state_names); i++) {
		if (strcmp(s, state_names[i]) == 0)
			return (enum link_state)i;
	}
	return LINK_REVOKED;
}

int
link_create(struct store *st, const struct link_new *ln, int64_t *id,
    char **errstr)
{
	static const char sql[] = "INSERT INTO links (draft, token_hash, "
	    "recipient, created, expires, require, signer, note, message_id, "
	    "created_by, ref_tag, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?)";
	static const char fsql[] = "INSERT INTO link_fields (link, pos, key, "
	    "prefill) VALUES (?, ?, ?, ?)";
	struct db_stmt *s;
	int64_t lid;
	size_t i;
	bool mine;
	int rv;

	if ((rv = db_tx_enter(st, &mine, errstr)) != 0)
		return rv;
	s = db_prepare(st, "SELECT 1 FROM drafts WHERE id = ? AND "
	    "deleted IS NULL");
	db_bind_int64(s, 1, ln->draft);
	if (db_step(s) != DB_ROW) {
		db_reset(s);
		rv = errorf(errstr, EX_NOINPUT, "there is no draft %lld: see "
		    "setuplink draft list", (long long)ln->draft);
		goto out;
	}
	db_reset(s);
	if (ln->id > 0)
		lid = ln->id;
	else if ((rv = link_reserve_id(st, &lid, errstr)) != 0)
		goto out;
	s = db_prepare(st, sql);
	db_bind_int64(s, 1, ln->draft);
	db_bind_text(s, 2, ln->token_hash, -1, DB_STATIC);
	db_bind_text(s, 3, ln->to, -1, DB_STATIC);
	db_bind_int64(s, 4, ln->created != 0 ? ln->created : time_now());
	db_bind_int64(s, 5, ln->expires);
	db_bind_text(s, 6, require_names[ln->require], -1, DB_STATIC);
	db_bind_text(s, 7, ln->signer, -1, DB_STATIC);
	db_bind_text(s, 8, ln->note, -1, DB_STATIC);
	db_bind_text(s, 9, ln->message_id, -1, DB_STATIC);
	db_bind_text(s, 10, ln->created_by, -1, DB_STATIC);
	db_bind_text(s, 11, ln->ref_tag, -1, DB_STATIC);
	db_bind_int64(s, 12, lid);
	if ((rv = db_step_done(st, s, "creating a link", errstr)) != 0)
		goto out;
	*id = lid;
	for (i = 0; i < ln->nfields; i++) {
		s = db_prepare(st, fsql);
		db_bind_int64(s, 1, *id);
		db_bind_int64(s, 2, (int64_t)i);
		db_bind_text(s, 3, ln->fields[i], -1, DB_STATIC);
		if (ln->prefill != NULL)
			db_bind_text(s, 4, ln->prefill[i], -1,
			    DB_STATIC);
		if ((rv = db_step_done(st, s, "creating a link", errstr)) != 0)
			goto out;
	}
	if ((rv = audit_add(st, ln->created_by, "link create", ln->draft, *id,
	    ln->to, errstr)) != 0)
		goto out;
	rv = event_add(st, "link_created", ln->draft, *id,
	    (const char *const *)ln->fields, ln->nfields, NULL, errstr);
out:
	return db_tx_leave(st, mine, rv, errstr);
}

/*
 * links.id is AUTOINCREMENT: SQLite keeps the largest id ever given in
 * sqlite_sequence and never hands out one at or below it, so raising it
 * there reserves the next id for an INSERT that names it.  PostgreSQL's
 * sequence does the same with nextval(), outside any lock.

 * The reservation's commit is lazy: lost in a power cut, no link was
 * made with it, and the link's own synced commit carries it.
 */
int
link_reserve_id(struct store *st, int64_t *id, char **errstr)
{
	static const char seed[] = "INSERT INTO sqlite_sequence (name, seq) "
	    "SELECT 'links', (SELECT coalesce(max(id), 0) FROM links) "
	    "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = "
	    "'links')";
	static const char bump[] = "UPDATE sqlite_sequence SET seq = seq + 1 "
	    "WHERE name = 'links' RETURNING seq";
	static const char next[] = "SELECT nextval(pg_get_serial_sequence("
	    "'links', 'id'))";
	struct db_stmt *s;
	bool mine, lazy;
	int rv, rc;

	*id = 0;
	lazy = db_lazy_begin(st);
	if ((rv = db_tx_enter(st, &mine, errstr)) != 0) {
		db_lazy_end(st, lazy);
		return rv;
	}
	if (st->eng == &db_pg)
		s = db_prepare(st, next);
	else {
		s = db_prepare(st, seed);
		if ((rv = db_step_done(st, s, "reserving a link id",
		    errstr)) != 0)
			goto out;
		s = db_prepare(st, bump);
	}
	if ((rc = db_step(s)) == DB_ROW) {
		*id = db_column_int64(s, 0);
		rc = db_step(s);
	}
	db_reset(s);
	if (rc != DB_DONE) {
		rv = db_error(st, rc, "reserving a link id", errstr);
		goto out;
	}
	if (*id <= 0)
		rv = errorf(errstr, EX_SOFTWARE, "no link id could be "
		    "reserved");
out:
	rv = db_tx_leave(st, mine, rv, errstr);
	db_lazy_end(st, lazy);
	return rv;
}

int
link_set_message_id(struct store *st, int64_t id, const char *msgid,
    char **errstr)
{
	struct db_stmt *s = db_prepare(st,
	    "UPDATE links SET message_id = ? WHERE id = ?");

	db_bind_text(s, 1, msgid, -1, DB_STATIC);
	db_bind_int64(s, 2, id);
	return db_step_done(st, s, "updating a link", errstr);
}

#define LINK_COLS "id, draft, recipient, created, expires, require, " \
	"signer, note, message_id, state, ended, created_by, ref_tag"

static int
link_fields_read(struct store *st, struct link *l, char **errstr)
{
	static const char sql[] = "SELECT key, prefill FROM link_fields "
	    "WHERE link = ? ORDER BY pos";
	struct db_stmt *s = db_prepare(st, sql);
	int rc;

	db_bind_int64(s, 1, l->id);
	while ((rc = db_step(s)) == DB_ROW) {
		l->fields = xreallocarray(l->fields, l->nfields + 1,
		    sizeof *l->fields);
		l->prefill = xreallocarray(l->prefill, l->nfields + 1,
		    sizeof *l->prefill);
		l->fields[l->nfields] = db_text(s, 0);
		l->prefill[l->nfields] = db_text(s, 1);
		l->nfields++;
	}
	db_reset(s);
	return rc == DB_DONE ? 0 : db_error(st, rc, "reading a link",
	    errstr);
}

static struct link *
link_row(struct db_stmt *s)
{
	struct link *l = xcalloc(1, sizeof *l);
	char *req, *state;

	l->id = db_column_int64(s, 0);
	l->draft = db_column_int64(s, 1);
	l->to = db_text(s, 2);
	l->created = db_column_int64(s, 3);
	l->expires = db_column_int64(s, 4);
	req = db_text(s, 5);
	if (req == NULL || link_require_parse(req, &l->require) != 0)
		l->require = REQUIRE_SIGNED_ENCRYPTED;	/* fail closed */
	free(req);
	l->signer = db_text(s, 6);
	l->note = db_text(s, 7);
	l->message_id = db_text(s, 8);
	state = db_text(s, 9);
	l->state = state_parse(state);
	free(state);
	l->ended = db_column_int64(s, 10);
	l->created_by = db_text(s, 11);
	l->ref_tag = db_text(s, 12);
	/* A bounce does not stop the clock: a forged one must not keep a
	 * link open past its expiry. */
	if ((l->state == LINK_PENDING || l->state == LINK_BOUNCED) &&
	    time_now() >= l->expires)
		l->state = LINK_EXPIRED;
	return l;
}

static int
link_one(struct store *st, const char *sql, const char *arg, int64_t id,
    struct link **out, const char *what, char **errstr)
{
	struct db_stmt *s = db_prepare(st, sql);
	struct link *l;
	int rc, rv;

	*out = NULL;
	if (arg != NULL)
		db_bind_text(s, 1, arg, -1, DB_STATIC);
	else
		db_bind_int64(s, 1, id);
	if ((rc = db_step(s)) != DB_ROW) {
		db_reset(s);
		if (rc == DB_DONE)
			return errorf(errstr, EX_NOINPUT, "%s", what);
		return db_error(st, rc, "reading a link", errstr);
	}
	l = link_row(s);
	db_reset(s);
	if ((rv = link_fields_read(st, l, errstr)) != 0) {
		link_free(&l);
		return rv;
	}
	*out = l;
	return 0;
}

int
link_get(struct store *st, int64_t id, struct link **out, char **errstr)
{
	static const char sql[] = "SELECT " LINK_COLS " FROM links WHERE id = ?";
	char *what = xprintf("there is no link %lld: see setuplink link list",
	    (long long)id);
	int rv = link_one(st, sql, NULL, id, out, what, errstr);

	free(what);
	return rv;
}

int
link_find_token(struct store *st, const char *hash, struct link **out,
    char **errstr)
{
	static const char sql[] =
	    "SELECT " LINK_COLS " FROM links WHERE token_hash = ?";

	return link_one(st, sql, hash, 0, out, "no link has this token",
	    errstr);
}

int
link_find_message_id(struct store *st, const char *msgid, struct link **out,
    char **errstr)
{
	static const char sql[] =
	    "SELECT " LINK_COLS " FROM links WHERE message_id = ?";

	return link_one(st, sql, msgid, 0, out, "no link sent this message",
	    errstr);
}

int
link_list(struct store *st, int64_t draft, struct link ***out, size_t *np,
    char **errstr)
{
	static const char all[] = "SELECT " LINK_COLS " FROM links ORDER BY id";
	static const char one[] =
	    "SELECT " LINK_COLS " FROM links WHERE draft = ? ORDER BY id";
	struct link **v = NULL;
	struct db_stmt *s;
	size_t n = 0, i;
	int rc, rv = 0;

	s = db_prepare(st, draft ? one : all);
	if (draft)
		db_bind_int64(s, 1, draft);
	while ((rc = db_step(s)) == DB_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = link_row(s);
	}
	db_reset(s);
	if (rc != DB_DONE)
		rv = db_error(st, rc, "listing links", errstr);
	for (i = 0; rv == 0 && i < n; i++)
		rv = link_fields_read(st, v[i], errstr);
	if (rv != 0) {
		links_free(&v, n);
		n = 0;
	}
	*out = v;
	*np = n;
	return rv;
}

int
link_revoke(struct store *st, int64_t id, const char *by, char **errstr)
{
	struct link *l = NULL;
	bool mine;
	int rv;

	if ((rv = db_tx_enter(st, &mine, errstr)) != 0)
		return rv;
	if ((rv = link_get(st, id, &l, errstr)) != 0)
		goto out;
	if (l->state != LINK_PENDING && l->state != LINK_BOUNCED) {
		rv = errorf(errstr, EX_DATAERR, "link %lld is %s: only a "
		    "pending or bounced link can be revoked", (long long)id,
		    link_state_name(l->state));
		goto out;
	}
	if ((rv = link_mark(st, id, LINK_REVOKED, errstr)) == 0 &&
	    (rv = audit_add(st, by, "link revoke", l->draft, id, NULL,
	    errstr)) == 0)
		rv = event_add(st, "link_revoked", l->draft, id,
		    (const char *const *)l->fields, l->nfields, NULL, errstr);
out:
	link_free(&l);
	return db_tx_leave(st, mine, rv, errstr);
}

int
link_mark(struct store *st, int64_t id, enum link_state state, char **errstr)
{
	static const char sql[] =
	    "UPDATE links SET state = ?, ended = ? WHERE id = ?";
	struct db_stmt *s = db_prepare(st, sql);

	if (state == LINK_EXPIRED)
		return errorf(errstr, EX_SOFTWARE, "expiry is not stored");
	db_bind_text(s, 1, state_names[state], -1, DB_STATIC);
	if (state != LINK_PENDING)
		db_bind_int64(s, 2, time_now());
	db_bind_int64(s, 3, id);
	return db_step_done(st, s, "updating a link", errstr);
}

void
link_free(struct link **lp)
{
	struct link *l = *lp;

	if (l == NULL)
		return;
	free(l->to);
	strv_free(&l->fields, l->nfields);
	strv_free(&l->prefill, l->nfields);
	free(l->signer);
	free(l->note);
	free(l->message_id);
	free(l->created_by);
	free(l->ref_tag);
	free(l);
	*lp = NULL;
}

void
links_free(struct link ***vp, size_t n)
{
	size_t i;

	if (*vp == NULL)
		return;
	for (i = 0; i < n; i++)
		link_free(&(*vp)[i]);
	free(*vp);
	*vp = NULL;
}
