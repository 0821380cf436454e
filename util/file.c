/* file.c: reading files and pipes whole, private directories, and Maildir
 * delivery (tmp, fsync, rename into new, fsync new) so that a message is
 * either wholly stored or not at all; and its group commit, where the
 * deliveries of a batch share their syncs. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

/*
 * Read fd to its end.  Past max bytes the rest is read and dropped (a pipe
 * must be drained: procmail and OpenSMTPD count an unread pipe as a
 * failure) and *truncated is set.
 */
int
fd_read_all(int fd, size_t max, char **data, size_t *len, bool *truncated,
    char **errstr)
{
	struct buf b;
	char chunk[65536];
	ssize_t r;

	buf_init(&b);
	if (truncated != NULL)
		*truncated = false;
	for (;;) {
		if ((r = read(fd, chunk, sizeof chunk)) < 0) {
			if (errno == EINTR)
				continue;
			buf_free(&b);
			return errorf(errstr, EX_TEMPFAIL, "cannot read the "
			    "input: %s", strerror(errno));
		}
		if (r == 0)
			break;
		if (b.len < max) {
			size_t take = (size_t)r;
			if (take > max - b.len)
				take = max - b.len;
			buf_add(&b, chunk, take);
			if (take < (size_t)r && truncated != NULL)
				*truncated = true;
		} else if (truncated != NULL)
			*truncated = true;
	}
	*len = b.len;
	*data = buf_take(&b);
	return 0;
}

int
file_read(const char *path, size_t max, char **data, size_t *len,
    char **errstr)
{
	struct stat st;
	bool trunc;
	int fd, rv;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errorf(errstr, EX_NOINPUT, "cannot open %s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return errorf(errstr, EX_NOINPUT, "%s is a directory, not a "
		    "file", path);
	}
	rv = fd_read_all(fd, max, data, len, &trunc, errstr);
	close(fd);
	if (rv == 0 && trunc) {
		freep(data);
		return errorf(errstr, EX_DATAERR, "%s is larger than %zu bytes",
		    path, max);
	}
	return rv;
}

int
dir_make(const char *path, char **errstr)
{
	char *p = xstrdup(path), *s;
	int rv = 0;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0700) != 0 && errno != EEXIST) {
				rv = errorf(errstr, errno == ENOSPC ?
				    EX_TEMPFAIL : EX_CONFIG,
				    "cannot create the directory %s: %s", p,
				    strerror(errno));
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return rv;
}

int
fsync_dir(const char *path)
{
	int fd, rv;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rv = fsync(fd);
	close(fd);
	return rv;
}

int
maildir_make(const char *dir, char **errstr)
{
	static const char *subs[] = { "tmp", "new", "cur" };
	size_t i;
	int rv;

	for (i = 0; i < nitems(subs); i++) {
		char *p = xprintf("%s/%s", dir, subs[i]);
		rv = dir_make(p, errstr);
		free(p);
		if (rv != 0)
			return rv;
	}
	return 0;
}

/* write(2) until done, through EINTR and short writes. */
int
fd_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * A Maildir file name no other delivery can take: time, pid, a counter,
 * random bits and the host, as maildir(5) asks.
 */
char *
maildir_unique_name(const char *suffix)
{
	static atomic_uint counter;	/* a batch's thread beside the main one */
	char host[HOST_NAME_MAX + 1], rnd[8], *r32, *name;

	if (gethostname(host, sizeof host) != 0)
		strcpy(host, "localhost");
	host[sizeof host - 1] = '\0';
	host[strcspn(host, "/:")] = '\0';
	if (random_bytes(rnd, sizeof rnd, NULL) != 0)
		memset(rnd, 0, sizeof rnd);
	r32 = base32_lower((uint8_t *)rnd, sizeof rnd);
	name = xprintf("%lld.P%dQ%u%s.%s%s", (long long)time(NULL),
	    (int)getpid(), atomic_fetch_add(&counter, 1), r32, host, suffix ? suffix : "");
	free(r32);
	return name;
}

/*
 * A group commit of deliveries (maildir_batch_begin .. _end): each file is
 * written to tmp/ and left unsynced; the end syncs their data at once
 * (syncfs(2) on each file system when there are many, else an fsync
 * each), only then renames them into new/, and syncs each new/ once.  A
 * Maildir's promise holds (a file in new/ is whole): nothing reaches new/
 * before its data is on disk.  One batch at a time in each thread.
 */
#define BATCH_SYNCFS	8	/* files from which one syncfs is cheaper */
#define BATCH_FDS	128	/* descriptors held open, the rest reopened */

struct maildir_pending {
	char	*tmp;
	char	*dst;
	char	*newdir;
	int	 fd;		/* open for its fsync, or -1 */
};

static _Thread_local struct {
	bool			 on;
	struct maildir_pending	*v;
	size_t			 n;
} maildir_batch;

void
maildir_batch_begin(void)
{
	maildir_batch_abort();
	maildir_batch.on = true;
}

bool
maildir_batch_active(void)
{
	return maildir_batch.on;
}

static void
maildir_batch_clear(bool unlink_tmp)
{
	size_t i;

	for (i = 0; i < maildir_batch.n; i++) {
		struct maildir_pending *p = &maildir_batch.v[i];
		if (p->fd >= 0)
			close(p->fd);
		if (unlink_tmp && p->tmp != NULL)
			unlink(p->tmp);
		free(p->tmp);
		free(p->dst);
		free(p->newdir);
	}
	free(maildir_batch.v);
	maildir_batch.v = NULL;
	maildir_batch.n = 0;
	maildir_batch.on = false;
}

/* Forget the batch: its files, still in tmp/, go. */
void
maildir_batch_abort(void)
{
	maildir_batch_clear(true);
}

/* True when path's new/ is in v[0..n) already. */
static bool
maildir_batch_seen(const struct maildir_pending *v, size_t n,
    const char *newdir)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].newdir, newdir) == 0)
			return true;
	return false;
}

/* One syncfs per file system the batch wrote to (told apart by new/'s
 * device), each new/ looked at once. */
static int
maildir_batch_syncfs(const char **what)
{
	struct maildir_pending *v = maildir_batch.v;
	dev_t *devs = xcalloc(maildir_batch.n, sizeof *devs);
	size_t i, ndev = 0, j;
	struct stat st;
	int fd, rv = 0;

	for (i = 0; i < maildir_batch.n && rv == 0; i++) {
		if (maildir_batch_seen(v, i, v[i].newdir))
			continue;
		*what = v[i].newdir;
		if ((fd = open(v[i].newdir, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) < 0 || fstat(fd, &st) != 0) {
			rv = -1;
			if (fd >= 0)
				close(fd);
			break;
		}
		for (j = 0; j < ndev && devs[j] != st.st_dev; j++)
			;
		if (j == ndev) {
			devs[ndev++] = st.st_dev;
			if (syncfs(fd) != 0)
				rv = -1;
		}
		close(fd);
	}
	free(devs);
	return rv;
}

/*
 * Make the batch durable: data, renames into new/, each new/ synced.  On
 * a failure none of its files stays (those renamed already are removed
 * again) and the status is EX_TEMPFAIL.
 */
int
maildir_batch_end(char **errstr)
{
	struct maildir_pending *v = maildir_batch.v;
	const char *what = NULL;
	size_t i, renamed = 0;
	int rv = 0, saved = 0, fd;

	if (!maildir_batch.on)
		return 0;
	if (maildir_batch.n >= BATCH_SYNCFS) {
		if (maildir_batch_syncfs(&what) != 0)
			saved = errno;
	} else {
		for (i = 0; i < maildir_batch.n && saved == 0; i++) {
			what = v[i].tmp;
			fd = v[i].fd >= 0 ? v[i].fd : open(v[i].tmp,
			    O_RDONLY | O_CLOEXEC);
			if (fd < 0 || fsync(fd) != 0)
				saved = errno;
			if (fd >= 0 && fd != v[i].fd)
				close(fd);
		}
	}
	for (i = 0; i < maildir_batch.n && saved == 0; i++) {
		if (v[i].fd >= 0 && close(v[i].fd) != 0)
			saved = errno;
		v[i].fd = -1;
	}
	for (i = 0; i < maildir_batch.n && saved == 0; i++, renamed++) {
		what = v[i].tmp;
		if (rename(v[i].tmp, v[i].dst) != 0)
			saved = errno;
		else
			freep(&v[i].tmp);
	}
	for (i = 0; i < maildir_batch.n && saved == 0; i++) {
		if (maildir_batch_seen(v, i, v[i].newdir))
			continue;
		what = v[i].newdir;
		if (fsync_dir(v[i].newdir) != 0)
			saved = errno;
	}
	if (saved != 0) {
		rv = errorf(errstr, EX_TEMPFAIL, "cannot write %s: %s",
		    what != NULL ? what : "a batch of files", strerror(saved));
		for (i = 0; i < renamed; i++)
			unlink(v[i].dst);
	}
	maildir_batch_clear(true);
	return rv;
}

int
maildir_deliver(const char *dir, const void *data, size_t len,
    const char *suffix, char **name, char **errstr)
{
	char *base, *tmp, *dst, *newdir;
	int fd = -1, rv = 0, saved;

	base = maildir_unique_name(suffix);
	tmp = xprintf("%s/tmp/%s", dir, base);
	dst = xprintf("%s/new/%s", dir, base);
	newdir = xprintf("%s/new", dir);
	/* The folders are made when missing, not looked at every time. */
	if (access(newdir, F_OK) != 0 && maildir_make(dir, errstr) != 0) {
		rv = EX_TEMPFAIL;
		goto out;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0 && errno == ENOENT) {
		if (maildir_make(dir, errstr) != 0) {
			rv = EX_TEMPFAIL;
			goto out;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	}

	if (maildir_batch.on) {
		struct maildir_pending *p;

		if (fd < 0 || fd_write_all(fd, data, len) != 0) {
			saved = errno;
			rv = errorf(errstr, EX_TEMPFAIL, "cannot write %s: %s",
			    tmp, strerror(saved));
			if (fd >= 0)
				unlink(tmp);
			goto out;
		}
		if (maildir_batch.n >= BATCH_FDS) {
			saved = close(fd) != 0 ? errno : 0;
			fd = -1;
			if (saved != 0) {
				unlink(tmp);
				rv = errorf(errstr, EX_TEMPFAIL, "cannot write "
				    "%s: %s", tmp, strerror(saved));
				goto out;
			}
		}
		maildir_batch.v = xreallocarray(maildir_batch.v,
		    maildir_batch.n + 1, sizeof *maildir_batch.v);
		p = &maildir_batch.v[maildir_batch.n++];
		p->tmp = tmp;
		p->dst = dst;
		p->newdir = newdir;
		p->fd = fd;
		tmp = dst = newdir = NULL;
		fd = -1;
		if (name != NULL)
			*name = xstrdup(base);
		goto out;
	}

	if (fd < 0 || fd_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		saved = errno;
		rv = errorf(errstr, EX_TEMPFAIL, "cannot write %s: %s", tmp,
		    strerror(saved));
		if (fd >= 0)
			unlink(tmp);
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		saved = errno;
		unlink(tmp);
		rv = errorf(errstr, EX_TEMPFAIL, "cannot write %s: %s", tmp,
		    strerror(saved));
		goto out;
	}
	fd = -1;
	if (rename(tmp, dst) != 0) {
		saved = errno;
		unlink(tmp);
		rv = errorf(errstr, EX_TEMPFAIL, "cannot move %s into new/: %s",
		    tmp, strerror(saved));
		goto out;
	}
	if (fsync_dir(newdir) != 0) {
		saved = errno;
		unlink(dst);
		rv = errorf(errstr, EX_TEMPFAIL, "cannot sync %s: %s", newdir,
		    strerror(saved));
		goto out;
	}
	if (name != NULL)
		*name = xstrdup(base);
out:
	if (fd >= 0)
		close(fd);
	free(base);
	free(tmp);
	free(dst);
	free(newdir);
	return rv;
}

/* The path of a message by its base name, in new/ or cur/ (with flags). */
char *
maildir_find(const char *dir, const char *name)
{
	static const char *subs[] = { "new", "cur" };
	struct dirent *de;
	size_t i, n = strlen(name);
	DIR *d;
	char *p;

	for (i = 0; i < nitems(subs); i++) {
		p = xprintf("%s/%s/%s", dir, subs[i], name);
		if (access(p, F_OK) == 0)
			return p;
		free(p);
		p = xprintf("%s/%s", dir, subs[i]);
		d = opendir(p);
		free(p);
		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, name, n) == 0 &&
			    de->d_name[n] == ':') {
				p = xprintf("%s/%s/%s", dir, subs[i], de->d_name);
				closedir(d);
				return p;
			}
		}
		closedir(d);
	}
	return NULL;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The file names in dir/sub, sorted (oldest first, as names start with time). */
int
maildir_list(const char *dir, const char *sub, char ***names, size_t *np)
{
	struct dirent *de;
	char **v = NULL, *p;
	size_t n = 0;
	DIR *d;

	p = xprintf("%s/%s", dir, sub);
	d = opendir(p);
	free(p);
	*names = NULL;
	*np = 0;
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof *v, name_cmp);
	*names = v;
	*np = n;
	return 0;
}

char *
file_beside_exe(const char *rel)
{
	char exe[PATH_MAX], *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return NULL;
	*slash = '\0';
	return xprintf("%s/%s", exe, rel);
}
