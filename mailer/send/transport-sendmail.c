/* transport-sendmail.c: the sendmail[:PATH] transport, which hands each
 * message to a sendmail-compatible program on its standard input. */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"
#include "mailer/send/private.h"

#define SENDMAIL_DEFAULT "/usr/sbin/sendmail"

extern char **environ;

static int
transport_sendmail_check(const char *arg, char **errstr)
{
	if (arg == NULL)
		return 0;
	if (*arg != '/' || str_has_ctl(arg))
		return errorf(errstr, EX_USAGE, "sendmail:PATH takes the "
		    "program's absolute path, like sendmail:%s",
		    SENDMAIL_DEFAULT);
	return 0;
}

static const char *
transport_sendmail_exit_name(int code)
{
	static const char *names[] = { "EX_USAGE", "EX_DATAERR",
	    "EX_NOINPUT", "EX_NOUSER", "EX_NOHOST", "EX_UNAVAILABLE",
	    "EX_SOFTWARE", "EX_OSERR", "EX_OSFILE", "EX_CANTCREAT",
	    "EX_IOERR", "EX_TEMPFAIL", "EX_PROTOCOL", "EX_NOPERM",
	    "EX_CONFIG" };

	if (code >= EX__BASE && code <= EX__MAX)
		return names[code - EX__BASE];
	return NULL;
}

/*
 * A sendmail program says "for good" with the sysexits codes that name
 * the message or its addresses (65-69, 76, 77).  Anything else, from a
 * crash to an unknown status, may pass: the message waits for another try.
 */
static bool
transport_sendmail_permanent(int code)
{
	return (code >= EX_DATAERR && code <= EX_UNAVAILABLE) ||
	    code == EX_PROTOCOL || code == EX_NOPERM;
}

/*
 * PATH -i -f ENV_FROM -- RCPT..., the message on its standard input; no
 * shell sees any of it.  The program's standard output goes to our
 * standard error, since ours may carry a command's result.
 */
static int
transport_sendmail_send(const struct config *cfg, const struct home *home,
    const char *arg, const struct transport_msg *m, char **errstr)
{
	const char *path = arg != NULL ? arg : SENDMAIL_DEFAULT;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	struct sigaction ign, old;
	sigset_t def;
	char **argv;
	const char *name;
	size_t i, k = 0;
	pid_t pid, w;
	int p[2] = { -1, -1 }, status, rc, rv = 0, werr = 0, code;

	argv = xcalloc(m->nrcpts + 6, sizeof *argv);
	argv[k++] = (char *)path;
	argv[k++] = (char *)"-i";
	argv[k++] = (char *)"-f";
	argv[k++] = (char *)(*m->env_from != '\0' ? m->env_from : "<>");
	argv[k++] = (char *)"--";
	for (i = 0; i < m->nrcpts; i++)
		argv[k++] = (char *)m->rcpts[i];
	argv[k] = NULL;

	if (pipe2(p, O_CLOEXEC) != 0) {
		rv = errorf(errstr, EX_TEMPFAIL, "cannot make a pipe to the "
		    "sendmail program %s: %s", path, strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
	posix_spawnattr_init(&attr);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(&pid, path, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(p[0]);
	p[0] = -1;
	if (rc != 0) {
		rv = errorf(errstr, EX_TEMPFAIL, "cannot run the sendmail "
		    "program %s: %s", path, strerror(rc));
		goto out;
	}

	/* A program that exits early must not kill us with SIGPIPE. */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
	if (fd_write_all(p[1], m->data, m->len) != 0)
		werr = errno;
	close(p[1]);
	p[1] = -1;
	sigaction(SIGPIPE, &old, NULL);

	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (w < 0) {
		rv = errorf(errstr, EX_TEMPFAIL, "cannot wait for the sendmail "
		    "program %s: %s", path, strerror(errno));
		goto out;
	}
	if (WIFSIGNALED(status)) {
		rv = errorf(errstr, EX_TEMPFAIL, "the sendmail program %s was "
		    "killed by signal %d (%s): the message was not sent", path,
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
		goto out;
	}
	code = WIFEXITED(status) ? WEXITSTATUS(status) : EX_SOFTWARE;
	name = transport_sendmail_exit_name(code);
	if (code == 0 && werr != 0)
		rv = errorf(errstr, EX_TEMPFAIL, "the sendmail program %s "
		    "exited 0 without reading the whole message (%s): it may "
		    "not have been sent", path, strerror(werr));
	else if (code == 0)
		rv = 0;
	else if (transport_sendmail_permanent(code))
		rv = errorf(errstr, EX_UNAVAILABLE, "the sendmail program %s "
		    "refused the message for good (exit status %d, %s)", path,
		    code, name);
	else
		rv = errorf(errstr, EX_TEMPFAIL, "the sendmail program %s "
		    "failed with exit status %d%s%s%s: the message was not "
		    "sent; try again later", path, code, name ? " (" : "",
		    name ? name : "", name ? ")" : "");
out:
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	free(argv);
	return rv;
}

const struct transport_backend transport_sendmail_backend = {
	"sendmail", ":", false, transport_sendmail_check,
	transport_sendmail_send
};
