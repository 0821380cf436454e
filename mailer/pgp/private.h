/* private.h: what crypto.c and crypto-verify.c share and nothing
 * else may use: the gpgme context and buffer helpers. */
#ifndef SETUPLINK_PGP_PRIVATE_H
#define SETUPLINK_PGP_PRIVATE_H

#include <gpgme.h>

#include "util/util.h"

struct crypto {
	gpgme_ctx_t	 ctx;
	char		*home;		/* the GnuPG home */
	int		 timeout_s;	/* per verify or decrypt; 0: none */
};
/* gpgme output into our buffer, at most max bytes (over: gpg wanted more). */
struct crypto_out {
	struct buf		 b;
	size_t			 max;
	bool			 over;
	struct gpgme_data_cbs	 cbs;
	gpgme_data_t		 d;
};
bool		 crypto_transient(gpgme_error_t);
int		 crypto_fail(char **errstr, gpgme_error_t, const char *what);
int		 crypto_out_new(struct crypto_out *, size_t max, char **errstr);
void		 crypto_out_free(struct crypto_out *);
char		*crypto_upper(const char *);
gpgme_error_t	 crypto_find(gpgme_ctx_t, const char *pattern, gpgme_key_t *);
bool		 crypto_have_secret(const char *home, const char *keygrip);

#endif
