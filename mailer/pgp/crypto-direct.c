/* crypto-direct.c: a verify or a decrypt as the one gpg process it
 * needs, started here with its status lines read here, and what the
 * keyring says of the signers kept in a cache file in the GnuPG home, so
 * that judging a signed reply costs no key listing.  gpgme stays the
 * reference: crypto-verify.c takes its path for anything this file does
 * not know. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>


#include "util/util.h"
#include "mailer/pgp/pgp.h"
#include "mailer/pgp/private.h"

#define STATUS_MAX	(1u << 20)	/* gpg's status lines, bytes */
#define KC_FILE		"setuplink-keys.cache"
#define KC_MAGIC	"setuplink keyring cache 1\n"
#define KC_MAX		(8u << 20)	/* the cache file, bytes */

/* ---- One gpg run ---- */

void
crypto_gpg_free(struct crypto_gpg *g)
{
	buf_free(&g->st);
	if (g->out.data != NULL)
		explicit_bzero(g->out.data, g->out.cap);
	buf_free(&g->out);
	memset(g, 0, sizeof *g);
}

/* fd moved to 10 or above, close-on-exec, so that dup2() onto 0-4 in the
 * child cannot overwrite a pipe end that happens to be there. */
static int
gpg_high(int fd)
{
	int nfd;

	if (fd < 0)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	close(fd);
	return nfd;
}

static void
gpg_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Milliseconds to the deadline for poll(): -1 for none, 0 once past. */
static int
gpg_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	if (deadline == NULL)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	if (ms <= 0)
		return 0;
	return ms > 60000 ? 60000 : (int)ms;
}

/* Writes what is left of p to fd; closes fd when all is written or gpg
 * stopped reading. */
static void
gpg_feed(int *fd, const char *p, size_t len, size_t *off)
{
	ssize_t n;

	n = write(*fd, p + *off, len - *off > 65536 ? 65536 : len - *off);
	if (n > 0)
		*off += (size_t)n;
	if ((n < 0 && errno != EAGAIN && errno != EINTR) || *off == len)
		gpg_close(fd);
}

/* Reads from fd into b (max bytes at most: over that, *over). */
static void
gpg_drain(int *fd, struct buf *b, size_t max, bool *over)
{
	char tmp[65536];
	ssize_t n;

	n = read(*fd, tmp, sizeof tmp);
	if (n > 0) {
		if ((size_t)n > max - b->len) {
			*over = true;
			gpg_close(fd);
		} else
			buf_add(b, tmp, (size_t)n);
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR))
		gpg_close(fd);
	explicit_bzero(tmp, sizeof tmp);
}

static void
gpg_child(const char *gpg, char **argv, int in, int out, int st, int sig)
{
	int null;

	if ((null = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0 ||
	    (null = gpg_high(null)) < 0)
		_exit(127);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(null, 2) < 0 ||
	    dup2(st, 3) < 0 || (sig >= 0 && dup2(sig, 4) < 0))
		_exit(127);
	closefrom(sig >= 0 ? 5 : 4);
	signal(SIGPIPE, SIG_DFL);
	execv(gpg, argv);
	_exit(127);
}

int
crypto_gpg_run(struct crypto *c, const char *const *args, const char *in,
    size_t inlen, const char *sig, size_t siglen, size_t max_out,
    const struct timespec *deadline, struct crypto_gpg *g)
{
	static const char *common[] = { "--batch", "--no-tty",
	    "--status-fd", "3", "--trust-model", "always",
	    "--disable-dirmngr", "--pinentry-mode", "loopback",
	    "--charset", "utf8", "--enable-special-filenames", NULL };
	struct sigaction ign, old;
	struct pollfd p[4];
	int ip[2] = { -1, -1 }, op[2] = { -1, -1 }, sp[2] = { -1, -1 };
	int gp[2] = { -1, -1 }, np, t, status;
	size_t inoff = 0, sigoff = 0, n = 0, i;
	const char *gpg;
	char **argv = NULL;
	bool stover = false;
	pid_t pid, w;
	int rv = -1;

	memset(g, 0, sizeof *g);
	buf_init(&g->st);
	buf_init(&g->out);
	if ((gpg = crypto_gpg_path()) == NULL || access(gpg, X_OK) != 0)
		return -1;
	argv = xcalloc(32, sizeof *argv);
	argv[n++] = (char *)"gpg";
	argv[n++] = (char *)"--homedir";
	argv[n++] = c->home;
	for (i = 0; common[i] != NULL; i++)
		argv[n++] = (char *)common[i];
	for (i = 0; args[i] != NULL && n < 31; i++)
		argv[n++] = (char *)args[i];
	if (pipe2(ip, O_CLOEXEC) != 0 || pipe2(op, O_CLOEXEC) != 0 ||
	    pipe2(sp, O_CLOEXEC) != 0 ||
	    (sig != NULL && pipe2(gp, O_CLOEXEC) != 0))
		goto out;
	for (i = 0; i < 2; i++) {
		if ((ip[i] = gpg_high(ip[i])) < 0 ||
		    (op[i] = gpg_high(op[i])) < 0 ||
		    (sp[i] = gpg_high(sp[i])) < 0 ||
		    (sig != NULL && (gp[i] = gpg_high(gp[i])) < 0))
			goto out;
	}
	/* gpg that ends before reading all it was given is no SIGPIPE. */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	if ((pid = fork()) < 0) {
		sigaction(SIGPIPE, &old, NULL);
		goto out;
	}
	if (pid == 0)
		gpg_child(gpg, argv, ip[0], op[1], sp[1], gp[0]);
	gpg_close(&ip[0]);
	gpg_close(&op[1]);
	gpg_close(&sp[1]);
	gpg_close(&gp[0]);
	fcntl(ip[1], F_SETFL, O_NONBLOCK);
	fcntl(op[0], F_SETFL, O_NONBLOCK);
	fcntl(sp[0], F_SETFL, O_NONBLOCK);
	if (gp[1] >= 0)
		fcntl(gp[1], F_SETFL, O_NONBLOCK);
	if (inlen == 0)
		gpg_close(&ip[1]);
	if (gp[1] >= 0 && siglen == 0)
		gpg_close(&gp[1]);
	while (op[0] >= 0 || sp[0] >= 0) {
		np = 0;
		if (ip[1] >= 0)
			p[np++] = (struct pollfd){ .fd = ip[1], .events = POLLOUT };
		if (gp[1] >= 0)
			p[np++] = (struct pollfd){ .fd = gp[1], .events = POLLOUT };
		if (op[0] >= 0)
			p[np++] = (struct pollfd){ .fd = op[0], .events = POLLIN };
		if (sp[0] >= 0)
			p[np++] = (struct pollfd){ .fd = sp[0], .events = POLLIN };
		if ((t = gpg_left(deadline)) == 0) {
			g->late = true;
			break;
		}
		if (poll(p, (nfds_t)np, t) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < (size_t)np; i++) {
			if (p[i].revents == 0)
				continue;
			if (p[i].fd == ip[1])
				gpg_feed(&ip[1], in, inlen, &inoff);
			else if (p[i].fd == gp[1])
				gpg_feed(&gp[1], sig, siglen, &sigoff);
			else if (p[i].fd == op[0])
				gpg_drain(&op[0], &g->out, max_out, &g->over);
			else if (p[i].fd == sp[0])
				gpg_drain(&sp[0], &g->st, STATUS_MAX, &stover);
		}
		if (g->over || stover)
			break;
	}
	if (op[0] >= 0 || sp[0] >= 0)
		kill(pid, SIGKILL);
	gpg_close(&ip[1]);
	gpg_close(&gp[1]);
	gpg_close(&op[0]);
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	/* What it said before it was stopped: too much plaintext is told
	 * apart by the lines before it. */
	while (sp[0] >= 0 && !stover && !g->late) {
		size_t before = g->st.len;

		gpg_drain(&sp[0], &g->st, STATUS_MAX, &stover);
		if (g->st.len == before)	/* the end, or nothing yet */
			break;
	}
	gpg_close(&sp[0]);
	sigaction(SIGPIPE, &old, NULL);
	if (w == pid) {
		g->status = status;
		g->ended = !g->late && !g->over && !stover;
	}
	/* gpg that could not be started at all: gpgme's path says so. */
	if (w == pid && WIFEXITED(status) && WEXITSTATUS(status) == 127 &&
	    g->st.len == 0)
		goto out;
	rv = stover ? -1 : 0;
out:
	for (i = 0; i < 2; i++) {
		gpg_close(&ip[i]);
		gpg_close(&op[i]);
		gpg_close(&sp[i]);
		gpg_close(&gp[i]);
	}
	free(argv);
	return rv;
}

/* ---- The keyring's cache ---- */

struct kc_sub {
	char	 fpr[41];
	int64_t	 expires;	/* 0: never */
	bool	 expired, revoked, invalid, disabled;
};
struct kc_key {
	struct kc_sub	*subs;	/* the primary first */
	size_t		 nsubs;
	bool		 expired, revoked, invalid, disabled, secret;
};
struct crypto_kc {
	char		*stamp;
	struct kc_key	*keys;
	size_t		 nkeys;
};

void
crypto_kc_free(struct crypto_kc **kcp)
{
	struct crypto_kc *kc = *kcp;
	size_t i;

	if (kc == NULL)
		return;
	for (i = 0; i < kc->nkeys; i++)
		free(kc->keys[i].subs);
	free(kc->keys);
	free(kc->stamp);
	free(kc);
	*kcp = NULL;
}

/*
 * What the cache depends on: the keyrings (a key imported, revoked,
 * replaced or removed), the trust database (a key disabled), the secret
 * keys (one made or removed) and gpg.conf.
 */
static char *
kc_stamp(const char *home)
{
	static const char *const names[] = { "pubring.kbx", "pubring.gpg",
	    "trustdb.gpg", "private-keys-v1.d", "gpg.conf", NULL };

	return crypto_home_stamp(home, names);
}

static const char *
kc_flags(bool e, bool r, bool i, bool d, bool s)
{
	static char f[8];
	size_t n = 0;

	if (e)
		f[n++] = 'e';
	if (r)
		f[n++] = 'r';
	if (i)
		f[n++] = 'i';
	if (d)
		f[n++] = 'd';
	if (s)
		f[n++] = 's';
	if (n == 0)
		f[n++] = '-';
	f[n] = '\0';
	return f;
}

static bool
kc_hex40(const char *s)
{
	size_t i;

	for (i = 0; i < 40; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' &&
		    s[i] <= 'F')))
			return false;
	}
	return s[40] == '\0';
}

/*
 * The file: the magic line, "stamp ...", then per key "k FLAGS" and per
 * subkey, the primary first, "s FPR FLAGS EXPIRES"; FLAGS are letters of
 * "erids" (expired, revoked, invalid, disabled, secret here) or "-".
 */
static struct crypto_kc *
kc_parse(char *data, size_t len, const char *stamp)
{
	struct crypto_kc *kc;
	struct kc_key *k = NULL;
	struct kc_sub *s;
	char *line, *end, *f, *fpr, *exp;
	size_t off;

	if (len < strlen(KC_MAGIC) || memcmp(data, KC_MAGIC,
	    strlen(KC_MAGIC)) != 0)
		return NULL;
	kc = xcalloc(1, sizeof *kc);
	for (off = strlen(KC_MAGIC); off < len; off = (size_t)(end - data) + 1) {
		line = data + off;
		if ((end = memchr(line, '\n', len - off)) == NULL)
			goto bad;
		*end = '\0';
		if (strncmp(line, "stamp", 5) == 0) {
			if (kc->stamp != NULL || strcmp(line, stamp) != 0)
				goto bad;
			kc->stamp = xstrdup(line);
		} else if (strncmp(line, "k ", 2) == 0) {
			kc->keys = xreallocarray(kc->keys, kc->nkeys + 1,
			    sizeof *kc->keys);
			k = &kc->keys[kc->nkeys++];
			memset(k, 0, sizeof *k);
			f = line + 2;
			k->expired = strchr(f, 'e') != NULL;
			k->revoked = strchr(f, 'r') != NULL;
			k->invalid = strchr(f, 'i') != NULL;
			k->disabled = strchr(f, 'd') != NULL;
			k->secret = strchr(f, 's') != NULL;
		} else if (strncmp(line, "s ", 2) == 0 && k != NULL) {
			fpr = line + 2;
			if ((f = strchr(fpr, ' ')) == NULL)
				goto bad;
			*f++ = '\0';
			if ((exp = strchr(f, ' ')) == NULL || !kc_hex40(fpr))
				goto bad;
			*exp++ = '\0';
			k->subs = xreallocarray(k->subs, k->nsubs + 1,
			    sizeof *k->subs);
			s = &k->subs[k->nsubs++];
			memset(s, 0, sizeof *s);
			memcpy(s->fpr, fpr, 41);
			s->expires = strtoll(exp, NULL, 10);
			s->expired = strchr(f, 'e') != NULL;
			s->revoked = strchr(f, 'r') != NULL;
			s->invalid = strchr(f, 'i') != NULL;
			s->disabled = strchr(f, 'd') != NULL;
		} else
			goto bad;
	}
	if (kc->stamp == NULL)
		goto bad;
	for (off = 0; off < kc->nkeys; off++) {
		if (kc->keys[off].nsubs == 0)
			goto bad;
	}
	return kc;
bad:
	crypto_kc_free(&kc);
	return NULL;
}

/* The cache made afresh from gpgme's key listing, and written down;
 * stamp was taken before the listing, so that a change while it ran
 * makes the file stale, never wrong. */
static struct crypto_kc *
kc_build(struct crypto *c, const char *stamp)
{
	gpgme_key_t *keys;
	gpgme_subkey_t sub;
	struct buf b;
	char *path, *tmp, *data;
	size_t i, n, len;
	struct crypto_kc *kc;
	int fd;

	if (crypto_ready(c, NULL) != 0 || crypto_keys(c, &keys, &n, NULL) != 0)
		return NULL;
	buf_init(&b);
	buf_adds(&b, KC_MAGIC);
	buf_printf(&b, "%s\n", stamp);
	for (i = 0; i < n; i++) {
		buf_printf(&b, "k %s\n", kc_flags(keys[i]->expired,
		    keys[i]->revoked, keys[i]->invalid, keys[i]->disabled,
		    keys[i]->subkeys != NULL && crypto_have_secret(c->home,
		    keys[i]->subkeys->keygrip)));
		for (sub = keys[i]->subkeys; sub != NULL; sub = sub->next) {
			char *u = crypto_upper(sub->fpr != NULL ? sub->fpr : "");

			buf_printf(&b, "s %s %s %lld\n", u, kc_flags(
			    sub->expired, sub->revoked, sub->invalid,
			    sub->disabled, false), sub->expires > 0 ?
			    (long long)sub->expires : 0LL);
			free(u);
		}
		gpgme_key_unref(keys[i]);
	}
	free(keys);
	len = b.len;
	data = buf_take(&b);
	path = xprintf("%s/" KC_FILE, c->home);
	tmp = xprintf("%s.%ld", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) >= 0) {
		if (fd_write_all(fd, data, len) != 0 || close(fd) != 0 ||
		    rename(tmp, path) != 0)
			unlink(tmp);
	}
	free(tmp);
	free(path);
	kc = kc_parse(data, len, stamp);
	free(data);
	return kc;
}

/* The cache for the keyring as it is now: kept, read, or made. */
static struct crypto_kc *
kc_get(struct crypto *c)
{
	char *stamp = kc_stamp(c->home), *path, *data = NULL;
	size_t len = 0;

	if (c->kc != NULL && strcmp(c->kc->stamp, stamp) == 0)
		goto out;
	crypto_kc_free(&c->kc);
	path = xprintf("%s/" KC_FILE, c->home);
	if (file_read(path, KC_MAX, &data, &len, NULL) == 0)
		c->kc = kc_parse(data, len, stamp);
	free(data);
	free(path);
	if (c->kc == NULL)
		c->kc = kc_build(c, stamp);
out:
	free(stamp);
	return c->kc;
}

static bool
kc_expired(bool flag, int64_t expires, time_t now)
{
	return flag || (expires > 0 && expires <= (int64_t)now);
}

int
crypto_kc_find(struct crypto *c, const char *pattern, struct crypto_kfacts *kf)
{
	struct crypto_kc *kc;
	const struct kc_key *k, *found = NULL;
	const struct kc_sub *s, *fsub = NULL;
	size_t i, j, plen = strlen(pattern), nfound = 0;
	time_t now = time(NULL);

	memset(kf, 0, sizeof *kf);
	if ((plen != 40 && plen != 16) || (kc = kc_get(c)) == NULL)
		return -1;
	for (i = 0; i < kc->nkeys; i++) {
		k = &kc->keys[i];
		for (j = 0; j < k->nsubs; j++) {
			s = &k->subs[j];
			if (strcasecmp(plen == 40 ? s->fpr : s->fpr + 24,
			    pattern) == 0)
				break;
		}
		if (j < k->nsubs) {
			if (nfound++ == 0) {
				found = k;
				fsub = &k->subs[j];
			}
		}
	}
	/* Two keys for one key ID: gpg's answer is "ambiguous", ours none. */
	if (nfound != 1)
		return 0;
	memcpy(kf->fpr, found->subs[0].fpr, 41);
	kf->key_expired = kc_expired(found->expired, found->subs[0].expires,
	    now);
	kf->key_revoked = found->revoked;
	kf->key_invalid = found->invalid;
	kf->key_disabled = found->disabled;
	kf->sub_expired = kc_expired(fsub->expired, fsub->expires, now);
	kf->sub_revoked = fsub->revoked;
	kf->sub_invalid = fsub->invalid;
	kf->sub_disabled = fsub->disabled;
	kf->secret = found->secret;
	return 1;
}

bool
crypto_key_is_ours(struct crypto *c, const char *fpr)
{
	struct crypto_kfacts kf;
	struct key_info *k = NULL;
	bool yes;
	int rv;

	if ((rv = crypto_kc_find(c, fpr, &kf)) >= 0)
		return rv == 1 && kf.secret;
	if (crypto_key_get(c, fpr, &k, NULL) != 0)
		return false;
	yes = k->secret;
	key_info_free(&k, 1);
	return yes;
}
