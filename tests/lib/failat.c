/* failat.c: an LD_PRELOAD shim for fault tests.  It counts the calls that
 * make a message durable (open, write, fsync, syncfs, rename and their
 * kin) and fails call number FAILAT_N with errno FAILAT_ERRNO (EIO or ENOSPC);
 * FAILAT_COUNT names a file that gets the number of calls at exit, so a
 * test can first count a clean run's calls and then fail each in turn. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static long calls, fail_at = -1;
static int fail_errno = EIO;

static void __attribute__((constructor))
failat_init(void)
{
	const char *s;

	if ((s = getenv("FAILAT_N")) != NULL)
		fail_at = atol(s);
	if ((s = getenv("FAILAT_ERRNO")) != NULL)
		fail_errno = strcmp(s, "ENOSPC") == 0 ? ENOSPC : EIO;
}

static void __attribute__((destructor))
failat_done(void)
{
	const char *s = getenv("FAILAT_COUNT");
	FILE *f;

	if (s != NULL && (f = fopen(s, "w")) != NULL) {
		fprintf(f, "%ld\n", calls);
		fclose(f);
	}
}

/* True when this call is the one to fail. */
static int
failat_now(void)
{
	if (++calls == fail_at) {
		errno = fail_errno;
		return 1;
	}
	return 0;
}

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef int (*fd_fn)(int);
typedef int (*rename_fn)(const char *, const char *);

#define REAL(name, type) \
	static type real; \
	if (real == NULL) \
		real = (type)dlsym(RTLD_NEXT, name)

int
open(const char *path, int flags, ...)
{
	REAL("open", open_fn);
	va_list ap;
	mode_t mode = 0;

	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = (mode_t)va_arg(ap, int);
	va_end(ap);
	if (failat_now())
		return -1;
	return real(path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	REAL("open64", open_fn);
	va_list ap;
	mode_t mode = 0;

	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = (mode_t)va_arg(ap, int);
	va_end(ap);
	if (failat_now())
		return -1;
	return real(path, flags, mode);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	REAL("openat", openat_fn);
	va_list ap;
	mode_t mode = 0;

	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = (mode_t)va_arg(ap, int);
	va_end(ap);
	if (failat_now())
		return -1;
	return real(dirfd, path, flags, mode);
}

ssize_t
write(int fd, const void *p, size_t n)
{
	REAL("write", write_fn);
	return failat_now() ? -1 : real(fd, p, n);
}

ssize_t
pwrite64(int fd, const void *p, size_t n, off_t off)
{
	REAL("pwrite64", pwrite_fn);
	return failat_now() ? -1 : real(fd, p, n, off);
}

ssize_t
pwrite(int fd, const void *p, size_t n, off_t off)
{
	REAL("pwrite", pwrite_fn);
	return failat_now() ? -1 : real(fd, p, n, off);
}

int
fsync(int fd)
{
	REAL("fsync", fd_fn);
	return failat_now() ? -1 : real(fd);
}

int
fdatasync(int fd)
{
	REAL("fdatasync", fd_fn);
	return failat_now() ? -1 : real(fd);
}

int
rename(const char *a, const char *b)
{
	REAL("rename", rename_fn);
	return failat_now() ? -1 : real(a, b);
}

int
syncfs(int fd)
{
	REAL("syncfs", fd_fn);
	return failat_now() ? -1 : real(fd);
}
