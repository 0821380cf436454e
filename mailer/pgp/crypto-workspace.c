/* crypto-workspace.c: the workspace's own key: made once by init, found
 * again as the one secret key in the home, and signing setup emails. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "util/util.h"
#include "mailer/pgp/pgp.h"
#include "mailer/pgp/private.h"

static int	crypto_keygen_new(struct crypto *, const char *, char **,
		    char **);

/* How many keys here have their secret part, and the first one's fpr. */
static int
crypto_secret_keys(struct crypto *c, size_t *nsecret, char **fpr,
    char **errstr)
{
	gpgme_key_t *keys;
	size_t i, n;
	int rv;

	*nsecret = 0;
	*fpr = NULL;
	if ((rv = crypto_keys(c, &keys, &n, errstr)) != 0)
		return rv;
	for (i = 0; i < n; i++) {
		if (crypto_have_secret(c->home, keys[i]->subkeys->keygrip) &&
		    (*nsecret)++ == 0)
			*fpr = crypto_upper(keys[i]->subkeys->fpr);
		gpgme_key_unref(keys[i]);
	}
	free(keys);
	return 0;
}

/*
 * After key rotate the home holds several secret keys: the old ones still
 * decrypt replies to links made under them, and a marker file in the
 * GnuPG home names the one that signs.
 */
#define WORKSPACE_MARK	"setuplink-workspace"

static char *
crypto_mark_read(struct crypto *c)
{
	char *path = xprintf("%s/" WORKSPACE_MARK, c->home), *data = NULL;
	size_t len = 0;

	if (file_read(path, 128, &data, &len, NULL) != 0)
		data = NULL;
	free(path);
	if (data != NULL) {
		data[strcspn(data, "\r\n")] = '\0';
		if (!fingerprint_valid(data))
			freep(&data);
	}
	return data;
}

static int
crypto_mark_write(struct crypto *c, const char *fpr, char **errstr)
{
	char *path = xprintf("%s/" WORKSPACE_MARK, c->home);
	char *tmp = xprintf("%s.tmp", path), *line = xprintf("%s\n", fpr);
	int fd, rv = 0;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0 || fd_write_all(fd, line, strlen(line)) != 0 ||
	    fsync(fd) != 0 || rename(tmp, path) != 0)
		rv = errorf(errstr, EX_TEMPFAIL, "cannot write %s: %s", path,
		    strerror(errno));
	if (fd >= 0)
		close(fd);
	if (rv != 0)
		unlink(tmp);
	free(line);
	free(tmp);
	free(path);
	return rv;
}

/* Is fpr one of the keys whose secret part is here? */
static bool
crypto_is_secret(struct crypto *c, const char *fpr)
{
	gpgme_key_t key = NULL;
	bool yes = false;

	if (crypto_find(c->ctx, fpr, &key) == 0 && key != NULL) {
		yes = crypto_have_secret(c->home, key->subkeys->keygrip);
		gpgme_key_unref(key);
	}
	return yes;
}

int
crypto_workspace_key(struct crypto *c, char **fpr, char **errstr)
{
	char *mark;
	size_t n;
	int rv;

	if ((rv = crypto_secret_keys(c, &n, fpr, errstr)) != 0 || n == 1)
		return rv;
	freep(fpr);
	if (n > 1 && (mark = crypto_mark_read(c)) != NULL) {
		if (crypto_is_secret(c, mark)) {
			*fpr = mark;
			return 0;
		}
		free(mark);
	}
	if (n == 0)
		return errorf(errstr, EX_CONFIG, "there is no workspace key in "
		    "%s; run setuplink init", c->home);
	return errorf(errstr, EX_CONFIG, "%s holds %zu secret keys, not one; "
	    "remove the ones that are not the workspace's", c->home, n);
}

/*
 * The trust model belongs in gpg.conf too, so that an admin who runs gpg
 * on this home by hand sees signatures judged as setuplink judges them.
 * An existing gpg.conf is the admin's and left alone.
 */
static void
crypto_write_conf(const char *home)
{
	static const char conf[] = "# written by setuplink: a key in this "
	    "keyring counts as valid\ntrust-model always\n";
	char *path = xprintf("%s/gpg.conf", home);
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) >= 0) {
		if (write(fd, conf, sizeof conf - 1) !=
		    (ssize_t)(sizeof conf - 1))
			log_warn("cannot write %s", path);
		close(fd);
	}
	free(path);
}

int
crypto_keygen(struct crypto *c, const char *uid, char **fpr, char **errstr)
{
	size_t n;
	int rv = 0;

	*fpr = NULL;
	if (uid == NULL || *uid == '\0' || str_has_ctl(uid))
		return errorf(errstr, EX_DATAERR, "a key's user ID must be one "
		    "line of text");
	/* A new home has no key: another is made by crypto_rotate. */
	if ((rv = crypto_secret_keys(c, &n, fpr, errstr)) != 0)
		return rv;
	if (n != 0) {
		rv = errorf(errstr, EX_CONFIG, "%s already holds the secret "
		    "key %s; remove the GnuPG home to make a new one", c->home,
		    *fpr);
		freep(fpr);
		return rv;
	}
	crypto_write_conf(c->home);
	return crypto_keygen_new(c, uid, fpr, errstr);
}

int
crypto_rotate(struct crypto *c, const char *uid, char **old, char **fpr,
    char **errstr)
{
	int rv;

	*fpr = NULL;
	if ((rv = crypto_workspace_key(c, old, errstr)) != 0)
		return rv;
	if (uid == NULL || *uid == '\0' || str_has_ctl(uid))
		return errorf(errstr, EX_DATAERR, "a key's user ID must be one "
		    "line of text");
	/* The old one is named first, so that a crash between the new key
	 * and its mark leaves the old one signing, not an ambiguity. */
	if ((rv = crypto_mark_write(c, *old, errstr)) != 0 ||
	    (rv = crypto_keygen_new(c, uid, fpr, errstr)) != 0 ||
	    (rv = crypto_mark_write(c, *fpr, errstr)) != 0) {
		freep(fpr);
		return rv;
	}
	return 0;
}

/* An ed25519 primary that signs, with a cv25519 subkey that decrypts. */
static int
crypto_keygen_new(struct crypto *c, const char *uid, char **fpr,
    char **errstr)
{
	gpgme_genkey_result_t gr;
	gpgme_key_t key = NULL;
	gpgme_error_t err;
	int rv = 0;

	/* FORCE: after a rotation the old key holds the same user ID. */
	err = gpgme_op_createkey(c->ctx, uid, "ed25519", 0, 0, NULL,
	    GPGME_CREATE_SIGN | GPGME_CREATE_NOPASSWD | GPGME_CREATE_NOEXPIRE |
	    GPGME_CREATE_FORCE);
	if (err != 0) {
		switch (gpg_err_code(err)) {
		case GPG_ERR_INV_VALUE:
		case GPG_ERR_INV_USER_ID:
		case GPG_ERR_INV_NAME:
		case GPG_ERR_CONFLICT:
			return errorf(errstr, EX_DATAERR, "gpg refused to make "
			    "a key for \"%s\": %s", uid, gpgme_strerror(err));
		default:
			return errorf(errstr, EX_TEMPFAIL, "gpg could not make "
			    "a key in %s: %s", c->home, gpgme_strerror(err));
		}
	}
	if ((gr = gpgme_op_genkey_result(c->ctx)) == NULL || gr->fpr == NULL)
		return errorf(errstr, EX_SOFTWARE, "gpg made a key but did not "
		    "say which");
	*fpr = crypto_upper(gr->fpr);
	if ((err = crypto_find(c->ctx, *fpr, &key)) != 0) {
		rv = crypto_fail(errstr, err, "find the key it made");
		goto out;
	}
	err = gpgme_op_createsubkey(c->ctx, key, "cv25519", 0, 0,
	    GPGME_CREATE_ENCR | GPGME_CREATE_NOPASSWD | GPGME_CREATE_NOEXPIRE);
	if (err != 0) {
		/* Half a workspace key (one that cannot decrypt) is worse
		 * than none: init can run again. */
		gpgme_op_delete_ext(c->ctx, key, GPGME_DELETE_ALLOW_SECRET |
		    GPGME_DELETE_FORCE);
		rv = errorf(errstr, EX_TEMPFAIL, "gpg could not add the "
		    "encryption subkey in %s: %s", c->home,
		    gpgme_strerror(err));
	}
out:
	if (key != NULL)
		gpgme_key_unref(key);
	if (rv != 0)
		freep(fpr);
	return rv;
}

/*
 * A detached signature over data exactly as given: for RFC 3156 that is
 * the MIME entity as sent, with CRLF line ends.  A binary signature, not
 * a text-mode one: it covers the very bytes sent, where text mode leaves
 * line ends and trailing blanks to each verifier's idea of canonical
 * text, on which RFC 2440 and RFC 4880 disagree.
 */
int
crypto_sign_detached(struct crypto *c, const char *fpr, const char *data,
    size_t len, char **sig, size_t *siglen, char **micalg, char **errstr)
{
	gpgme_sign_result_t sr;
	gpgme_key_t key = NULL;
	gpgme_data_t in = NULL;
	gpgme_error_t err;
	struct crypto_out o;
	const char *algo;
	int rv;

	*sig = *micalg = NULL;
	*siglen = 0;
	memset(&o, 0, sizeof o);
	if ((rv = crypto_lookup(c, fpr, &key, errstr)) != 0)
		return rv;
	if (!crypto_have_secret(c->home, key->subkeys->keygrip) ||
	    !key->can_sign || key->revoked || key->expired || key->invalid) {
		rv = errorf(errstr, EX_DATAERR, "key %s cannot sign here: it "
		    "is not a usable workspace key", fpr);
		goto out;
	}
	if ((rv = crypto_out_new(&o, CRYPTO_MAX_KEYS, errstr)) != 0)
		goto out;
	if ((err = gpgme_data_new_from_mem(&in, data, len, 0)) != 0) {
		rv = crypto_fail(errstr, err, "read the text to sign");
		goto out;
	}
	gpgme_signers_clear(c->ctx);
	gpgme_signers_add(c->ctx, key);
	gpgme_set_armor(c->ctx, 1);
	gpgme_set_textmode(c->ctx, 0);
	err = gpgme_op_sign(c->ctx, in, o.d, GPGME_SIG_MODE_DETACH);
	gpgme_set_armor(c->ctx, 0);
	gpgme_signers_clear(c->ctx);
	/* The secret key is there and usable, so a failure is the agent's. */
	if (err != 0) {
		rv = errorf(errstr, EX_TEMPFAIL, "gpg could not sign with %s: "
		    "%s; is gpg-agent able to run?", fpr, gpgme_strerror(err));
		goto out;
	}
	sr = gpgme_op_sign_result(c->ctx);
	if (sr == NULL || sr->signatures == NULL ||
	    sr->invalid_signers != NULL ||
	    (algo = gpgme_hash_algo_name(sr->signatures->hash_algo)) == NULL) {
		rv = errorf(errstr, EX_SOFTWARE, "gpg did not sign with %s",
		    fpr);
		goto out;
	}
	*micalg = str_lower(xprintf("pgp-%s", algo));
	*siglen = o.b.len;
	*sig = buf_take(&o.b);
out:
	if (in != NULL)
		gpgme_data_release(in);
	if (key != NULL)
		gpgme_key_unref(key);
	crypto_out_free(&o);
	return rv;
}
