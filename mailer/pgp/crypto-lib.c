/* crypto-lib.c: gpgme's functions, resolved on first use (gpgme-lib.h). */
#include "mailer/pgp/gpgme-lib.h"
#include "util/util.h"

LAZY_TABLE(gpgme, "libgpgme.so.11", "libgpgme11", GPGME_FNS)
