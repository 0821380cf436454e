/* pgp.h: OpenPGP through gpgme (crypto.c, crypto-*.c): the
 * workspace key, signing, verifying, decrypting, imported keys.  May call
 * util/ only; send/ and intake/ call it. */
#ifndef SETUPLINK_PGP_H
#define SETUPLINK_PGP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- OpenPGP through gpgme (crypto.c, crypto-*.c) ----
 * Every function returns 0, EX_DATAERR when the input is at fault (bad
 * data, no key for it, a deadline passed), or EX_TEMPFAIL when gpg or its
 * agent cannot run.  gpgme is initialised on the first crypto_open(), so
 * a process that needs no OpenPGP never pays for it.  No pinentry ever.
 * A fingerprint the keyring lacks is EX_NOINPUT; crypto_workspace_key()
 * is EX_CONFIG when the home holds no secret key or several, and
 * crypto_keygen() when it holds one already.  gnupghome must exist
 * (dir_make() it first); timeout_s bounds each verify or decrypt (0: no
 * deadline). */

struct crypto;

struct sig_info {
	char	*fpr;		/* primary key, 40 uppercase hex; NULL: unknown key */
	char	*signer_fpr;	/* as gpg reported it (maybe a subkey) */
	bool	 good;		/* valid signature by a key in our keyring */
	bool	 bad;		/* cryptographically bad: rejects the message */
	bool	 known;		/* the key is in our keyring (imported) */
	bool	 expired;	/* key expired or signature expired */
	bool	 revoked;
	char	*detail;	/* gpg's words, for the log */
};

struct crypto_result {
	bool		 decrypted;	/* decryption done, integrity protected */
	struct sig_info	*sigs;
	size_t		 nsigs;
	char		*plain;		/* decrypted / verified plaintext */
	size_t		 plain_len;
};

struct key_info {
	char	*fpr;		/* primary, 40 uppercase hex */
	char	**uids;
	size_t	 nuids;
	int64_t	 created;
	int64_t	 expires;	/* 0: never */
	bool	 revoked;
	bool	 expired;
	bool	 secret;	/* ours: the workspace key */
};

/*
 * The setup email's signatures without gpg (crypto-fast.c): the workspace
 * key as a cache file in the GnuPG home keeps it (crypto_fast_save(),
 * after gpgme's path made an email), signed by the home's running
 * gpg-agent.  Each returns -1, no sentence, where gpgme's path must do
 * the work instead: no cache or a stale one (the keyring, the secret
 * keys, the mark or gpg.conf changed), no agent, a key it does not know.
 */
struct crypto_fast;
int	 crypto_fast_open(const char *gnupghome, int timeout_s,
	     struct crypto_fast **);
const char *crypto_fast_fpr(const struct crypto_fast *);
void	 crypto_fast_close(struct crypto_fast **);
int	 crypto_fast_save(struct crypto *, const char *fpr);
/* As crypto_export_with_uid() and crypto_sign_detached() do. */
int	 crypto_fast_export_with_uid(struct crypto_fast *, const char *uid,
	     char **armored, size_t *alen, char **minimal, size_t *mlen);
int	 crypto_fast_sign(struct crypto_fast *, const char *data, size_t len,
	     char **sig, size_t *siglen, char **micalg);

int	 crypto_open(const char *gnupghome, int timeout_s, struct crypto **,
	     char **errstr);
/* As crypto_open(), but gpgme starts only when an operation needs it:
 * the intake, whose verify or decrypt is one gpg run of its own. */
int	 crypto_open_lazy(const char *gnupghome, int timeout_s,
	     struct crypto **, char **errstr);
void	 crypto_close(struct crypto **);
/* Whether fpr is a key whose secret part is here: the workspace key, or
 * one that key rotate replaced. */
bool	 crypto_key_is_ours(struct crypto *, const char *fpr);
/* ed25519 signing primary + cv25519 encryption subkey, no passphrase. */
int	 crypto_keygen(struct crypto *, const char *uid, char **fpr, char **errstr);
/* The workspace key: the one secret key in the keyring, or after a
 * rotation the one the home's mark names. */
int	 crypto_workspace_key(struct crypto *, char **fpr, char **errstr);
/* A new workspace key for uid: *old gets the one it replaces, which stays
 * in the keyring and keeps decrypting. */
int	 crypto_rotate(struct crypto *, const char *uid, char **old, char **fpr,
	     char **errstr);
/* Forget an imported public key: EX_NOINPUT when there is none, EX_DATAERR
 * for a workspace key (one whose secret part is here). */
int	 crypto_key_rm(struct crypto *, const char *fpr, char **errstr);
int	 crypto_export_armored(struct crypto *, const char *fpr, char **data,
	     size_t *len, char **errstr);
/*
 * The workspace key with an extra user ID (the email's reply address),
 * made in a throwaway keyring that is removed afterwards: armored for
 * the attachment and minimal binary (primary, encryption subkey, that
 * UID) for the Autocrypt header.
 */
int	 crypto_export_with_uid(struct crypto *, const char *fpr, const char *uid,
	     char **armored, size_t *alen, char **minimal, size_t *mlen,
	     char **errstr);
/* Detached armored signature; *micalg gets "pgp-sha512" or the like. */
int	 crypto_sign_detached(struct crypto *, const char *fpr, const char *data,
	     size_t len, char **sig, size_t *siglen, char **micalg, char **errstr);
/* Public keys, or a revocation certificate (then *n is 0); a block that
 * holds a secret key is refused (EX_DATAERR) before anything is stored. */
int	 crypto_import(struct crypto *, const char *data, size_t len,
	     struct key_info **, size_t *n, char **errstr);
int	 crypto_list(struct crypto *, struct key_info **, size_t *n, char **errstr);
int	 crypto_key_get(struct crypto *, const char *fpr, struct key_info **, char **errstr);
void	 key_info_free(struct key_info **, size_t);
int	 crypto_verify_detached(struct crypto *, const char *data, size_t len,
	     const char *sig, size_t siglen, struct crypto_result *, char **errstr);
/*
 * How many bytes of plaintext the operations that follow may still
 * produce, all of them together (NULL: no budget but the per-operation
 * cap): the intake gives each message one, so that ciphertext nested in
 * ciphertext cannot make a small message cost hundreds of megabytes.
 * Each operation takes what it produced from *remaining.
 */
void	 crypto_set_budget(struct crypto *, size_t *remaining);
/* A cleartext-signed or opaque-signed armored block (inline PGP). */
int	 crypto_verify_inline(struct crypto *, const char *armored, size_t len,
	     struct crypto_result *, char **errstr);
/* Decrypt and verify; ciphertext without integrity protection is EX_DATAERR. */
int	 crypto_decrypt(struct crypto *, const char *data, size_t len,
	     struct crypto_result *, char **errstr);
void	 crypto_result_free(struct crypto_result *);
bool	 fingerprint_valid(const char *);	/* 40 hex digits */
#endif
