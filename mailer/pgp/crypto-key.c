/* crypto-key.c: the keys in the workspace's keyring: finding and listing
 * them, importing the ones the admin trusts, exporting public keys. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>


#include "util/util.h"
#include "mailer/pgp/pgp.h"
#include "mailer/pgp/private.h"

/*
 * The one key that pattern, a fingerprint or a key ID, names in ctx's
 * keyring, with keygrips.  GPG_ERR_NOT_FOUND when there is none, and
 * GPG_ERR_AMBIGUOUS_NAME when a key ID matches two keys (IDs collide; a
 * forger can make one on purpose).  gpgme_get_key() would do the same in
 * a fresh context, which runs gpg once more just to learn its version.
 */
gpgme_error_t
crypto_find(gpgme_ctx_t ctx, const char *pattern, gpgme_key_t *keyp)
{
	gpgme_key_t key = NULL, other = NULL;
	gpgme_error_t err;

	*keyp = NULL;
	gpgme_set_keylist_mode(ctx, GPGME_KEYLIST_MODE_LOCAL |
	    GPGME_KEYLIST_MODE_WITH_KEYGRIP);
	if ((err = gpgme_op_keylist_start(ctx, pattern, 0)) != 0)
		return err;
	if ((err = gpgme_op_keylist_next(ctx, &key)) == 0) {
		while ((err = gpgme_op_keylist_next(ctx, &other)) == 0) {
			if (strcmp(other->subkeys->fpr, key->subkeys->fpr) != 0)
				break;
			gpgme_key_unref(other);
			other = NULL;
		}
		if (gpg_err_code(err) == GPG_ERR_EOF)
			err = 0;
		else if (err == 0)
			err = gpg_error(GPG_ERR_AMBIGUOUS_NAME);
	} else if (gpg_err_code(err) == GPG_ERR_EOF)
		err = gpg_error(GPG_ERR_NOT_FOUND);
	gpgme_op_keylist_end(ctx);
	if (other != NULL)
		gpgme_key_unref(other);
	if (err != 0 && key != NULL)
		gpgme_key_unref(key);
	else
		*keyp = key;
	return err;
}

/*
 * Whether home holds the secret part of a key: gpg-agent keeps it as
 * private-keys-v1.d/KEYGRIP.key.  Looking for the file answers without
 * starting the agent, and it tells "no secret key" from "the agent could
 * not run" when gpg reports both the same way.
 */
bool
crypto_have_secret(const char *home, const char *keygrip)
{
	char *path;
	bool ok;

	if (keygrip == NULL || strlen(keygrip) != 40 ||
	    strspn(keygrip, "0123456789ABCDEFabcdef") != 40)
		return false;
	path = xprintf("%s/private-keys-v1.d/%s.key", home, keygrip);
	ok = access(path, F_OK) == 0;
	free(path);
	return ok;
}

static void
crypto_key_info(const char *home, gpgme_key_t key, struct key_info *ki)
{
	gpgme_user_id_t uid;
	size_t n = 0;

	memset(ki, 0, sizeof *ki);
	ki->fpr = crypto_upper(key->subkeys->fpr);
	for (uid = key->uids; uid != NULL; uid = uid->next)
		n++;
	ki->uids = xcalloc(n, sizeof *ki->uids);
	for (uid = key->uids; uid != NULL; uid = uid->next) {
		ki->uids[ki->nuids++] = xstrdup(uid->uid != NULL ?
		    uid->uid : "");
	}
	ki->created = key->subkeys->timestamp > 0 ? key->subkeys->timestamp : 0;
	ki->expires = key->subkeys->expires;
	ki->revoked = key->revoked;
	ki->expired = key->expired;
	ki->secret = crypto_have_secret(home, key->subkeys->keygrip);
}

void
key_info_free(struct key_info **kip, size_t n)
{
	struct key_info *ki = *kip;
	size_t i;

	if (ki == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(ki[i].fpr);
		strv_free(&ki[i].uids, ki[i].nuids);
	}
	free(ki);
	*kip = NULL;
}

/* Every key in the keyring, ours (secret) and the imported ones. */
int
crypto_keys(struct crypto *c, gpgme_key_t **keysp, size_t *np, char **errstr)
{
	gpgme_key_t key, *keys = NULL;
	gpgme_error_t err;
	size_t n = 0;
	int rv;

	if ((rv = crypto_ready(c, errstr)) != 0)
		return rv;
	gpgme_set_keylist_mode(c->ctx, GPGME_KEYLIST_MODE_LOCAL |
	    GPGME_KEYLIST_MODE_WITH_KEYGRIP);
	if ((err = gpgme_op_keylist_start(c->ctx, NULL, 0)) != 0)
		return crypto_fail(errstr, err, "list the keys");
	while ((err = gpgme_op_keylist_next(c->ctx, &key)) == 0) {
		keys = xreallocarray(keys, n + 1, sizeof *keys);
		keys[n++] = key;
	}
	gpgme_op_keylist_end(c->ctx);
	if (gpg_err_code(err) != GPG_ERR_EOF) {
		while (n > 0)
			gpgme_key_unref(keys[--n]);
		free(keys);
		return crypto_fail(errstr, err, "list the keys");
	}
	*keysp = keys;
	*np = n;
	return 0;
}

int
crypto_list(struct crypto *c, struct key_info **kip, size_t *np, char **errstr)
{
	gpgme_key_t *keys;
	size_t i, n;
	int rv;

	*kip = NULL;
	*np = 0;
	if ((rv = crypto_keys(c, &keys, &n, errstr)) != 0)
		return rv;
	*kip = xcalloc(n, sizeof **kip);
	for (i = 0; i < n; i++) {
		crypto_key_info(c->home, keys[i], &(*kip)[i]);
		gpgme_key_unref(keys[i]);
	}
	free(keys);
	*np = n;
	return 0;
}

/* Find a key by full fingerprint: EX_NOINPUT when the keyring lacks it. */
int
crypto_lookup(struct crypto *c, const char *fpr, gpgme_key_t *keyp,
    char **errstr)
{
	gpgme_error_t err;
	int rv;

	*keyp = NULL;
	if (!fingerprint_valid(fpr))
		return errorf(errstr, EX_DATAERR, "\"%s\" is not a key "
		    "fingerprint (40 hex digits)", fpr != NULL ? fpr : "");
	if ((rv = crypto_ready(c, errstr)) != 0)
		return rv;
	if ((err = crypto_find(c->ctx, fpr, keyp)) == 0)
		return 0;
	if (gpg_err_code(err) == GPG_ERR_NOT_FOUND)
		return errorf(errstr, EX_NOINPUT, "no key %s in %s; import it "
		    "with setuplink key import", fpr, c->home);
	return crypto_fail(errstr, err, "look up a key");
}

int
crypto_key_get(struct crypto *c, const char *fpr, struct key_info **kip,
    char **errstr)
{
	gpgme_key_t key;
	int rv;

	*kip = NULL;
	if ((rv = crypto_lookup(c, fpr, &key, errstr)) != 0)
		return rv;
	*kip = xcalloc(1, sizeof **kip);
	crypto_key_info(c->home, key, *kip);
	gpgme_key_unref(key);
	return 0;
}

/* Export one key, public; mode is gpgme's (0, or GPGME_EXPORT_MODE_MINIMAL). */
int
crypto_export(gpgme_ctx_t ctx, const char *fpr, gpgme_export_mode_t mode,
    bool armor, struct crypto_out *o, char **errstr)
{
	gpgme_error_t err;
	int rv;

	if ((rv = crypto_out_new(o, CRYPTO_MAX_KEYS, errstr)) != 0)
		return rv;
	gpgme_set_armor(ctx, armor);
	err = gpgme_op_export(ctx, fpr, mode, o->d);
	gpgme_set_armor(ctx, 0);
	if (err != 0)
		return crypto_fail(errstr, err, "export the key");
	if (o->b.len == 0)
		return errorf(errstr, EX_NOINPUT, "gpg exported nothing for "
		    "key %s", fpr);
	return 0;
}

int
crypto_export_armored(struct crypto *c, const char *fpr, char **data,
    size_t *len, char **errstr)
{
	struct crypto_out o;
	gpgme_key_t key;
	int rv;

	*data = NULL;
	*len = 0;
	if ((rv = crypto_lookup(c, fpr, &key, errstr)) != 0)
		return rv;
	gpgme_key_unref(key);
	if ((rv = crypto_export(c->ctx, fpr, 0, true, &o, errstr)) == 0) {
		*len = o.b.len;
		*data = buf_take(&o.b);
	}
	crypto_out_free(&o);
	return rv;
}

/*
 * Import public keys, or a revocation certificate (which names no key:
 * then *np is 0).  A block that holds a secret key is refused before
 * anything is stored: a second secret key would make the workspace key
 * ambiguous, and nobody should mail us theirs.
 */
int
crypto_import(struct crypto *c, const char *data, size_t len,
    struct key_info **kip, size_t *np, char **errstr)
{
	gpgme_import_result_t ir = NULL;
	gpgme_import_status_t is;
	gpgme_data_t in = NULL;
	gpgme_key_t key;
	gpgme_error_t err;
	size_t i, n = 0;
	bool secret = false;
	int rv = 0;

	*kip = NULL;
	*np = 0;
	if ((rv = crypto_ready(c, errstr)) != 0)
		return rv;
	if ((err = gpgme_data_new_from_mem(&in, data, len, 0)) != 0)
		return crypto_fail(errstr, err, "read the key");
	gpgme_set_keylist_mode(c->ctx, GPGME_KEYLIST_MODE_LOCAL);
	if ((err = gpgme_op_keylist_from_data_start(c->ctx, in, 0)) == 0) {
		while ((err = gpgme_op_keylist_next(c->ctx, &key)) == 0) {
			secret = secret || key->secret;
			gpgme_key_unref(key);
		}
		gpgme_op_keylist_end(c->ctx);
	}
	if (crypto_transient(err)) {
		rv = crypto_fail(errstr, err, "read the key");
		goto out;
	}
	if (secret) {
		rv = errorf(errstr, EX_DATAERR, "it holds a secret key; import "
		    "only public keys (gpg --export --armor)");
		goto out;
	}
	gpgme_data_seek(in, 0, SEEK_SET);
	if ((err = gpgme_op_import(c->ctx, in)) != 0) {
		rv = crypto_fail(errstr, err, "import the key");
		goto out;
	}
	if ((ir = gpgme_op_import_result(c->ctx)) == NULL ||
	    ir->considered == 0) {
		ir = NULL;
		rv = errorf(errstr, EX_DATAERR, "there is no OpenPGP key in "
		    "it");
		goto out;
	}
	/* Looking keys up runs new operations, which would free it. */
	gpgme_result_ref(ir);
	for (is = ir->imports; is != NULL; is = is->next)
		n++;
	*kip = xcalloc(n, sizeof **kip);
	for (is = ir->imports; is != NULL; is = is->next) {
		if (is->result != 0 || is->fpr == NULL)
			continue;
		for (i = 0; i < *np; i++) {
			if (strcasecmp((*kip)[i].fpr, is->fpr) == 0)
				break;
		}
		if (i < *np || crypto_find(c->ctx, is->fpr, &key) != 0)
			continue;
		crypto_key_info(c->home, key, &(*kip)[(*np)++]);
		gpgme_key_unref(key);
	}
	if (*np == 0)
		key_info_free(kip, 0);
	if (*np == 0 && ir->new_revocations == 0) {
		is = ir->imports;
		rv = errorf(errstr, EX_DATAERR, "gpg imported no key: %s",
		    is != NULL && is->result != 0 ? gpgme_strerror(is->result) :
		    "it holds no usable key");
	}
out:
	if (ir != NULL)
		gpgme_result_unref(ir);
	gpgme_data_release(in);
	return rv;
}

/*
 * Forget an imported key.  The workspace's own keys are not imported ones:
 * removing one would leave replies that nothing can decrypt.
 */
int
crypto_key_rm(struct crypto *c, const char *fpr, char **errstr)
{
	gpgme_key_t key = NULL;
	gpgme_error_t err;
	int rv;

	if ((rv = crypto_lookup(c, fpr, &key, errstr)) != 0)
		return rv;
	if (strcasecmp(key->subkeys->fpr, fpr) != 0) {
		rv = errorf(errstr, EX_NOINPUT, "no key has the primary "
		    "fingerprint %s; see setuplink key list", fpr);
		goto out;
	}
	if (crypto_have_secret(c->home, key->subkeys->keygrip)) {
		rv = errorf(errstr, EX_DATAERR, "%s is a workspace key, not an "
		    "imported one: it decrypts replies and stays", fpr);
		goto out;
	}
	if ((err = gpgme_op_delete_ext(c->ctx, key, GPGME_DELETE_FORCE)) != 0)
		rv = crypto_fail(errstr, err, "remove the key");
out:
	gpgme_key_unref(key);
	return rv;
}
