/* replay_main.c: a main() for the fuzz targets without libFuzzer, so that
 * make check replays the corpora and the regressions with the normal cc.
 *
 *	replay [-t SECONDS] FILE|DIR...
 *
 * Every regular file (directories are walked, in name order) is read and
 * given to LLVMFuzzerTestOneInput in a child process of its own, in an
 * allocation of its exact size (so that AddressSanitizer sees a read past
 * its end), with a deadline (default 20 s).  A child that dies of a signal,
 * exits non-zero or runs past the deadline is a failure, named on stderr.
 * Prints "N inputs, F failed" and exits 1 when F > 0. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***) __attribute__((weak));

static unsigned	 timeout_s = 20;
static size_t	 ninputs, nfailed;

static int
replay_read(const char *path, uint8_t **data, size_t *len)
{
	struct stat sb;
	FILE *f;
	size_t n;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	if (fstat(fileno(f), &sb) != 0 || sb.st_size < 0) {
		fclose(f);
		return -1;
	}
	n = (size_t)sb.st_size;
	/* malloc(0) may give NULL: one byte more, never read. */
	if ((*data = malloc(n > 0 ? n : 1)) == NULL ||
	    fread(*data, 1, n, f) != n) {
		free(*data);
		fclose(f);
		return -1;
	}
	fclose(f);
	*len = n;
	return 0;
}

static void
replay_file(const char *path)
{
	uint8_t *data;
	size_t len;
	pid_t pid;
	int status;

	ninputs++;
	fflush(NULL);
	if ((pid = fork()) < 0) {
		fprintf(stderr, "replay: fork: %s\n", strerror(errno));
		exit(2);
	}
	if (pid == 0) {
		alarm(timeout_s);
		if (replay_read(path, &data, &len) != 0) {
			fprintf(stderr, "replay: cannot read %s\n", path);
			_exit(2);
		}
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "replay: waitpid: %s\n", strerror(errno));
			exit(2);
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	nfailed++;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		fprintf(stderr, "FAILED %s: still running after %u s\n", path,
		    timeout_s);
	else if (WIFSIGNALED(status))
		fprintf(stderr, "FAILED %s: signal %d\n", path, WTERMSIG(status));
	else
		fprintf(stderr, "FAILED %s: exit %d\n", path, WEXITSTATUS(status));
}

static int
replay_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
replay_path(const char *path)
{
	struct dirent *e;
	struct stat sb;
	char **names = NULL, **nn, *p;
	size_t n = 0, i;
	DIR *d;

	if (stat(path, &sb) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	if (!S_ISDIR(sb.st_mode)) {
		if (S_ISREG(sb.st_mode))
			replay_file(path);
		return;
	}
	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if ((nn = realloc(names, (n + 1) * sizeof *names)) == NULL ||
		    (p = malloc(strlen(path) + strlen(e->d_name) + 2)) == NULL) {
			fprintf(stderr, "replay: out of memory\n");
			exit(2);
		}
		names = nn;
		sprintf(p, "%s/%s", path, e->d_name);
		names[n++] = p;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, replay_cmp);
	for (i = 0; i < n; i++) {
		replay_path(names[i]);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "t:")) != -1) {
		switch (c) {
		case 't':
			timeout_s = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: replay [-t SECONDS] FILE|DIR...\n");
			return 2;
		}
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (; optind < argc; optind++)
		replay_path(argv[optind]);
	printf("%zu inputs, %zu failed\n", ninputs, nfailed);
	return nfailed > 0 ? 1 : 0;
}
