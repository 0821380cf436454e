/* crypto.c: gpgme set up once, a context on the workspace's GnuPG home,
 * and what every crypto file shares: errors, bounded output buffers. */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "util/util.h"
#include "mailer/pgp/pgp.h"
#include "mailer/pgp/private.h"

/*
 * gpgme wants its version check before anything else, and it runs gpg and
 * gpgconf to learn about the engines: done once, and only by a process
 * that opens a crypto context, so the commands that need no OpenPGP never
 * pay for it.
 */
/* The library alone, which starts no program: enough for
 * gpgme_get_dirinfo() and gpgme_strerror(). */
int
crypto_init_lib(char **errstr)
{
	static bool done;

	if (done)
		return 0;
	/* gpgme would run gpgconf three times and gpgsm, which we never
	 * use, to learn what it needs no answer for: gpg is found where
	 * gpgme was built to find it, and gpg finds its own agent. */
	gpgme_set_global_flag("disable-gpgconf", "1");
	if (gpgme_check_version("1.14.0") == NULL)
		return errorf(errstr, EX_TEMPFAIL, "gpgme %s is older than "
		    "1.14; install a newer libgpgme",
		    gpgme_check_version(NULL));
	/* For a pinentry it may start: the user's, read here. */
	setlocale(LC_CTYPE, "");
	gpgme_set_locale(NULL, LC_CTYPE, setlocale(LC_CTYPE, NULL));
	gpgme_set_locale(NULL, LC_MESSAGES, setlocale(LC_MESSAGES, NULL));
	done = true;
	return 0;
}

static int
crypto_init(char **errstr)
{
	static bool done;
	gpgme_engine_info_t info;
	gpgme_error_t err;
	int rv;

	if (done)
		return 0;
	if ((rv = crypto_init_lib(errstr)) != 0)
		return rv;
	if ((err = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP)) != 0)
		return errorf(errstr, EX_TEMPFAIL, "gpg cannot run (%s); "
		    "install GnuPG 2.2 or later", gpgme_strerror(err));
	if ((err = gpgme_get_engine_info(&info)) != 0)
		return errorf(errstr, EX_TEMPFAIL, "gpgme cannot describe gpg: "
		    "%s", gpgme_strerror(err));
	for (; info != NULL; info = info->next) {
		if (info->protocol != GPGME_PROTOCOL_OpenPGP)
			continue;
		if (info->version == NULL ||
		    strverscmp(info->version, "2.2") < 0)
			return errorf(errstr, EX_TEMPFAIL, "gpg %s is too old "
			    "for ed25519 keys; install GnuPG 2.2 or later",
			    info->version != NULL ? info->version : "?");
	}
	done = true;
	return 0;
}

/* No key of ours has a passphrase; one that asks for it is refused, since
 * nobody is there to type it and a pinentry must never appear. */
static gpgme_error_t
crypto_no_passphrase(void *hook, const char *uid_hint,
    const char *passphrase_info, int prev_was_bad, int fd)
{
	return gpg_error(GPG_ERR_NO_PASSPHRASE);
}

/*
 * A gpgme context on home.  The trust model "always" makes every key in
 * the keyring valid to gpg: our rule is that a key the admin imported
 * counts and nothing else does, and crypto_sig_fill() applies it itself.
 * Offline keeps gpg from starting dirmngr or fetching keys.
 */
int
crypto_ctx_new(const char *home, gpgme_ctx_t *ctxp, char **errstr)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_error_t err;

	*ctxp = NULL;
	if ((err = gpgme_new(&ctx)) != 0 ||
	    (err = gpgme_set_protocol(ctx, GPGME_PROTOCOL_OpenPGP)) != 0 ||
	    (err = gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP,
	    NULL, home)) != 0 ||
	    (err = gpgme_set_pinentry_mode(ctx,
	    GPGME_PINENTRY_MODE_LOOPBACK)) != 0 ||
	    (err = gpgme_set_ctx_flag(ctx, "trust-model", "always")) != 0) {
		gpgme_release(ctx);
		return errorf(errstr, EX_TEMPFAIL, "cannot set up gpg for %s: "
		    "%s", home, gpgme_strerror(err));
	}
	gpgme_set_passphrase_cb(ctx, crypto_no_passphrase, NULL);
	gpgme_set_offline(ctx, 1);
	*ctxp = ctx;
	return 0;
}

/*
 * A crypto on gnupghome whose gpgme starts on first need: a verify or a
 * decrypt that gpg does in one run of its own (crypto-direct.c) never
 * pays for gpgme's start, which runs gpg --version once for the library
 * and once more for the context's home.
 */
int
crypto_open_lazy(const char *gnupghome, int timeout_s, struct crypto **cp,
    char **errstr)
{
	struct crypto *c;
	struct stat st;

	*cp = NULL;
	if (stat(gnupghome, &st) != 0)
		return errorf(errstr, EX_TEMPFAIL, "cannot use the GnuPG home "
		    "%s: %s", gnupghome, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return errorf(errstr, EX_TEMPFAIL, "the GnuPG home %s is not a "
		    "directory", gnupghome);
	if (access(gnupghome, R_OK | W_OK | X_OK) != 0)
		return errorf(errstr, EX_TEMPFAIL, "cannot write to the GnuPG "
		    "home %s: %s", gnupghome, strerror(errno));
	c = xcalloc(1, sizeof *c);
	c->home = xstrdup(gnupghome);
	c->timeout_s = timeout_s;
	*cp = c;
	return 0;
}

/* gpgme and the context, made now if crypto_open_lazy() left them. */
int
crypto_ready(struct crypto *c, char **errstr)
{
	int rv;

	if (c->ctx != NULL)
		return 0;
	if ((rv = crypto_init(errstr)) != 0)
		return rv;
	return crypto_ctx_new(c->home, &c->ctx, errstr);
}

int
crypto_open(const char *gnupghome, int timeout_s, struct crypto **cp,
    char **errstr)
{
	int rv;

	if ((rv = crypto_open_lazy(gnupghome, timeout_s, cp, errstr)) != 0)
		return rv;
	if ((rv = crypto_ready(*cp, errstr)) != 0)
		crypto_close(cp);
	return rv;
}

/* The home's gpg-agent is left running: the next intake reuses it. */
void
crypto_close(struct crypto **cp)
{
	struct crypto *c = *cp;

	if (c == NULL)
		return;
	if (c->ctx != NULL)
		gpgme_release(c->ctx);
	crypto_kc_free(&c->kc);
	free(c->home);
	free(c);
	*cp = NULL;
}

/*
 * Whether err means that gpg or its agent could not do the work (a
 * missing program, a socket, the disk), which is worth trying again
 * later, rather than something wrong with the input.  In doubt it is the
 * input: a message judged afresh later costs less than one that an MTA
 * retries forever.
 */
bool
crypto_transient(gpgme_error_t err)
{
	gpg_err_code_t code = gpg_err_code(err);

	if (code & GPG_ERR_SYSTEM_ERROR)
		return true;
	switch (code) {
	case GPG_ERR_NO_AGENT:
	case GPG_ERR_AGENT:
	case GPG_ERR_INV_ENGINE:
	case GPG_ERR_ENGINE_TOO_OLD:
	case GPG_ERR_NO_PASSPHRASE:	/* a key of ours wants one: local */
	case GPG_ERR_NO_PIN_ENTRY:
		return true;
	default:
		return code >= GPG_ERR_ASS_GENERAL &&
		    code <= GPG_ERR_ASS_UNKNOWN_INQUIRE;
	}
}

/* One sentence for a gpgme failure, with the code crypto_transient() picks. */
int
crypto_fail(char **errstr, gpgme_error_t err, const char *what)
{
	if (crypto_transient(err))
		return errorf(errstr, EX_TEMPFAIL, "gpg could not %s: %s; try "
		    "again once gpg and gpg-agent can run", what,
		    gpgme_strerror(err));
	return errorf(errstr, EX_DATAERR, "gpg could not %s: %s", what,
	    gpgme_strerror(err));
}

static ssize_t
crypto_out_write(void *handle, const void *p, size_t n)
{
	struct crypto_out *o = handle;

	if (n > o->max - o->b.len) {
		o->over = true;
		errno = EFBIG;
		return -1;
	}
	buf_add(&o->b, p, n);
	return (ssize_t)n;
}

/*
 * gpgme output into our own buffer, so that results are free()d like
 * everything else, and bounded, so that a compressed message that
 * inflates to gigabytes stops at max.
 */
int
crypto_out_new(struct crypto_out *o, size_t max, char **errstr)
{
	gpgme_error_t err;

	memset(o, 0, sizeof *o);
	buf_init(&o->b);
	o->max = max;
	o->cbs.write = crypto_out_write;
	if ((err = gpgme_data_new_from_cbs(&o->d, &o->cbs, o)) != 0)
		return crypto_fail(errstr, err, "make a buffer");
	return 0;
}

/* Plaintext may hold credentials: wipe it before it goes back to malloc. */
void
crypto_out_free(struct crypto_out *o)
{
	if (o->d != NULL)
		gpgme_data_release(o->d);
	o->d = NULL;
	if (o->b.data != NULL)
		explicit_bzero(o->b.data, o->b.cap);
	buf_free(&o->b);
}

bool
fingerprint_valid(const char *s)
{
	size_t i;

	if (s == NULL)
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return false;
	}
	return i == 40;
}

char *
crypto_upper(const char *s)
{
	char *u = xstrdup(s), *p;

	for (p = u; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	return u;
}

/*
 * gpgme, told not to ask gpgconf, runs the gpg it was built with, which on
 * Debian is /usr/bin/gpg, gpgconf beside it.  Paths that find them there
 * without loading gpgme spare a signed reply and a link create the
 * library's load; elsewhere gpgme says where they are.
 */
#define GPG_BUILT_IN	"/usr/bin/gpg"
#define GPGCONF_BUILT_IN "/usr/bin/gpgconf"

const char *
crypto_gpg_path(void)
{
	if (access(GPG_BUILT_IN, X_OK) == 0)
		return GPG_BUILT_IN;
	if (crypto_init_lib(NULL) != 0)
		return NULL;
	return gpgme_get_dirinfo("gpg-name");
}

char *
crypto_gpgconf_path(void)
{
	const char *gpgconf, *gpg, *slash;

	if (access(GPGCONF_BUILT_IN, X_OK) == 0)
		return xstrdup(GPGCONF_BUILT_IN);
	if (crypto_init_lib(NULL) != 0)
		return NULL;
	gpgconf = gpgme_get_dirinfo("gpgconf-name");
	gpg = gpgme_get_dirinfo("gpg-name");
	if (gpgconf != NULL)
		return xstrdup(gpgconf);
	if (gpg == NULL || (slash = strrchr(gpg, '/')) == NULL)
		return NULL;
	return xprintf("%.*s/gpgconf", (int)(slash - gpg), gpg);
}

/*
 * What a cache kept in the GnuPG home depends on: each named file's inode,
 * size and time ("-" where it is missing).  gpg replaces a keyring by a
 * new file when it changes it, so the inode alone would tell; size and
 * time are there for a file written in place.
 */
char *
crypto_home_stamp(const char *home, const char *const names[])
{
	struct stat st;
	struct buf b;
	char *path;
	size_t i;

	buf_init(&b);
	buf_adds(&b, "stamp");
	for (i = 0; names[i] != NULL; i++) {
		path = xprintf("%s/%s", home, names[i]);
		if (stat(path, &st) != 0)
			buf_printf(&b, " -");
		else
			buf_printf(&b, " %llu:%lld:%lld.%09ld",
			    (unsigned long long)st.st_ino, (long long)st.st_size,
			    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		free(path);
	}
	return buf_take(&b);
}
