/* intake-test.c: after a merge is committed and answered, the credentials
 * test runs in a worker of its own (setuplink draft test --merged), in a
 * session of its own and holding none of the MTA's pipes, so procmail,
 * fetchmail or the MTA wait for a posix_spawn and no more; the worker
 * decides whether the draft is complete enough to test. */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <unistd.h>

#include "util/util.h"
#include "mailer/intake/private.h"

extern char **environ;

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

void
intake_spawn_self(struct intake *in, char *const argv[], const char *what)
{
	char self[PATH_MAX];
	ssize_t n;
	pid_t pid;
	int rv;

	intake_test_reap(in);
	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) <= 0) {
		log_warn("%s: cannot find the setuplink binary", what);
		return;
	}
	self[n] = '\0';
	if ((rv = intake_test_exec(self, argv, &pid)) != 0) {
		errno = rv;
		log_warn("cannot start %s", what);
		return;
	}
	/* Not waited for: reaped by a later spawn (the --watch loop) or,
	 * once the intake exits, by init. */
	in->workers = xreallocarray(in->workers, in->nworkers + 1,
	    sizeof *in->workers);
	in->workers[in->nworkers++] = pid;
}

void
intake_test_spawn(struct intake *in, const struct intake_decision *d)
{
	char draft[32], link[32], home[PATH_MAX], what[96];
	char *argv[] = { "setuplink", "--home", home, "draft", "test", draft,
	    "--merged", link, NULL };

	if (d->outcome != OUTCOME_ACCEPTED || d->signin != 0 ||
	    !in->cfg->test_on_merge ||
	    in->opts.dry_run || d->draft == 0 || d->link == 0)
		return;
	snprintf(home, sizeof home, "%s", in->home->dir);
	snprintf(draft, sizeof draft, "%lld", (long long)d->draft);
	snprintf(link, sizeof link, "%lld", (long long)d->link);
	snprintf(what, sizeof what, "test_on_merge: the test of draft %s",
	    draft);
	intake_spawn_self(in, argv, what);
}
