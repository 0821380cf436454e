/* floor-store.c: the least a reply can cost when, as the intake does, one
 * process per message opens a SQLite store: for bench/intake.sh to set
 * the intake beside.  Read standard input whole; open DB as the intake
 * opens its store (WAL, synchronous=FULL, no checkpoint on close), which
 * reads the schema and indexes the WAL; look up one link by id; then, as
 * MODE says:
 *   accepted  one row into messages, committed (one WAL sync), and the
 *             message written as a receipt is (DIR/tmp, fsync, rename
 *             into DIR/new, DIR/new synced): three syncs in all;
 *   forged    the message kept first (the same file and two syncs), then
 *             its row committed without a sync, as the intake's lazy
 *             commit does.
 * No configuration, catalog, vault, parsing, judging, merging or
 * composing: what is left of the intake's cost is the program's own.
 * Not part of setuplink: a yardstick.
 * Usage: floor-store accepted|forged DB DIR <message */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

/* As the intake's VFS (store/db-sqlite.c): a WAL that is there is opened
 * without CREATE, so that SQLite does not sync its directory again. */
static sqlite3_vfs	 vfs, *base;

static int
vfs_open(sqlite3_vfs *v, sqlite3_filename name, sqlite3_file *f, int flags,
    int *outflags)
{
	(void)v;
	if ((flags & SQLITE_OPEN_WAL) && name != NULL &&
	    access(name, F_OK) == 0)
		flags &= ~SQLITE_OPEN_CREATE;
	return base->xOpen(base, name, f, flags, outflags);
}

/* The intake's checkpoint policy (store/db-sqlite.c, lite_wal_hook). */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	(void)arg;
	if (pages >= 200)
		(void)sqlite3_wal_checkpoint_v2(db, name,
		    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	return SQLITE_OK;
}

static int
keep(const char *dir, const char *data, size_t len)
{
	char tmp[4096], dst[4096];
	int fd;

	snprintf(tmp, sizeof tmp, "%s/tmp/%lld.P%d.floor", dir,
	    (long long)time(NULL), (int)getpid());
	snprintf(dst, sizeof dst, "%s/new/%lld.P%d.floor", dir,
	    (long long)time(NULL), (int)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0 || write(fd, data, len) != (ssize_t)len ||
	    fsync(fd) != 0 || close(fd) != 0 || rename(tmp, dst) != 0)
		return -1;
	snprintf(tmp, sizeof tmp, "%s/new", dir);
	if ((fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fsync(fd) != 0 || close(fd) != 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	static char buf[1 << 20];
	sqlite3 *db;
	sqlite3_stmt *s;
	size_t len = 0;
	ssize_t r;
	char mid[64];
	int forged, rc;

	if (argc != 4 || (strcmp(argv[1], "accepted") != 0 &&
	    strcmp(argv[1], "forged") != 0)) {
		fprintf(stderr, "usage: floor-store accepted|forged DB DIR "
		    "<message\n");
		return 64;
	}
	forged = strcmp(argv[1], "forged") == 0;
	while (len < sizeof buf &&
	    (r = read(STDIN_FILENO, buf + len, sizeof buf - len)) > 0)
		len += (size_t)r;
	if ((base = sqlite3_vfs_find("unix")) == NULL)
		return 75;
	vfs = *base;
	vfs.zName = "floor";
	vfs.pNext = NULL;
	vfs.xOpen = vfs_open;
	if (sqlite3_vfs_register(&vfs, 0) != SQLITE_OK ||
	    sqlite3_open_v2(argv[2], &db, SQLITE_OPEN_READWRITE, "floor") !=
	    SQLITE_OK)
		return 75;
	sqlite3_busy_timeout(db, 10000);
	sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_wal_hook(db, wal_hook, NULL);
	if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; "
	    "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK)
		return 75;
	if (sqlite3_prepare_v2(db, "SELECT state FROM links WHERE id = 1",
	    -1, &s, NULL) != SQLITE_OK)
		return 75;
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return 75;
	if (forged && keep(argv[3], buf, len) != 0)
		return 75;
	if (forged && sqlite3_exec(db, "PRAGMA synchronous=NORMAL", NULL,
	    NULL, NULL) != SQLITE_OK)
		return 75;
	snprintf(mid, sizeof mid, "floor.%d.%lld@bench", (int)getpid(),
	    (long long)time(NULL));
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO messages (at, message_id, "
	    "outcome, reason) VALUES (0, ?, 'ignored', 'floor')", -1, &s,
	    NULL) != SQLITE_OK)
		return 75;
	sqlite3_bind_text(s, 1, mid, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return 75;
	if (!forged && keep(argv[3], buf, len) != 0)
		return 75;
	return sqlite3_close(db) == SQLITE_OK ? 0 : 75;
}
