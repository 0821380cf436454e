/* transport.c: how mail leaves.  A transport spec names a backend by its
 * scheme (maildir, sendmail[:PATH], smtp://, smtps://); each is a file. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"
#include "mailer/send/private.h"

static const struct transport_backend *transport_backends[] = {
	&transport_maildir_backend,
	&transport_sendmail_backend,
	&transport_smtp_backend,
	&transport_smtps_backend,
};

/*
 * Split spec into its backend and the argument after the separator (NULL
 * when there is none).  A spec that names no backend is bad usage: it
 * comes from --transport or, checked already, from the configuration.
 */
static int
transport_find(const char *spec, const struct transport_backend **bp,
    const char **argp, char **errstr)
{
	const struct transport_backend *b;
	size_t i, n;

	for (i = 0; i < nitems(transport_backends); i++) {
		b = transport_backends[i];
		n = strlen(b->name);
		if (strncmp(spec, b->name, n) != 0)
			continue;
		if (spec[n] == '\0' && !b->arg_required) {
			*bp = b;
			*argp = NULL;
			return 0;
		}
		if (b->sep != NULL && str_has_prefix(spec + n, b->sep)) {
			*bp = b;
			*argp = spec + n + strlen(b->sep);
			return b->check != NULL ? b->check(*argp, errstr) : 0;
		}
	}
	return errorf(errstr, EX_USAGE, "'%s' is not a transport: use maildir, "
	    "sendmail[:/PATH], smtp://HOST[:PORT] or smtps://HOST[:PORT]", spec);
}

int
transport_check(const char *spec, char **errstr)
{
	const struct transport_backend *b;
	const char *arg;

	if (spec == NULL)
		return errorf(errstr, EX_USAGE, "no transport given");
	return transport_find(spec, &b, &arg, errstr);
}

static transport_cancel_fn transport_cancel;
static void *transport_cancel_arg;

void
transport_set_cancel(transport_cancel_fn fn, void *arg)
{
	transport_cancel = fn;
	transport_cancel_arg = arg;
}

bool
transport_cancelled(void)
{
	return transport_cancel != NULL && transport_cancel(transport_cancel_arg);
}

char *
transport_where(const char *spec)
{
	const struct transport_backend *b;
	const char *arg;

	if (transport_is_maildir(spec))
		return xstrdup("outbox/");
	if (transport_find(spec, &b, &arg, NULL) != 0)
		return xstrdup(spec);
	if (strcmp(b->name, "sendmail") == 0)
		return xstrdup(arg != NULL ? arg : "/usr/sbin/sendmail");
	return xstrndup(arg, strcspn(arg, "/"));
}

bool
transport_is_maildir(const char *spec)
{
	return spec == NULL || strcmp(spec, "maildir") == 0;
}

/*
 * An envelope address goes on a command line (sendmail), into an SMTP
 * command or into our X-Setuplink-Rcpt header: nothing that could end
 * or split one of those may pass.
 */
static bool
transport_address_ok(const char *a, bool empty_ok)
{
	const char *p;

	if (*a == '\0')
		return empty_ok;
	if (strlen(a) > 254 || *a == '-')
		return false;
	for (p = a; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f ||
		    strchr("<>,", *p) != NULL)
			return false;
	}
	return true;
}

int
transport_send(const struct config *cfg, const struct home *home,
    const char *spec, const char *env_from, const char *const *rcpts,
    size_t nrcpts, const char *msg, size_t len, char **errstr)
{
	const struct transport_backend *b;
	struct transport_msg m;
	const char *arg;
	char *safe;
	size_t i;
	int rv;

	if (spec == NULL)
		spec = cfg != NULL && cfg->transport != NULL ? cfg->transport :
		    "maildir";
	if ((rv = transport_find(spec, &b, &arg, errstr)) != 0)
		return rv == EX_USAGE ? EX_CONFIG : rv;
	if (env_from == NULL)
		env_from = "";
	if (!transport_address_ok(env_from, true)) {
		safe = str_safe(env_from);
		rv = errorf(errstr, EX_DATAERR, "'%s' cannot be an envelope "
		    "sender: write a plain address like setup@example.com",
		    safe);
		free(safe);
		return rv;
	}
	if (nrcpts == 0)
		return errorf(errstr, EX_DATAERR, "a message needs at least "
		    "one recipient");
	for (i = 0; i < nrcpts; i++) {
		if (!transport_address_ok(rcpts[i], false)) {
			safe = str_safe(rcpts[i]);
			rv = errorf(errstr, EX_DATAERR, "'%s' cannot be an "
			    "envelope recipient: write a plain address like "
			    "someone@example.com", safe);
			free(safe);
			return rv;
		}
	}
	m.env_from = env_from;
	m.rcpts = rcpts;
	m.nrcpts = nrcpts;
	m.data = msg;
	m.len = len;
	return b->send(cfg, home, arg, &m, errstr);
}

/*
 * A short test message through spec, from and to the admin, so that a
 * first run can see mail leave before it shares a link.  Whatever the
 * transport says is returned as it is.
 */
int
transport_test(const struct config *cfg, const struct home *home,
    const char *spec, const char *admin, char **errstr)
{
	struct writer_head h;
	struct writer *w;
	char *msg = NULL, *mid, *domain;
	const char *rcpt[1];
	size_t len;
	int rv;

	domain = strchr(admin, '@') != NULL ? strchr(admin, '@') + 1 :
	    "localhost";
	mid = xprintf("test.%lld.%ld@%s", (long long)time_now(),
	    (long)getpid(), domain);
	memset(&h, 0, sizeof h);
	h.date = time_now();
	h.from = admin;
	h.to = admin;
	h.message_id = mid;
	h.subject = "setuplink: a test of the transport";
	w = writer_new(&h);
	writer_field(w, "X-Setuplink", "test");
	writer_text(w, NULL, "This message tests the way setuplink sends "
	    "mail. It arrived, so setup links will too.\n");
	rv = writer_write(w, NULL, &msg, &len, errstr);
	writer_free(&w);
	if (rv == 0) {
		rcpt[0] = admin;
		rv = transport_send(cfg, home, spec, admin, rcpt, 1, msg, len,
		    errstr);
	}
	free(msg);
	free(mid);
	return rv;
}
