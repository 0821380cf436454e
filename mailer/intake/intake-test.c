/* intake-test.c: after a merge is committed and answered, the credentials
 * test runs in a worker of its own (setuplink draft test --merged), in a
 * session of its own and holding none of the MTA's pipes.  From a pipe the
 * worker is only noted here and started by intake_test_launch once the
 * process has closed its store and has nothing left but to exit, so the
 * MTA waits for one fork and no more; the worker decides whether
 * the draft is complete enough to test. */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/util.h"
#include "mailer/intake/private.h"

extern char **environ;

/*
 * The tests a message from a pipe asked for, started on the way out.
 * A process holds one intake at a time; this outlives it, and the store,
 * on purpose.
 */
struct intake_test_wanted {
	char	*home;
	int64_t	 draft;
	int64_t	 link;
};
static struct intake_test_wanted	*intake_tests;
static size_t				 intake_ntests;

/* Reap the workers that have exited, by pid: never another child. */
static void
intake_test_reap(struct intake *in)
{
	size_t i = 0;
	int st;

	while (i < in->nworkers) {
		if (waitpid(in->workers[i], &st, WNOHANG) == 0) {
			i++;
			continue;
		}
		in->workers[i] = in->workers[--in->nworkers];
	}
}

/*
 * posix_spawn rather than fork: the parent goes on once the worker has
 * exec'd, with /dev/null already in place of the MTA's pipes, so the MTA
 * never waits for a child to be scheduled to let go of them.
 */
static int
intake_test_exec(const char *self, char *const argv[], pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	int rv;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
	    O_RDWR, 0);
	posix_spawn_file_actions_adddup2(&fa, STDIN_FILENO, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, STDIN_FILENO, STDERR_FILENO);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGHUP);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rv = posix_spawn(pid, self, &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rv;
}

/* Start one worker; 0 with its pid, or -1 (logged). */
static int
intake_test_start(const char *homedir, int64_t d, int64_t l, pid_t *pid)
{
	char self[PATH_MAX], draft[32], link[32], home[PATH_MAX];
	char *argv[] = { "setuplink", "--home", home, "draft", "test", draft,
	    "--merged", link, NULL };
	ssize_t n;
	int rv;

	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) <= 0) {
		log_warn("test_on_merge: cannot find the setuplink binary");
		return -1;
	}
	self[n] = '\0';
	snprintf(home, sizeof home, "%s", homedir);
	snprintf(draft, sizeof draft, "%lld", (long long)d);
	snprintf(link, sizeof link, "%lld", (long long)l);
	if ((rv = intake_test_exec(self, argv, pid)) != 0) {
		errno = rv;
		log_warn("test_on_merge: cannot start the test of draft %s",
		    draft);
		return -1;
	}
	return 0;
}

/*
 * A batch (--maildir, --watch) or a retry starts its workers as it goes:
 * no MTA waits on it, and a watcher or the TUI may not exit for long.  A
 * message from a pipe only notes the test: the worker's start (and its own start-up's claim on
 * the CPU and the database) must not sit between the commit and the
 * exit the MTA waits for.
 */
void
intake_test_spawn(struct intake *in, const struct intake_decision *d)
{
	struct intake_test_wanted *w;
	pid_t pid;

	if (d->outcome != OUTCOME_ACCEPTED || !in->cfg->test_on_merge ||
	    in->opts.dry_run || d->draft == 0 || d->link == 0)
		return;
	if (in->from_pipe) {
		intake_tests = xreallocarray(intake_tests, intake_ntests + 1,
		    sizeof *intake_tests);
		w = &intake_tests[intake_ntests++];
		w->home = xstrdup(in->home->dir);
		w->draft = d->draft;
		w->link = d->link;
		return;
	}
	intake_test_reap(in);
	if (intake_test_start(in->home->dir, d->draft, d->link, &pid) != 0)
		return;
	/* Not waited for: reaped by a later spawn (the --watch loop) or,
	 * once the intake exits, by init. */
	in->workers = xreallocarray(in->workers, in->nworkers + 1,
	    sizeof *in->workers);
	in->workers[in->nworkers++] = pid;
}

/*
 * The last thing the process does: the store is closed and what it had
 * to print is printed.  The MTA waits for our exit and for its pipes to
 * close, and for nothing else: this process gives its standard
 * descriptors up to /dev/null, forks (no exec to wait for, as a vfork
 * would) and leaves.  The child, in a session of its own, holds none of
 * the MTA's pipes from its first instruction, waits until this process
 * has exited (its end of a pipe closes), so that the worker's start-up
 * takes no CPU from our exit, and only then starts the workers, with
 * nothing but /dev/null open.  Nobody waits for it: init reaps it.
 */
void
intake_test_launch(void)
{
	char self[PATH_MAX], **argv = NULL;
	sigset_t none;
	ssize_t n;
	size_t i, k;
	pid_t pid;
	int p[2], fd, rv;
	char c;

	if (intake_ntests == 0)
		return;
	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) <= 0) {
		log_warn("test_on_merge: cannot find the setuplink binary");
		goto out;
	}
	self[n] = '\0';
	/* Everything the child needs, made before the fork. */
	argv = xcalloc(intake_ntests * 9, sizeof *argv);
	for (i = 0; i < intake_ntests; i++) {
		char **a = argv + 9 * i;
		a[0] = xstrdup("setuplink");
		a[1] = xstrdup("--home");
		a[2] = xstrdup(intake_tests[i].home);
		a[3] = xstrdup("draft");
		a[4] = xstrdup("test");
		a[5] = xprintf("%lld", (long long)intake_tests[i].draft);
		a[6] = xstrdup("--merged");
		a[7] = xprintf("%lld", (long long)intake_tests[i].link);
	}
	sigemptyset(&none);
	fflush(NULL);
	if (pipe2(p, O_CLOEXEC) != 0) {
		log_warn("test_on_merge: cannot start the test");
		goto out;
	}
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 ||
	    dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
	    dup2(fd, STDERR_FILENO) < 0) {
		log_warn("test_on_merge: cannot start the test");
		if (fd >= 0)
			close(fd);
		close(p[0]);
		close(p[1]);
		goto out;
	}
	if (fd > STDERR_FILENO)
		close(fd);
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		goto out;
	}
	if (pid == 0) {
		close(p[1]);
		setsid();
		while ((rv = (int)read(p[0], &c, 1)) != 0 &&
		    (rv > 0 || errno == EINTR))
			;
		close_range(3, ~0U, 0);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (k = 0; k + 1 < intake_ntests; k++)
			posix_spawn(&pid, self, NULL, NULL, argv + 9 * k,
			    environ);
		execve(self, argv + 9 * k, environ);
		_exit(127);
	}
	/* Ours stays open until we exit: that is the child's signal. */
	close(p[0]);
out:
	for (i = 0; argv != NULL && i < intake_ntests * 9; i++)
		free(argv[i]);
	free(argv);
	for (i = 0; i < intake_ntests; i++)
		free(intake_tests[i].home);
	free(intake_tests);
	intake_tests = NULL;
	intake_ntests = 0;
}
