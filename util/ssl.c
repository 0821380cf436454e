/* ssl.c: libcrypto's functions, resolved on first use (see ssl.h). */
#include "util/ssl.h"
#include "util/util.h"

LAZY_TABLE(ssl, "libcrypto.so.3", "libssl3", SSL_FNS)
