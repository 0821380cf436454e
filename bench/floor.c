/* floor.c: the least a local delivery can cost, for bench/intake.sh to
 * set the intake beside: read standard input whole, write it to
 * DIR/tmp/, one fsync, rename into DIR/new/ (what procmail does with a
 * Maildir, without its rc file, locking or header work).  Not part of
 * setuplink: a yardstick.  Usage: floor DIR [SYNCS] <message.  SYNCS 2
 * also syncs DIR/new (a name that survives a crash, as the intake's kept
 * copy must), 3 also appends a record to DIR/log and syncs it (as the
 * intake's commit does): the least the intake's durability can cost. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	static char buf[1 << 16];
	char tmp[4096], dst[4096];
	ssize_t r;
	int fd, syncs = argc > 2 ? atoi(argv[2]) : 1;

	if (argc < 2 || argc > 3 || syncs < 1 || syncs > 3) {
		fprintf(stderr, "usage: floor DIR [SYNCS] <message\n");
		return 64;
	}
	snprintf(tmp, sizeof tmp, "%s/tmp/%lld.P%d.floor", argv[1],
	    (long long)time(NULL), (int)getpid());
	snprintf(dst, sizeof dst, "%s/new/%lld.P%d.floor", argv[1],
	    (long long)time(NULL), (int)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return 75;
	while ((r = read(STDIN_FILENO, buf, sizeof buf)) > 0)
		if (write(fd, buf, (size_t)r) != r)
			return 75;
	if (r < 0 || fsync(fd) != 0 || close(fd) != 0 || rename(tmp, dst) != 0)
		return 75;
	if (syncs >= 2) {
		snprintf(tmp, sizeof tmp, "%s/new", argv[1]);
		if ((fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
		    fsync(fd) != 0 || close(fd) != 0)
			return 75;
	}
	if (syncs >= 3) {
		snprintf(tmp, sizeof tmp, "%s/log", argv[1]);
		if ((fd = open(tmp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		    0600)) < 0 || write(fd, dst, strlen(dst)) < 0 ||
		    fdatasync(fd) != 0 || close(fd) != 0)
			return 75;
	}
	return 0;
}
