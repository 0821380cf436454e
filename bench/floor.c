/* floor.c: the least a local delivery can cost, for bench/intake.sh to
 * set the intake beside: read standard input whole, write it to
 * DIR/tmp/, one fsync, rename into DIR/new/ (what procmail does with a
 * Maildir, without its rc file, locking or header work).  Not part of
 * setuplink: a yardstick.  Usage: floor DIR <message */
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
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: floor DIR <message\n");
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
	return 0;
}
