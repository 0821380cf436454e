/* guard.c: keeping secrets in the process: no core dumps, and windows in
 * which a signal waits until what must be cleaned up is gone. */
#include <sys/prctl.h>
#include <sys/resource.h>

#include <signal.h>
#include <string.h>

#include "util/util.h"

/*
 * No core file, and no ptrace or /proc/PID/mem for other processes of the
 * same user: a core of the intake or of an admin command can hold another
 * message's password, a decrypted reply or the vault key.
 */
void
secrets_guard(void)
{
	struct rlimit rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		log_warn("cannot turn core dumps off");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		log_warn("cannot mark the process not dumpable");
}

static const int sig_guarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static volatile sig_atomic_t sig_pending;

static void
sig_guard_note(int sig)
{
	if (sig_pending == 0)
		sig_pending = sig;
}

/*
 * From here to sig_guard_end(), SIGINT, SIGTERM, SIGHUP and SIGQUIT are
 * noted rather than acted on (those the process ignores stay ignored).  Handlers, unlike a blocked mask, are not
 * passed on to the programs started meanwhile (gpg, gpg-agent), so those
 * still stop as they should.
 */
void
sig_guard_begin(struct sig_guard *g)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = sig_guard_note;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sig_pending = 0;
	for (i = 0; i < nitems(sig_guarded); i++) {
		sigaction(sig_guarded[i], NULL, &g->old[i]);
		/* What the caller ignores (a background job's SIGINT) it
		 * keeps ignoring. */
		if (g->old[i].sa_handler != SIG_IGN)
			sigaction(sig_guarded[i], &sa, NULL);
	}
}

/* The old handlers back; a signal noted meanwhile is raised again now. */
void
sig_guard_end(struct sig_guard *g)
{
	int sig = sig_pending;
	size_t i;

	for (i = 0; i < nitems(sig_guarded); i++)
		sigaction(sig_guarded[i], &g->old[i], NULL);
	sig_pending = 0;
	if (sig != 0)
		raise(sig);
}
