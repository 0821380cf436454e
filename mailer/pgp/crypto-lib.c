/* crypto-lib.c: gpgme's functions, resolved on first use (gpgme-lib.h). */
#include "mailer/pgp/gpgme-lib.h"
#include "util/util.h"

#define GPGME_FN_NAME(f)	#f,
static const char *const gpgme_names[] = { GPGME_FNS(GPGME_FN_NAME) };
#undef GPGME_FN_NAME

static void *gpgme_ptrs[nitems(gpgme_names)];
static struct lazy_lib gpgme_lib = { "libgpgme.so.11", "libgpgme11",
    gpgme_names, gpgme_ptrs, nitems(gpgme_names), NULL, false };
static struct gpgme_fns gpgme_table;

_Static_assert(sizeof gpgme_table == sizeof gpgme_ptrs,
    "struct gpgme_fns holds one pointer per name");

const struct gpgme_fns *
gpgme_fns(void)
{
	lazy_need(&gpgme_lib, &gpgme_table, sizeof gpgme_table);
	return &gpgme_table;
}
