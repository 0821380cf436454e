/* db.c: opening the SQLite database (WAL, busy timeout, foreign keys),
 * the prepared-statement cache, transactions, and the one place where a
 * SQLite result code becomes a setuplink status. */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/private.h"

int
db_error(struct store *st, int rc, const char *what, char **errstr)
{
	/*
	 * A write that failed may have left frames in the WAL that its sync
	 * never confirmed; the next process to rebuild the WAL's index would
	 * take them for a commit.  This connection's index knows better:
	 * closing checkpoints what it knows and removes the WAL, as before.
	 */
	if (st != NULL && st->db != NULL && ((rc & 0xff) == SQLITE_IOERR ||
	    (rc & 0xff) == SQLITE_FULL || (rc & 0xff) == SQLITE_NOMEM ||
	    (rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_PROTOCOL))
		sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0,
		    NULL);
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return errorf(errstr, EX_TEMPFAIL, "the database is locked by "
		    "another setuplink (%s); try again in a moment", what);
	case SQLITE_FULL:
		return errorf(errstr, EX_TEMPFAIL, "the disk is full (%s); "
		    "free some space and try again", what);
	case SQLITE_IOERR:
	case SQLITE_NOMEM:
	case SQLITE_CANTOPEN:
	case SQLITE_PROTOCOL:
		return errorf(errstr, EX_TEMPFAIL, "the database failed (%s): "
		    "%s; try again", what, sqlite3_errstr(rc));
	case SQLITE_CONSTRAINT:
		return errorf(errstr, EX_DATAERR, "%s: %s", what,
		    st != NULL ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
	default:
		return errorf(errstr, EX_SOFTWARE, "database error (%s): %s",
		    what, st != NULL ? sqlite3_errmsg(st->db) :
		    sqlite3_errstr(rc));
	}
}

sqlite3_stmt *
db_prepare(struct store *st, const char *sql)
{
	sqlite3_stmt *stmt;
	size_t i, slot = STMT_CACHE;

	for (i = 0; i < STMT_CACHE; i++) {
		if (st->cache[i].sql == sql) {
			sqlite3_reset(st->cache[i].stmt);
			sqlite3_clear_bindings(st->cache[i].stmt);
			return st->cache[i].stmt;
		}
		if (st->cache[i].sql == NULL && slot == STMT_CACHE)
			slot = i;
	}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &stmt, NULL) != SQLITE_OK)
		fatalx("bad SQL (%s): %s", sqlite3_errmsg(st->db), sql);
	if (slot == STMT_CACHE) {
		slot = (size_t)(((uintptr_t)sql >> 4) % STMT_CACHE);
		sqlite3_finalize(st->cache[slot].stmt);
	}
	st->cache[slot].sql = sql;
	st->cache[slot].stmt = stmt;
	return stmt;
}

int
db_step_done(struct store *st, sqlite3_stmt *stmt, const char *what,
    char **errstr)
{
	int rc;

	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_error(st, rc, what, errstr);
	return 0;
}

char *
db_text(sqlite3_stmt *stmt, int col)
{
	const unsigned char *s;

	if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
		return NULL;
	s = sqlite3_column_text(stmt, col);
	return xstrdup(s != NULL ? (const char *)s : "");
}

static int
exec(struct store *st, const char *sql, const char *what, char **errstr)
{
	int rc;

	if ((rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL)) != SQLITE_OK)
		return db_error(st, rc, what, errstr);
	return 0;
}

/*
 * SQLite's unix VFS syncs the directory on the first sync of a WAL it
 * opened with SQLITE_OPEN_CREATE, in every process, since it cannot tell
 * a file it made from one that was there.  Our WAL outlives each process
 * (no checkpoint on close), so this VFS, the unix one with another
 * xOpen, opens a WAL that is there without CREATE, and one it had to
 * create has its directory synced at once, whether or not this process
 * ever writes: a WAL that is there has a durable name.  One sync per
 * WAL made, not one per process.
 */
static sqlite3_vfs	 db_vfs;
static sqlite3_vfs	*db_vfs_base;

static int
db_vfs_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f,
    int flags, int *outflags)
{
	char *dir, *slash;
	bool had;
	int rc;

	(void)vfs;
	if (!(flags & SQLITE_OPEN_WAL) || !(flags & SQLITE_OPEN_CREATE) ||
	    name == NULL)
		return db_vfs_base->xOpen(db_vfs_base, name, f, flags,
		    outflags);
	had = access(name, F_OK) == 0;
	if (had && db_vfs_base->xOpen(db_vfs_base, name, f,
	    flags & ~SQLITE_OPEN_CREATE, outflags) == SQLITE_OK)
		return SQLITE_OK;
	if ((rc = db_vfs_base->xOpen(db_vfs_base, name, f, flags,
	    outflags)) != SQLITE_OK || had)
		return rc;
	dir = xstrdup(name);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		if (fsync_dir(*dir != '\0' ? dir : "/") != 0) {
			free(dir);
			f->pMethods->xClose(f);
			return SQLITE_IOERR_DIR_FSYNC;
		}
	}
	free(dir);
	return SQLITE_OK;
}

static const char *
db_vfs_name(void)
{
	if (db_vfs_base == NULL) {
		if ((db_vfs_base = sqlite3_vfs_find("unix")) == NULL)
			return NULL;
		db_vfs = *db_vfs_base;
		db_vfs.zName = "setuplink";
		db_vfs.pNext = NULL;
		db_vfs.xOpen = db_vfs_open;
		if (sqlite3_vfs_register(&db_vfs, 0) != SQLITE_OK) {
			db_vfs_base = NULL;
			return NULL;
		}
	}
	return db_vfs.zName;
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
	int rc, oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	int rv;

	*out = NULL;
	if (flags & STORE_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	else if (access(path, F_OK) != 0)
		return errorf(errstr, EX_CONFIG, "no database at %s: run "
		    "setuplink init first", path);
	st = xcalloc(1, sizeof *st);
	st->path = xstrdup(path);
	if (seal != NULL) {
		st->vault = seal->vault;
		st->cat = seal->cat;
		st->seal_before = seal->before;
		st->seal_arg = seal->arg;
	}
	if ((rc = sqlite3_open_v2(path, &st->db, oflags,
	    db_vfs_name())) != SQLITE_OK) {
		rv = errorf(errstr, rc == SQLITE_CANTOPEN ? EX_CONFIG :
		    EX_TEMPFAIL, "cannot open the database %s: %s", path,
		    sqlite3_errstr(rc));
		goto fail;
	}
	chmod(path, 0600);
	sqlite3_busy_timeout(st->db, timeout_ms);
	sqlite3_extended_result_codes(st->db, 1);
	/* WAL lets the TUI read while the intake writes. */
	if ((rv = exec(st, "PRAGMA journal_mode=WAL", "setting WAL mode",
	    errstr)) != 0)
		goto fail;
	/*
	 * The intake's WAL outlives each process.  Its close no longer
	 * checkpoints (two more syncs and the WAL deleted, so that the next
	 * process creates it again and syncs the directory): each commit is
	 * durable in the WAL on its own (synchronous=FULL syncs it at
	 * commit), and the pages go to the database file when the WAL
	 * reaches wal_autocheckpoint pages, in whichever process commits
	 * then, or when the last of the other commands closes.
	 * journal_size_limit truncates the WAL after a checkpoint.
	 */
	if (flags & STORE_DURABLE)
		sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
		    NULL);
	if ((rv = exec(st, "PRAGMA journal_size_limit=4194304",
	    "setting the WAL size limit", errstr)) != 0)
		goto fail;
	/* secure_delete is a build choice unless we set it: zero what is
	 * deleted, so a removed value does not live on in a freed page. */
	if ((rv = exec(st, (flags & STORE_DURABLE) ?
	    "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
	    "PRAGMA secure_delete=ON" :
	    "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
	    "PRAGMA secure_delete=ON",
	    "setting pragmas", errstr)) != 0)
		goto fail;
	st->durable = (flags & STORE_DURABLE) != 0;
	if ((rv = migrate(st, errstr)) != 0 ||
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
		sqlite3_finalize(st->cache[i].stmt);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
	*stp = NULL;
}

/*
 * SQLite's file names are store/'s business: the database is the file
 * and, in WAL mode, its -wal and -shm beside it.  A file that is not
 * there is fine; one that stays would bring its data back.
 */
int
store_destroy(const char *path, char **errstr)
{
	const char *suffix[] = { "", "-wal", "-shm" };
	char *p;
	size_t i;
	int rv = 0;

	for (i = 0; i < nitems(suffix) && rv == 0; i++) {
		p = xprintf("%s%s", path, suffix[i]);
		if (unlink(p) == -1 && errno != ENOENT)
			rv = errorf(errstr, EX_CONFIG, "cannot remove %s: %s",
			    p, strerror(errno));
		free(p);
	}
	return rv;
}

/*
 * BEGIN IMMEDIATE takes the write lock now, so two writers never both
 * read and then fail to upgrade; waiting past the busy timeout is a
 * temporary failure.
 */
int
store_begin(struct store *st, char **errstr)
{
	int rv;

	if (st->depth > 0)
		return errorf(errstr, EX_SOFTWARE, "nested transaction");
	if ((rv = exec(st, "BEGIN IMMEDIATE", "starting a transaction",
	    errstr)) != 0)
		return rv;
	st->depth = 1;
	return 0;
}

int
store_commit(struct store *st, char **errstr)
{
	int rv;

	if ((rv = exec(st, "COMMIT", "committing", errstr)) != 0) {
		store_rollback(st);
		return rv;
	}
	st->depth = 0;
	if (st->scrub)
		store_checkpoint(st);
	return 0;
}

void
store_rollback(struct store *st)
{
	if (st->depth > 0 || !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->depth = 0;
	st->scrub = false;
}

/*
 * Without this a WAL keeps the pages a removal rewrote until the last
 * connection closes, and the intake's --watch or the TUI may never
 * close: the old value would sit in -wal for days.
 */
void
store_checkpoint(struct store *st)
{
	int rc;

	st->scrub = false;
	rc = sqlite3_wal_checkpoint_v2(st->db, NULL,
	    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	if (rc != SQLITE_OK)
		log_debug("WAL checkpoint after a removal: %s",
		    sqlite3_errstr(rc));
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

/*
 * A write whose loss in a power cut is harmless (it is done again) need
 * not wait for the disk: in WAL mode synchronous=NORMAL commits without a
 * sync, and the next synced commit makes it durable with its own.
 * Outside a transaction only; back to the connection's setting after.
 */
int
db_step_lazy(struct store *st, sqlite3_stmt *stmt, const char *what,
    char **errstr)
{
	int rv;

	if (!st->durable || st->depth > 0)
		return db_step_done(st, stmt, what, errstr);
	sqlite3_exec(st->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	rv = db_step_done(st, stmt, what, errstr);
	sqlite3_exec(st->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
	return rv;
}

int64_t
store_data_version(struct store *st)
{
	sqlite3_stmt *s = db_prepare(st, "PRAGMA data_version");
	int64_t v = -1;

	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return v;
}

int
store_schema_version(struct store *st)
{
	sqlite3_stmt *s = db_prepare(st, "PRAGMA user_version");
	int v = -1;

	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return v;
}
