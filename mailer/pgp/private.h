/* private.h: what the crypto*.c files share and nothing else may use:
 * the gpgme context, buffer helpers and key lookups. */
#ifndef SETUPLINK_PGP_PRIVATE_H
#define SETUPLINK_PGP_PRIVATE_H

#include <time.h>

#include "mailer/pgp/gpgme-lib.h"

#include "util/util.h"

#define CRYPTO_MAX_KEYS	(4u << 20)	/* an exported or copied key, bytes */

struct crypto {
	gpgme_ctx_t	 ctx;
	char		*home;		/* the GnuPG home */
	int		 timeout_s;	/* per verify or decrypt; 0: none */
	size_t		*budget;	/* plaintext left, or NULL */
	struct crypto_kc *kc;		/* the keyring's cache, or NULL */
};
/* gpgme output into our buffer, at most max bytes (over: gpg wanted more). */
struct crypto_out {
	struct buf		 b;
	size_t			 max;
	bool			 over;
	struct gpgme_data_cbs	 cbs;
	gpgme_data_t		 d;
};

/* crypto.c: the context, errors, buffers. */
int		 crypto_init_lib(char **errstr);
/* gpgme and c's context, if crypto_open_lazy() left them to now. */
int		 crypto_ready(struct crypto *, char **errstr);
int		 crypto_ctx_new(const char *home, gpgme_ctx_t *, char **errstr);
bool		 crypto_transient(gpgme_error_t);
int		 crypto_fail(char **errstr, gpgme_error_t, const char *what);
int		 crypto_out_new(struct crypto_out *, size_t max, char **errstr);
void		 crypto_out_free(struct crypto_out *);
char		*crypto_upper(const char *);
/* gpgconf's path (gpgme asks gpgconf nothing, so it does not know it: it
 * is installed beside gpg); NULL if not found.  Free it. */
const char	*crypto_gpg_path(void);
char		*crypto_gpgconf_path(void);

/* crypto-wait.c: an operation's pipes in a poll() loop of our own. */
struct crypto_fd {
	int		 fd;
	int		 dir;		/* 1: gpgme reads from it */
	gpgme_io_cb_t	 fnc;
	void		*fnc_data;
	bool		 used;
};
struct crypto_loop {
	struct crypto_fd fds[16];
	bool		 done;
	gpgme_error_t	 err, op_err;
};
/* Attach before an operation's _start; crypto_loop_wait() (or, when the
 * start failed, crypto_loop_detach()) after it. */
void		 crypto_loop_attach(gpgme_ctx_t, struct crypto_loop *);
void		 crypto_loop_detach(gpgme_ctx_t);
gpgme_error_t	 crypto_loop_wait(gpgme_ctx_t, struct crypto_loop *,
		     const struct timespec *deadline, bool *late);

/* crypto-key.c: keys in the keyring. */
gpgme_error_t	 crypto_find(gpgme_ctx_t, const char *pattern, gpgme_key_t *);
bool		 crypto_have_secret(const char *home, const char *keygrip);
/* Every key, each to be gpgme_key_unref()ed, in a free()able array. */
int		 crypto_keys(struct crypto *, gpgme_key_t **, size_t *,
		     char **errstr);
/* The key with that full fingerprint; EX_NOINPUT when there is none. */
int		 crypto_lookup(struct crypto *, const char *fpr, gpgme_key_t *,
		     char **errstr);
/* One public key into o (crypto_out_free() it whatever the result). */
int		 crypto_export(gpgme_ctx_t, const char *fpr, gpgme_export_mode_t,
		     bool armor, struct crypto_out *, char **errstr);

/* crypto-direct.c: one gpg run of our own, and the keyring's cache. */
struct crypto_gpg {
	int		 status;	/* waitpid()'s, once it ended */
	bool		 ended;		/* it ended by itself */
	bool		 over;		/* it wrote more than max_out */
	bool		 late;		/* the deadline passed */
	struct buf	 st;		/* its status lines */
	struct buf	 out;		/* its output */
};
/* gpg in c's home with args after the common options, in on its stdin,
 * sig (if not NULL) on "-&4", at most max_out bytes of output kept.  -1:
 * it could not start (gpgme's path then says why), or the status lines
 * overflowed. */
int		 crypto_gpg_run(struct crypto *, const char *const *args,
		     const char *in, size_t inlen, const char *sig,
		     size_t siglen, size_t max_out,
		     const struct timespec *deadline, struct crypto_gpg *);
void		 crypto_gpg_free(struct crypto_gpg *);
/* What the keyring says of one key, found by a subkey's or the primary
 * key's fingerprint or 16-digit key ID, as crypto_find() would find it. */
struct crypto_kfacts {
	char	 fpr[41];	/* the primary key's */
	bool	 key_expired, key_revoked, key_invalid, key_disabled;
	bool	 sub_expired, sub_revoked, sub_invalid, sub_disabled;
	bool	 secret;	/* the primary's secret part is here */
};
/* 1: found; 0: not in the keyring (or two keys match); -1: no cache
 * could be had (gpgme's path must look). */
int		 crypto_kc_find(struct crypto *, const char *pattern,
		     struct crypto_kfacts *);
void		 crypto_kc_free(struct crypto_kc **);

/* crypto-status.c: gpg's status lines read as gpgme reads them. */
#define CRYPTO_MAX_SIGS	16		/* signatures on one text */
/* What gpg said of one signature, from gpgme's result or from its own
 * status lines. */
struct sig_seen {
	gpg_err_code_t	 code;
	const char	*fpr;		/* as gpg named the key, or NULL */
	bool		 wrong_key_usage;
	bool		 sum_expired, sum_revoked;
};

/* What one gpg run's status lines said. */
struct crypto_status {
	struct sig_seen	 sigs[CRYPTO_MAX_SIGS];
	char		*fprs[CRYPTO_MAX_SIGS];
	size_t		 nsigs;
	bool		 fresh;		/* NEWSIG, no verdict on it yet */
	bool		 odd;		/* a line this file does not know */
	bool		 begin, okay, end, mdc, encrypted, asked;
};
void		 crypto_status_parse(struct crypto_status *, const struct buf *);
void		 crypto_status_free(struct crypto_status *);

/* crypto-uid.c: the length of the OpenPGP packet header at p, the packet's
 * tag and its whole length in *total; -1 when cut short or partial. */
int		 crypto_packet(const uint8_t *p, size_t len, int *tag,
		     size_t *total);

/* crypto-packet.c: OpenPGP packets for crypto-fast.c. */
/* The body of the first packet with tag want from *off on (moved past). */
const uint8_t	*pkt_find(const uint8_t *p, size_t len, size_t *off, int want,
		     size_t *blen);
void		 pkt_header(struct buf *, int tag, size_t len);	/* old format */
void		 pkt_be32(uint8_t *p, uint32_t v);
void		 pkt_mpi(struct buf *, const uint8_t *p, size_t n);
/* The atom after the atom name that opens a list, in a canonical
 * S-expression: "r" and "s" of (sig-val (eddsa (r ...) (s ...))). */
bool		 pkt_sexp_value(const uint8_t *p, size_t len, const char *name,
		     const uint8_t **v, size_t *vlen);
/* A user ID self-signature's hashed subpackets but time, issuer and
 * primary flag; -1 when it is not a v4 signature. */
int		 pkt_copy_prefs(const uint8_t *sig, size_t len, struct buf *);
/* key with the user ID packets in uid before its first subkey; with
 * only_new, without the key's own user IDs. */
void		 pkt_insert_uid(const uint8_t *key, size_t len,
		     const struct buf *uid, struct buf *out, bool only_new);
char		*pkt_armor(const char *what, const uint8_t *p, size_t n,
		     size_t *alen);
int		 pkt_hexval(int c);		/* -1: not hex */

/* crypto.c: a stamp of files in a GnuPG home, for the caches kept there. */
char	*crypto_home_stamp(const char *, const char *const names[]);

#endif
