/* db-sqlite.c: the default engine, SQLite in the home (WAL, busy timeout,
 * foreign keys), and the one place where a SQLite result code becomes a
 * setuplink status. */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/private.h"

struct lite_stmt {
	struct db_stmt	 base;
	sqlite3_stmt	*stmt;
};

#define DB(st)	((sqlite3 *)(st)->conn)
#define S(s)	(((struct lite_stmt *)(s))->stmt)

static int
lite_error(struct store *st, int rc, const char *what, char **errstr)
{
	/*
	 * A write that failed may have left frames in the WAL that its sync
	 * never confirmed; the next process to rebuild the WAL's index would
	 * take them for a commit.  This connection's index knows better:
	 * closing checkpoints what it knows and removes the WAL, as before.
	 */
	if (st != NULL && st->conn != NULL && ((rc & 0xff) == SQLITE_IOERR ||
	    (rc & 0xff) == SQLITE_FULL || (rc & 0xff) == SQLITE_NOMEM ||
	    (rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_PROTOCOL))
		sqlite3_db_config(DB(st), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0,
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
		    st != NULL && st->conn != NULL ? sqlite3_errmsg(DB(st)) :
		    sqlite3_errstr(rc));
	default:
		return errorf(errstr, EX_SOFTWARE, "database error (%s): %s",
		    what, st != NULL && st->conn != NULL ?
		    sqlite3_errmsg(DB(st)) : sqlite3_errstr(rc));
	}
}

static int
lite_exec(struct store *st, const char *sql, const char *what, char **errstr)
{
	int rc;

	if ((rc = sqlite3_exec(DB(st), sql, NULL, NULL, NULL)) != SQLITE_OK)
		return lite_error(st, rc, what, errstr);
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
static sqlite3_vfs	 lite_vfs;
static sqlite3_vfs	*lite_vfs_base;

static int
lite_vfs_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f,
    int flags, int *outflags)
{
	char *dir, *slash;
	bool had;
	int rc;

	(void)vfs;
	if (!(flags & SQLITE_OPEN_WAL) || !(flags & SQLITE_OPEN_CREATE) ||
	    name == NULL)
		return lite_vfs_base->xOpen(lite_vfs_base, name, f, flags,
		    outflags);
	had = access(name, F_OK) == 0;
	if (had && lite_vfs_base->xOpen(lite_vfs_base, name, f,
	    flags & ~SQLITE_OPEN_CREATE, outflags) == SQLITE_OK)
		return SQLITE_OK;
	if ((rc = lite_vfs_base->xOpen(lite_vfs_base, name, f, flags,
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
lite_vfs_name(void)
{
	if (lite_vfs_base == NULL) {
		if ((lite_vfs_base = sqlite3_vfs_find("unix")) == NULL)
			return NULL;
		lite_vfs = *lite_vfs_base;
		lite_vfs.zName = "setuplink";
		lite_vfs.pNext = NULL;
		lite_vfs.xOpen = lite_vfs_open;
		if (sqlite3_vfs_register(&lite_vfs, 0) != SQLITE_OK) {
			lite_vfs_base = NULL;
			return NULL;
		}
	}
	return lite_vfs.zName;
}

/*
 * The durable connections' checkpoints (the intake, link create).  Every
 * process that opens the database first, with the WAL left by the last,
 * reads the whole WAL to index it again, and that index starts with
 * nothing copied back: SQLite's own passive checkpoint at 1,000 pages
 * copied a WAL whole in every later process (two syncs each) and never
 * started it over, so it only grew, and each start read it all (4 MB:
 * 2.7 ms of an intake's 4).  Here a commit that leaves LITE_WAL_PAGES or
 * more copies the WAL back and starts it over: about every 14 accepted
 * replies, two syncs and a short WAL for the next start (the index is
 * rebuilt up to the first frame of the WAL's last round).  Started over,
 * not truncated: the next commits write over the file's blocks instead
 * of giving them back and growing it again, so their sync has no size
 * to write, and a file system mounted with discard has none to discard
 * (an accepted reply on stdin, 9% faster here).  Started over only in
 * the shared index, though, until a commit writes the WAL's new header:
 * a process that ends first would leave the old one, and the next would
 * index every frame again as new.  So such a process truncates the WAL
 * as it closes (lite_close), as a forged reply's does, whose one commit
 * is the one that copied the WAL back.  A reader (the
 * interface) may stop that; the writer does not wait for it, and the
 * next commit tries again.  A --maildir batch, which opens once, sets a
 * longer WAL (store_wal_pages).  A removal still truncates the WAL
 * (lite_checkpoint), so that no old page of it is left in the file.
 */
#define LITE_WAL_PAGES	200

static int
lite_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store *st = arg;

	if (pages < st->wal_pages) {
		st->wal_restarted = false;	/* this commit wrote over it */
		return SQLITE_OK;
	}
	sqlite3_busy_timeout(db, 0);
	st->wal_restarted = sqlite3_wal_checkpoint_v2(db, name,
	    SQLITE_CHECKPOINT_RESTART, NULL, NULL) == SQLITE_OK;
	sqlite3_busy_timeout(db, st->timeout_ms);
	return SQLITE_OK;
}

static int
lite_open(struct store *st, const char *path, int flags, int timeout_ms,
    char **errstr)
{
	sqlite3 *db = NULL;
	int rc, oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	int rv;

	if (flags & STORE_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	else if (access(path, F_OK) != 0)
		return errorf(errstr, EX_CONFIG, "no database at %s: run "
		    "setuplink init first", path);
	if ((rc = sqlite3_open_v2(path, &db, oflags,
	    lite_vfs_name())) != SQLITE_OK) {
		sqlite3_close(db);
		return errorf(errstr, rc == SQLITE_CANTOPEN ? EX_CONFIG :
		    EX_TEMPFAIL, "cannot open the database %s: %s", path,
		    sqlite3_errstr(rc));
	}
	st->conn = db;
	chmod(path, 0600);
	st->timeout_ms = timeout_ms;
	sqlite3_busy_timeout(db, timeout_ms);
	sqlite3_extended_result_codes(db, 1);
	/* WAL lets the TUI read while the intake writes. */
	if ((rv = lite_exec(st, "PRAGMA journal_mode=WAL", "setting WAL mode",
	    errstr)) != 0)
		return rv;
	/*
	 * The intake's WAL outlives each process.  Its close no longer
	 * checkpoints (two more syncs and the WAL deleted, so that the next
	 * process creates it again and syncs the directory): each commit is
	 * durable in the WAL on its own (synchronous=FULL syncs it at
	 * commit), and the pages go to the database file when the WAL
	 * reaches LITE_WAL_PAGES (lite_wal_hook), in whichever process
	 * commits then, or when the last of the other commands closes.
	 * journal_size_limit truncates the WAL after a checkpoint.
	 */
	if (flags & STORE_DURABLE) {
		sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
		    NULL);
		st->wal_pages = LITE_WAL_PAGES;
		sqlite3_wal_hook(db, lite_wal_hook, st);
	}
	if ((rv = lite_exec(st, "PRAGMA journal_size_limit=4194304",
	    "setting the WAL size limit", errstr)) != 0)
		return rv;
	/* secure_delete is a build choice unless we set it: zero what is
	 * deleted, so a removed value does not live on in a freed page. */
	return lite_exec(st, (flags & STORE_DURABLE) ?
	    "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
	    "PRAGMA secure_delete=ON" :
	    "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
	    "PRAGMA secure_delete=ON",
	    "setting pragmas", errstr);
}

static void
lite_close(struct store *st)
{
	/* See lite_wal_hook: nothing is left to copy, no reader is waited
	 * for, and a busy one leaves it to the next writer. */
	if (st->wal_restarted) {
		sqlite3_busy_timeout(DB(st), 0);
		(void)sqlite3_wal_checkpoint_v2(DB(st), NULL,
		    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	}
	sqlite3_close(DB(st));
	st->conn = NULL;
}

/*
 * SQLite's file names are this engine's business: the database is the
 * file and, in WAL mode, its -wal and -shm beside it.  A file that is not
 * there is fine; one that stays would bring its data back.
 */
static int
lite_destroy(const char *path, char **errstr)
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

static struct db_stmt *
lite_prepare(struct store *st, const char *sql)
{
	struct lite_stmt *s = xcalloc(1, sizeof *s);

	if (sqlite3_prepare_v3(DB(st), sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &s->stmt, NULL) != SQLITE_OK)
		fatalx("bad SQL (%s): %s", sqlite3_errmsg(DB(st)), sql);
	s->base.eng = &db_sqlite;
	s->base.st = st;
	return &s->base;
}

static void
lite_finalize(struct db_stmt *s)
{
	sqlite3_finalize(S(s));
	free(s);
}

static void lite_reset(struct db_stmt *s) { sqlite3_reset(S(s)); }
static void lite_clear(struct db_stmt *s) { sqlite3_clear_bindings(S(s)); }
static void lite_bind_int64(struct db_stmt *s, int i, int64_t v)
{ sqlite3_bind_int64(S(s), i, v); }
static void lite_bind_text(struct db_stmt *s, int i, const char *v, int n,
    void (*d)(void *)) { sqlite3_bind_text(S(s), i, v, n, d); }
static void lite_bind_blob(struct db_stmt *s, int i, const void *v, int n,
    void (*d)(void *)) { sqlite3_bind_blob(S(s), i, v, n, d); }
static int lite_step(struct db_stmt *s) { return sqlite3_step(S(s)); }
static bool lite_column_null(struct db_stmt *s, int c)
{ return sqlite3_column_type(S(s), c) == SQLITE_NULL; }
static int64_t lite_column_int64(struct db_stmt *s, int c)
{ return sqlite3_column_int64(S(s), c); }
static const char *lite_column_text(struct db_stmt *s, int c)
{ return (const char *)sqlite3_column_text(S(s), c); }
static const void *lite_column_blob(struct db_stmt *s, int c)
{ return sqlite3_column_blob(S(s), c); }
static int lite_column_bytes(struct db_stmt *s, int c)
{ return sqlite3_column_bytes(S(s), c); }
static int64_t lite_changes(struct store *st) { return sqlite3_changes(DB(st)); }
static int64_t lite_last_id(struct store *st)
{ return sqlite3_last_insert_rowid(DB(st)); }

/*
 * BEGIN IMMEDIATE takes the write lock now, so two writers never both
 * read and then fail to upgrade; waiting past the busy timeout is a
 * temporary failure.
 */
static int
lite_begin(struct store *st, char **errstr)
{
	return lite_exec(st, "BEGIN IMMEDIATE", "starting a transaction",
	    errstr);
}

static int
lite_commit(struct store *st, char **errstr)
{
	return lite_exec(st, "COMMIT", "committing", errstr);
}

static void
lite_rollback(struct store *st)
{
	if (st->depth > 0 || !sqlite3_get_autocommit(DB(st)))
		sqlite3_exec(DB(st), "ROLLBACK", NULL, NULL, NULL);
}

/* One integer a PRAGMA answers, or -1. */
static int64_t
lite_pragma_int(struct store *st, const char *pragma)
{
	struct db_stmt *s = db_prepare(st, pragma);
	int64_t v = -1;

	if (db_step(s) == DB_ROW)
		v = db_column_int64(s, 0);
	db_reset(s);
	return v;
}

/* SQLite keeps the change counter itself: data_version moves when another
 * connection commits, for free, with no write of ours. */
static int64_t
lite_data_version(struct store *st)
{
	return lite_pragma_int(st, "PRAGMA data_version");
}

static int
lite_schema_version(struct store *st)
{
	return (int)lite_pragma_int(st, "PRAGMA user_version");
}

static int
lite_schema_set(struct store *st, int version, char **errstr)
{
	char *sql = xprintf("PRAGMA user_version = %d", version);
	int rv = lite_exec(st, sql, "migrating the schema", errstr);

	free(sql);
	return rv;
}

/*
 * Without this a WAL keeps the pages a removal rewrote until the last
 * connection closes, and the intake's --watch or the TUI may never
 * close: the old value would sit in -wal for days.
 */
static void
lite_checkpoint(struct store *st)
{
	int rc;

	rc = sqlite3_wal_checkpoint_v2(DB(st), NULL,
	    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	if (rc != SQLITE_OK)
		log_debug("WAL checkpoint after a removal: %s",
		    sqlite3_errstr(rc));
}

/* One host: the callers' lock files in the home already do this. */
static int
lite_lock(struct store *st, int64_t key, bool wait, bool *got, char **errstr)
{
	*got = true;
	return 0;
}

static void lite_unlock(struct store *st, int64_t key) { }

const struct db_engine db_sqlite = {
	"sqlite", lite_open, lite_close, lite_destroy, lite_exec,
	lite_prepare, lite_finalize, lite_reset, lite_clear, lite_bind_int64,
	lite_bind_text, lite_bind_blob, lite_step, lite_column_null,
	lite_column_int64, lite_column_text, lite_column_blob,
	lite_column_bytes, lite_changes, lite_last_id, lite_error, lite_begin,
	lite_commit, lite_rollback, lite_data_version, lite_schema_version,
	lite_schema_set, lite_checkpoint, lite_lock, lite_unlock,
};
