/* intake-test.c: after a merge is committed and answered, the credentials
 * test runs in a worker of its own (setuplink draft test --merged), in a
 * session of its own and holding none of the MTA's pipes; the worker
 * decides whether the draft is complete enough to test.
 *
 * The MTA must not wait for it: SPEC allows "a few milliseconds", issue
 * #12's bench wants under one.  posix_spawn makes this process wait for
 * the worker's exec, and the worker's start then competes with the rest
 * of this run; a fork makes every page this process writes afterwards a
 * copy.  So the worker is a clone sharing this process's memory (as
 * posix_spawn's own child does) on a stack of its own, that parks at
 * once on a pipe whose write end only this process holds, and execs when
 * that end closes: when this process exits (the MDA), or when a --maildir
 * batch is done (intake_spawn_release).  The MTA waits for one clone(2).
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"
#include "mailer/intake/private.h"

extern char **environ;

#define PARK_ARGS	12
#define PARK_SIZE	(64 * 1024)	/* what the worker reads, then its
					   stack */

/* Everything the parked worker reads, in memory this process never
 * frees while the worker may still read it. */
struct park {
	char	 self[PATH_MAX];
	char	*argv[PARK_ARGS + 1];
	char	 strs[2048];
	int	 gate;
};

/* Reap the workers that have exited, by pid: never another child, and
 * unmap what each one read before its exec. */
static void
intake_test_reap(struct intake *in)
{
	size_t i = 0;
	int st;

	while (i < in->nworkers) {
		if (waitpid(in->workers[i].pid, &st, WNOHANG) == 0) {
			i++;
			continue;
		}
		munmap(in->workers[i].park, PARK_SIZE);
		in->workers[i] = in->workers[--in->nworkers];
	}
}

/*
 * The worker until its exec.  It shares this process's memory and its
 * thread's TLS: it calls nothing that writes memory but its own stack
 * (no allocation, no stdio), keeps every signal blocked until the exec,
 * and puts its own dispositions back to the default first (without
 * CLONE_SIGHAND they are its own).  Not instrumented: the sanitizers'
 * per-thread state is this process's thread's.
 */
__attribute__((no_sanitize("address", "undefined")))
static int
intake_parked(void *arg)
{
	struct park *p = arg;
	struct sigaction sa;
	sigset_t none;
	char c;
	int fd, sig;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL);
	if ((p->gate != 3 && dup2(p->gate, 3) < 0) ||
	    (fd = open("/dev/null", O_RDWR)) < 0 || dup2(fd, STDIN_FILENO) < 0 ||
	    dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
		_exit(127);
	close_range(4, ~0U, 0);
	(void)setsid();
	while (read(3, &c, 1) > 0)
		;
	close(3);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(p->self, p->argv, environ);
	_exit(127);
}

/* Let the parked workers go: they exec once the last write end closes. */
void
intake_spawn_release(struct intake *in)
{
	size_t i;

	for (i = 0; i < in->ngates; i++)
		close(in->gates[i]);
	in->ngates = 0;
}

/* argv into p, whole, or false. */
static bool
intake_park_args(struct park *p, char *const argv[])
{
	size_t i, len, off = 0;

	for (i = 0; argv[i] != NULL; i++) {
		len = strlen(argv[i]) + 1;
		if (i == PARK_ARGS || len > sizeof p->strs - off)
			return false;
		memcpy(p->strs + off, argv[i], len);
		p->argv[i] = p->strs + off;
		off += len;
	}
	p->argv[i] = NULL;
	return true;
}

void
intake_spawn_self(struct intake *in, char *const argv[], const char *what)
{
	struct park *p;
	sigset_t all, old;
	ssize_t n;
	pid_t pid;
	int gate[2], err;

	intake_test_reap(in);
	p = mmap(NULL, PARK_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (p == MAP_FAILED) {
		log_warn("cannot start %s", what);
		return;
	}
	if ((n = readlink("/proc/self/exe", p->self, sizeof p->self - 1)) <= 0) {
		log_warn("%s: cannot find the setuplink binary", what);
		munmap(p, PARK_SIZE);
		return;
	}
	p->self[n] = '\0';
	if (!intake_park_args(p, argv)) {
		log_warnx("cannot start %s: its arguments are too long", what);
		munmap(p, PARK_SIZE);
		return;
	}
	if (pipe2(gate, O_CLOEXEC) != 0) {
		log_warn("cannot start %s", what);
		munmap(p, PARK_SIZE);
		return;
	}
	p->gate = gate[0];
	/* No handler of ours may run on the worker's side. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = clone(intake_parked, (char *)p + PARK_SIZE, CLONE_VM | SIGCHLD, p);
	err = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(gate[0]);
	if (pid == -1) {
		errno = err;
		log_warn("cannot start %s", what);
		close(gate[1]);
		munmap(p, PARK_SIZE);
		return;
	}
	in->gates = xreallocarray(in->gates, in->ngates + 1,
	    sizeof *in->gates);
	in->gates[in->ngates++] = gate[1];
	/* Not waited for: reaped by a later spawn (the --watch loop) or,
	 * once the intake exits, by init. */
	in->workers = xreallocarray(in->workers, in->nworkers + 1,
	    sizeof *in->workers);
	in->workers[in->nworkers].pid = pid;
	in->workers[in->nworkers++].park = p;
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
