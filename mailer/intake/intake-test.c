/* intake-test.c: after a merge is committed, the credentials test runs in
 * a worker of its own (setuplink draft test --merged), detached from the
 * MTA's pipes, so procmail, fetchmail or the MTA wait for a fork and no
 * more; the worker decides whether the draft is complete enough. */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "util/util.h"
#include "mailer/intake/private.h"

void
intake_test_spawn(struct intake *in, const struct intake_decision *d)
{
	char self[PATH_MAX], draft[32], link[32];
	ssize_t n;
	pid_t pid;
	int fd, st;

	if (d->outcome != OUTCOME_ACCEPTED || !in->cfg->test_on_merge ||
	    in->opts.dry_run || d->draft == 0 || d->link == 0)
		return;
	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) <= 0) {
		log_warn("test_on_merge: cannot find the setuplink binary");
		return;
	}
	self[n] = '\0';
	snprintf(draft, sizeof draft, "%lld", (long long)d->draft);
	snprintf(link, sizeof link, "%lld", (long long)d->link);
	if ((pid = fork()) < 0) {
		log_warn("test_on_merge: cannot start the test");
		return;
	}
	if (pid == 0) {
		/* A grandchild in a session of its own, holding none of the
		 * MTA's pipes: nobody waits for it. */
		setsid();
		if (fork() != 0)
			_exit(0);
		if ((fd = open("/dev/null", O_RDWR)) >= 0) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		close_range(3, ~0U, 0);
		execl(self, "setuplink", "--home", in->home->dir, "draft",
		    "test", draft, "--merged", link, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}
