/* floor-batch.c: the least a --maildir pass can cost per message, for
 * bench/intake.sh to set the intake's batch throughput beside.  Not part
 * of setuplink: a yardstick.
 *
 *   floor-batch keep SRC DST   every message in SRC/new is read, written
 *                              to DST/tmp/ and renamed into DST/new/ (the
 *                              quarantine copy forged mail gets), then
 *                              moved to SRC/cur/NAME:2,S
 *   floor-batch drop SRC DST   the same file written into DST (as an
 *                              accepted reply's receipt goes to outbox/),
 *                              and the message removed from SRC/new
 *
 * Batches of 64 share their syncs, as the intake's do: one syncfs for the
 * copies, one fsync of each directory whose names changed.  No parsing,
 * no judging, no database. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH	64

static char buf[1 << 20];

static int
dirsync(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rv;

	if (fd < 0)
		return -1;
	rv = fsync(fd);
	close(fd);
	return rv;
}

static int
slurp(const char *path, size_t *len)
{
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	*len = 0;
	while ((r = read(fd, buf + *len, sizeof buf - *len)) > 0)
		*len += (size_t)r;
	close(fd);
	return r < 0 ? -1 : 0;
}

static int
visible(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

int
main(int argc, char **argv)
{
	char path[8192], to[8192], dir[4096];
	struct dirent **names;
	size_t len;
	int keep, fd, dfd, n, i, j, b;

	if (argc != 4 || ((keep = strcmp(argv[1], "keep") == 0) == 0 &&
	    strcmp(argv[1], "drop") != 0)) {
		fprintf(stderr, "usage: floor-batch keep|drop SRC DST\n");
		return 64;
	}
	snprintf(dir, sizeof dir, "%s/new", argv[2]);
	if ((n = scandir(dir, &names, visible, NULL)) < 0)
		return 66;
	if ((dfd = open(argv[3], O_RDONLY | O_DIRECTORY)) < 0)
		return 73;
	for (b = 0; b < n; b += BATCH) {
		for (i = b; i < n && i < b + BATCH; i++) {
			snprintf(path, sizeof path, "%s/%s", dir,
			    names[i]->d_name);
			if (slurp(path, &len) != 0)
				return 74;
			snprintf(path, sizeof path, "%s/tmp/%s", argv[3],
			    names[i]->d_name);
			snprintf(to, sizeof to, "%s/new/%s", argv[3],
			    names[i]->d_name);
			if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL |
			    O_CLOEXEC, 0600)) < 0 ||
			    write(fd, buf, len) != (ssize_t)len ||
			    close(fd) != 0 || rename(path, to) != 0)
				return 73;
		}
		if (syncfs(dfd) != 0)
			return 74;
		for (j = b; j < i; j++) {
			snprintf(path, sizeof path, "%s/%s", dir,
			    names[j]->d_name);
			snprintf(to, sizeof to, "%s/cur/%s:2,S", argv[2],
			    names[j]->d_name);
			if (keep ? rename(path, to) : unlink(path))
				return 73;
		}
		snprintf(to, sizeof to, "%s/cur", argv[2]);
		if (dirsync(dir) != 0 || (keep && dirsync(to) != 0))
			return 74;
	}
	return 0;
}
