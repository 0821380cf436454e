/* vault.h: the home's vault, a key pair that secrets at rest are sealed to
 * (vault.c).  Sealing needs only the public key, so the intake seals what
 * it stores without being able to open it; opening needs the private key
 * file, which a passphrase may protect.  Part of util/: calls nothing
 * above it (the passphrase question is a hook the caller sets). */
#ifndef SETUPLINK_VAULT_H
#define SETUPLINK_VAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vault;

/*
 * Ask the person for the passphrase (no echo).  Returns 0 with *pass
 * (freed by the vault, wiped first) or a status with *errstr.
 */
typedef int (*vault_ask_fn)(void *arg, const char *question, char **pass,
    char **errstr);

/*
 * Load DIR's vault (DIR/vault.pub, DIR/vault.key).  With create, a home
 * that has none gets a new pair (init, or an older home's first use);
 * two processes racing to make it agree on one.
 */
int	 vault_load(const char *dir, bool create, struct vault **, char **errstr);
void	 vault_free(struct vault **);
/* Remove DIR's vault files (init --force). */
void	 vault_destroy(const char *dir);
void	 vault_set_ask(struct vault *, vault_ask_fn, void *arg);
/* Does a passphrase protect the private key? */
int	 vault_protected(struct vault *, bool *yes, char **errstr);
/*
 * Read the private key: with a passphrase, from the file named by
 * SETUPLINK_VAULT_PASSPHRASE_FILE, else through the ask hook.  A wrong
 * passphrase, or none to be had, is EX_NOPERM.  Once is enough.
 */
int	 vault_unlock(struct vault *, char **errstr);
/*
 * Protect the private key with pass (Argon2id), or remove the protection
 * when pass is NULL or "".  The vault must be unlocked.  The key file is
 * replaced whole or not at all.
 */
int	 vault_set_passphrase(struct vault *, const char *pass, char **errstr);

/*
 * Seal len bytes to the vault's public key.  The result starts with a
 * magic string (vault_is_sealed) and can be opened only with the
 * private key.  Never fails but for memory, which aborts.
 */
void	 vault_seal(struct vault *, const void *, size_t, char **out,
	     size_t *outlen);
/* Does data start as vault_seal's output does? */
bool	 vault_is_sealed(const void *, size_t);
/*
 * Open what vault_seal made (unlocking first if need be).  *out is
 * NUL-terminated; a damaged or foreign blob is EX_DATAERR.
 */
int	 vault_open(struct vault *, const void *, size_t, char **out,
	     size_t *outlen, char **errstr);

/*
 * Read a file that may be sealed (a quarantined message): sealed, it is
 * opened; in the clear (kept by an older setuplink), it is read as it is.
 */
int	 vault_read_file(struct vault *, const char *path, size_t max,
	     char **data, size_t *len, char **errstr);
/*
 * Seal a file in the clear in place: the sealed copy replaces it whole
 * (rename), the clear bytes overwritten first.  One already sealed is
 * left alone.
 */
int	 vault_seal_file(struct vault *, const char *path, char **errstr);

/*
 * Seal a stream written in pieces to fd (a quarantined message as it is
 * read).  Each call returns 0 or -1 with errno.
 */
struct vault_writer;
int	 vault_writer_new(struct vault *, int fd, struct vault_writer **);
int	 vault_writer_add(struct vault_writer *, const void *, size_t);
int	 vault_writer_end(struct vault_writer **);	/* frees it */
void	 vault_writer_free(struct vault_writer **);

#endif
