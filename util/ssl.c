/* ssl.c: libcrypto's functions, resolved on first use (see ssl.h). */
#include "util/ssl.h"
#include "util/util.h"

#define SSL_FN_NAME(f)	#f,
static const char *const ssl_names[] = { SSL_FNS(SSL_FN_NAME) };
#undef SSL_FN_NAME

static void *ssl_ptrs[nitems(ssl_names)];
static struct lazy_lib ssl_lib = { "libcrypto.so.3", "libssl3", ssl_names,
    ssl_ptrs, nitems(ssl_names), NULL, false };
static struct ssl_fns ssl_table;

_Static_assert(sizeof ssl_table == sizeof ssl_ptrs,
    "struct ssl_fns holds one pointer per name");

const struct ssl_fns *
ssl_fns(void)
{
	lazy_need(&ssl_lib, &ssl_table, sizeof ssl_table);
	return &ssl_table;
}
