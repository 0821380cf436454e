/* db.c: opening the store on its engine (db-sqlite.c by default,
 * db-pg.c for a postgresql:// URI), the prepared-statement cache and
 * transactions, the same for every engine. */
#include <stdlib.h>
#include <string.h>

#include "store/private.h"

bool
store_is_shared(const char *target)
{
	return target != NULL && (strncmp(target, "postgresql://", 13) == 0 ||
	    strncmp(target, "postgres://", 11) == 0);
}

const struct db_engine *
db_engine_for(const char *target)
{
	return store_is_shared(target) ? &db_pg : &db_sqlite;
}

int
db_error(struct store *st, int rc, const char *what, char **errstr)
{
	return st->eng->error(st, rc, what, errstr);
}

struct db_stmt *
db_prepare(struct store *st, const char *sql)
{
	struct db_stmt *stmt;
	size_t i, slot = STMT_CACHE;

	for (i = 0; i < STMT_CACHE; i++) {
		if (st->cache[i].sql == sql) {
			st->eng->reset(st->cache[i].stmt);
			st->eng->clear(st->cache[i].stmt);
			return st->cache[i].stmt;
		}
		if (st->cache[i].sql == NULL && slot == STMT_CACHE)
			slot = i;
	}
	stmt = st->eng->prepare(st, sql);
	if (slot == STMT_CACHE) {
		slot = (size_t)(((uintptr_t)sql >> 4) % STMT_CACHE);
		st->eng->finalize(st->cache[slot].stmt);
	}
	st->cache[slot].sql = sql;
	st->cache[slot].stmt = stmt;
	return stmt;
}

int
db_step_done(struct store *st, struct db_stmt *stmt, const char *what,
    char **errstr)
{
	int rc;

	rc = db_step(stmt);
	db_reset(stmt);
	if (rc != DB_DONE && rc != DB_ROW)
		return db_error(st, rc, what, errstr);
	return 0;
}

char *
db_text(struct db_stmt *stmt, int col)
{
	const char *s;

	if (db_column_null(stmt, col))
		return NULL;
	s = db_column_text(stmt, col);
	return xstrdup(s != NULL ? s : "");
}

int
store_open(const char *path, int flags, int timeout_ms, struct store **out,
    char **errstr)
{
	return store_open_sealed(path, flags, timeout_ms, NULL, out, errstr);
}

int
store_open_sealed(const char *path, int flags, int timeout_ms,
    const struct store_seal *seal, struct store **out, char **errstr)
{
	struct store *st;
	int rv;

	*out = NULL;
	st = xcalloc(1, sizeof *st);
	st->eng = db_engine_for(path);
	st->path = xstrdup(path);
	if (seal != NULL) {
		st->vault = seal->vault;
		st->cat = seal->cat;
		st->seal_before = seal->before;
		st->seal_arg = seal->arg;
	}
	st->durable = (flags & STORE_DURABLE) != 0;
	if ((rv = st->eng->open(st, path, flags, timeout_ms, errstr)) != 0 ||
	    (rv = migrate(st, errstr)) != 0 ||
	    (rv = db_seal_existing(st, errstr)) != 0)
		goto fail;
	*out = st;
	return 0;
fail:
	store_close(&st);
	return rv;
}

void
store_close(struct store **stp)
{
	struct store *st = *stp;
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < STMT_CACHE; i++)
		if (st->cache[i].stmt != NULL)
			st->eng->finalize(st->cache[i].stmt);
	if (st->conn != NULL)
		st->eng->close(st);
	free(st->path);
	free(st);
	*stp = NULL;
}

int
store_destroy(const char *path, char **errstr)
{
	return db_engine_for(path)->destroy(path, errstr);
}

/*
 * One writer at a time, on every engine: SQLite's BEGIN IMMEDIATE, or a
 * lock every host's PostgreSQL connection takes (db-pg.c).  Waiting past
 * the timeout is a temporary failure.
 */
int
store_begin(struct store *st, char **errstr)
{
	int rv;

	if (st->depth > 0)
		return errorf(errstr, EX_SOFTWARE, "nested transaction");
	if ((rv = st->eng->begin(st, errstr)) != 0)
		return rv;
	st->depth = 1;
	return 0;
}

/* How many WAL pages a durable commit lets pile up before it copies them
 * back (SQLite; PostgreSQL has no such thing). */
void
store_wal_pages(struct store *st, int pages)
{
	st->wal_pages = pages;
}

int
store_begin_lazy(struct store *st, char **errstr)
{
	bool lazy = db_lazy_begin(st);
	int rv;

	if ((rv = store_begin(st, errstr)) != 0) {
		db_lazy_end(st, lazy);
		return rv;
	}
	st->lazy = lazy;
	return 0;
}

/* The transaction is over: a lazy one puts synchronous back. */
static void
store_end(struct store *st)
{
	st->depth = 0;
	if (st->lazy) {
		st->lazy = false;
		db_lazy_end(st, true);
	}
}

int
store_commit(struct store *st, char **errstr)
{
	int rv;

	if ((rv = st->eng->commit(st, errstr)) != 0) {
		store_rollback(st);
		return rv;
	}
	store_end(st);
	if (st->scrub)
		store_checkpoint(st);
	return 0;
}

void
store_rollback(struct store *st)
{
	st->eng->rollback(st);
	store_end(st);
	st->scrub = false;
}

void
store_checkpoint(struct store *st)
{
	st->scrub = false;
	st->eng->checkpoint(st);
}

int
db_tx_enter(struct store *st, bool *mine, char **errstr)
{
	*mine = st->depth == 0;
	return *mine ? store_begin(st, errstr) : 0;
}

int
db_tx_leave(struct store *st, bool mine, int rv, char **errstr)
{
	if (!mine)
		return rv;
	if (rv != 0) {
		store_rollback(st);
		return rv;
	}
	return store_commit(st, errstr);
}

int64_t
store_data_version(struct store *st)
{
	return st->eng->data_version(st);
}

int
store_schema_version(struct store *st)
{
	return st->eng->schema_version(st);
}

/* A name's lock key: FNV-1a, so that every host derives the same one. */
static int64_t
lock_key(const char *name)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ULL;
	return (int64_t)(h >> 1);
}

int
store_lock(struct store *st, const char *name, bool wait, bool *got,
    char **errstr)
{
	return st->eng->lock(st, lock_key(name), wait, got, errstr);
}

void
store_unlock(struct store *st, const char *name)
{
	st->eng->unlock(st, lock_key(name));
}

/*
 * A write whose loss in a power cut is harmless (it is done again, or a
 * later synced commit of this process carries it) need not wait for the
 * disk: in SQLite's WAL mode synchronous=NORMAL commits without a sync,
 * and the next synced commit makes it durable with its own.  Outside a
 * transaction only; db_lazy_end puts the connection's setting back.
 * PostgreSQL commits as it always does.
 */
bool
db_lazy_begin(struct store *st)
{
	char *ignore = NULL;

	if (!st->durable || st->depth > 0 || st->eng != &db_sqlite)
		return false;
	st->eng->exec(st, "PRAGMA synchronous=NORMAL", "a lazy commit",
	    &ignore);
	free(ignore);
	return true;
}

void
db_lazy_end(struct store *st, bool lazy)
{
	char *ignore = NULL;

	if (!lazy)
		return;
	st->eng->exec(st, "PRAGMA synchronous=FULL", "a lazy commit", &ignore);
	free(ignore);
}

int
db_step_lazy(struct store *st, struct db_stmt *stmt, const char *what,
    char **errstr)
{
	bool lazy = db_lazy_begin(st);
	int rv;

	rv = db_step_done(st, stmt, what, errstr);
	db_lazy_end(st, lazy);
	return rv;
}
