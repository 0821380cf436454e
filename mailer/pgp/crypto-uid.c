/* crypto-uid.c: the workspace key with the email's reply address as a user
 * ID, made in a throwaway GnuPG home that is removed, agent and all. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "util/util.h"
#include "mailer/pgp/pgp.h"
#include "mailer/pgp/private.h"

extern char **environ;

/* Run gpgconf --homedir home cmd [arg], quietly. */
static void
crypto_gpgconf(const char *home, const char *cmd, const char *arg)
{
	char *gpgconf = crypto_gpgconf_path();
	char *argv[] = { "gpgconf", "--homedir", (char *)home, (char *)cmd,
	    (char *)arg, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status;

	if (gpgconf == NULL) {
		log_warnx("cannot run gpgconf %s for %s: gpgme does not know "
		    "where it is", cmd, home);
		return;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, gpgconf, &fa, NULL, argv, environ) != 0)
		log_warnx("cannot run %s %s for %s", gpgconf, cmd, home);
	else {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	posix_spawn_file_actions_destroy(&fa);
	free(gpgconf);
}

/*
 * Stop the gpg-agent that gpg started for a throwaway home, so that no
 * process outlives its directory, and remove the socket directory it may
 * have had under /run/user.  gpgconf knows where those are.
 */
static void
crypto_agent_stop(const char *home)
{
	crypto_gpgconf(home, "--kill", "gpg-agent");
	crypto_gpgconf(home, "--remove-socketdir", NULL);
}

static int
crypto_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	if (remove(path) != 0 && errno != ENOENT)
		log_warn("cannot remove %s", path);
	return 0;
}

/* Give the agent a copy of the workspace's primary secret key, which is
 * all that certifying a new user ID needs. */
static int
crypto_copy_secret(const char *from, const char *to, const char *keygrip,
    char **errstr)
{
	char *src, *dir, *dst, *data = NULL;
	size_t len = 0, off = 0;
	ssize_t w;
	int fd = -1, rv = 0;

	src = xprintf("%s/private-keys-v1.d/%s.key", from, keygrip);
	dir = xprintf("%s/private-keys-v1.d", to);
	dst = xprintf("%s/%s.key", dir, keygrip);
	if (file_read(src, CRYPTO_MAX_KEYS, &data, &len, NULL) != 0) {
		rv = errorf(errstr, EX_TEMPFAIL, "cannot read the workspace's "
		    "secret key in %s: %s", from, strerror(errno));
		goto out;
	}
	if (mkdir(dir, 0700) != 0 || (fd = open(dst, O_WRONLY | O_CREAT |
	    O_EXCL | O_CLOEXEC, 0600)) < 0) {
		rv = errorf(errstr, EX_TEMPFAIL, "cannot write to %s: %s", dir,
		    strerror(errno));
		goto out;
	}
	while (off < len) {
		w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rv = errorf(errstr, EX_TEMPFAIL, "cannot write to %s: "
			    "%s", dir, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
out:
	if (fd >= 0)
		close(fd);
	if (data != NULL)
		explicit_bzero(data, len);
	free(data);
	free(src);
	free(dir);
	free(dst);
	return rv;
}

/*
 * The length of the OpenPGP packet header at p and the whole packet's in
 * *total (RFC 4880 4.2), or -1 when it is cut short or uses partial
 * lengths, which no key packet does.
 */
int
crypto_packet(const uint8_t *p, size_t len, int *tag, size_t *total)
{
	size_t hlen, blen;

	if (len < 2 || !(p[0] & 0x80))
		return -1;
	if (p[0] & 0x40) {
		*tag = p[0] & 0x3f;
		if (p[1] < 192) {
			hlen = 2;
			blen = p[1];
		} else if (p[1] < 224 && len >= 3) {
			hlen = 3;
			blen = ((size_t)(p[1] - 192) << 8) + p[2] + 192;
		} else if (p[1] == 255 && len >= 6) {
			hlen = 6;
			blen = (size_t)p[2] << 24 | (size_t)p[3] << 16 |
			    (size_t)p[4] << 8 | p[5];
		} else
			return -1;
	} else {
		*tag = (p[0] >> 2) & 0x0f;
		if ((p[0] & 3) == 0) {
			hlen = 2;
			blen = p[1];
		} else if ((p[0] & 3) == 1 && len >= 3) {
			hlen = 3;
			blen = (size_t)p[1] << 8 | p[2];
		} else if ((p[0] & 3) == 2 && len >= 5) {
			hlen = 5;
			blen = (size_t)p[1] << 24 | (size_t)p[2] << 16 |
			    (size_t)p[3] << 8 | p[4];
		} else
			return -1;
	}
	if (blen > len - hlen)
		return -1;
	*total = hlen + blen;
	return (int)hlen;
}

static bool
crypto_has_uid(gpgme_key_t key, const uint8_t *p, size_t len)
{
	gpgme_user_id_t u;

	for (u = key->uids; u != NULL; u = u->next) {
		if (u->uid != NULL && strlen(u->uid) == len &&
		    memcmp(u->uid, p, len) == 0)
			return true;
	}
	return false;
}

/*
 * Keep from a binary public key the primary key, the subkeys, the user ID
 * that key (the workspace's) lacks and the signatures on each: Autocrypt
 * wants one user ID, the address its header is for, and gpg cannot
 * export just one.
 */
static int
crypto_keep_new_uid(const char *data, size_t len, gpgme_key_t key,
    struct buf *out)
{
	const uint8_t *p = (const uint8_t *)data;
	size_t off = 0, total;
	bool keep = false, found = false;
	int tag, hlen;

	while (off < len) {
		hlen = crypto_packet(p + off, len - off, &tag, &total);
		if (hlen < 0)
			return -1;
		switch (tag) {
		case 6:		/* the primary key */
		case 14:	/* a subkey */
			keep = true;
			break;
		case 13:	/* a user ID */
			keep = !crypto_has_uid(key, p + off + hlen,
			    total - (size_t)hlen);
			found = found || keep;
			break;
		case 2:		/* a signature, on what precedes it */
			break;
		default:	/* photos and what we do not know */
			keep = false;
			break;
		}
		if (keep)
			buf_add(out, p + off, total);
		off += total;
	}
	return found ? 0 : -1;
}

/*
 * The throwaway home dir made ready to certify a user ID on key: the copy
 * of its primary secret key for the agent, a context, and the public key
 * (pub, as the workspace exported it) imported.
 */
static int
crypto_uid_home(struct crypto *c, gpgme_key_t key, const char *dir,
    const struct crypto_out *pub, gpgme_ctx_t *tctx, char **errstr)
{
	gpgme_data_t in = NULL;
	gpgme_error_t err;
	int rv;

	if ((rv = crypto_copy_secret(c->home, dir, key->subkeys->keygrip,
	    errstr)) != 0 || (rv = crypto_ctx_new(dir, tctx, errstr)) != 0)
		return rv;
	if ((err = gpgme_data_new_from_mem(&in, pub->b.data, pub->b.len,
	    0)) != 0 || (err = gpgme_op_import(*tctx, in)) != 0)
		rv = errorf(errstr, EX_TEMPFAIL, "gpg could not copy the key "
		    "to %s: %s", dir, gpgme_strerror(err));
	if (in != NULL)
		gpgme_data_release(in);
	return rv;
}

/* A throwaway home under $TMPDIR, else /tmp, while its path stays short:
 * gpg-agent's socket path must fit in 107 bytes. */
static char *
crypto_tmp_template(void)
{
	const char *t = getenv("TMPDIR");

	if (t == NULL || *t != '/' || strlen(t) > 40)
		t = "/tmp";
	return xprintf("%s/slk.XXXXXX", t);
}

/*
 * The user ID for a reply address holds the link's token, so it is added
 * in a throwaway home that is removed, agent and all, before returning.
 * That home holds a copy of the workspace's secret key meanwhile, so a
 * Ctrl-C or a SIGTERM waits until it is gone (sig_guard), then acts.
 */
int
crypto_export_with_uid(struct crypto *c, const char *fpr, const char *uid,
    char **armored, size_t *alen, char **minimal, size_t *mlen,
    char **errstr)
{
	char *dir = NULL;
	struct sig_guard guard;
	struct crypto_out pub, arm, min;
	gpgme_ctx_t tctx = NULL;
	gpgme_key_t key = NULL;
	gpgme_error_t err;
	struct buf kept;
	bool made = false;
	int rv;

	*armored = *minimal = NULL;
	*alen = *mlen = 0;
	memset(&pub, 0, sizeof pub);
	memset(&arm, 0, sizeof arm);
	memset(&min, 0, sizeof min);
	buf_init(&kept);
	if (uid == NULL || *uid == '\0' || str_has_ctl(uid))
		return errorf(errstr, EX_DATAERR, "a key's user ID must be one "
		    "line of text");
	if ((rv = crypto_lookup(c, fpr, &key, errstr)) != 0)
		return rv;
	if (!crypto_have_secret(c->home, key->subkeys->keygrip)) {
		rv = errorf(errstr, EX_DATAERR, "key %s is not the workspace "
		    "key: its secret part is not in %s", fpr, c->home);
		goto out;
	}
	if ((rv = crypto_export(c->ctx, fpr, 0, false, &pub, errstr)) != 0)
		goto out;
	sig_guard_begin(&guard);
	dir = crypto_tmp_template();
	if (mkdtemp(dir) == NULL) {
		rv = errorf(errstr, EX_TEMPFAIL, "cannot make a directory "
		    "like %s: %s", dir, strerror(errno));
		sig_guard_end(&guard);
		goto out;
	}
	made = true;
	if ((rv = crypto_uid_home(c, key, dir, &pub, &tctx, errstr)) != 0)
		goto out;
	/* gpg names the key by fingerprint, which both keyrings share. */
	if ((err = gpgme_op_adduid(tctx, key, uid, 0)) != 0) {
		rv = gpg_err_code(err) == GPG_ERR_INV_VALUE ? errorf(errstr,
		    EX_DATAERR, "gpg refused the user ID \"%s\": %s", uid,
		    gpgme_strerror(err)) : errorf(errstr, EX_TEMPFAIL, "gpg "
		    "could not add a user ID: %s", gpgme_strerror(err));
		goto out;
	}
	if ((rv = crypto_export(tctx, fpr, 0, true, &arm, errstr)) != 0 ||
	    (rv = crypto_export(tctx, fpr, GPGME_EXPORT_MODE_MINIMAL, false,
	    &min, errstr)) != 0)
		goto out;
	if (crypto_keep_new_uid(min.b.data, min.b.len, key, &kept) != 0) {
		rv = errorf(errstr, EX_SOFTWARE, "the key gpg exported lacks "
		    "the user ID \"%s\"", uid);
		goto out;
	}
	*alen = arm.b.len;
	*armored = buf_take(&arm.b);
	*mlen = kept.len;
	*minimal = buf_take(&kept);
out:
	gpgme_release(tctx);
	if (made) {
		crypto_agent_stop(dir);
		nftw(dir, crypto_rm_one, 8, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
		sig_guard_end(&guard);
	}
	free(dir);
	if (key != NULL)
		gpgme_key_unref(key);
	crypto_out_free(&pub);
	crypto_out_free(&arm);
	crypto_out_free(&min);
	buf_free(&kept);
	return rv;
}
