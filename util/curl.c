/* curl.c: libcurl resolved on first use (util/lazy.c) and initialised
 * once, shared by the SMTP transport and every HTTP client. */
#include "util/util.h"
#include "util/curl.h"

static const char *curl_syms[] = {
	"curl_easy_init", "curl_easy_setopt", "curl_easy_perform",
	"curl_easy_getinfo", "curl_easy_strerror", "curl_easy_cleanup",
	"curl_slist_append", "curl_slist_free_all", "curl_easy_escape",
	"curl_free", "curl_global_init",
};
void *curl_fns[nitems(curl_syms)];
static struct lazy_lib curl_lib = { "libcurl-gnutls.so.4", "libcurl3-gnutls",
    curl_syms, curl_fns, nitems(curl_syms), NULL, false };

int
curl_load(char **errstr)
{
	static bool inited;
	CURLcode (*global_init)(long);
	int rv;

	if (inited)
		return 0;
	if ((rv = lazy_load(&curl_lib, errstr)) != 0)
		return rv;
	global_init = (CURLcode (*)(long))curl_fns[nitems(curl_syms) - 1];
	if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return errorf(errstr, EX_TEMPFAIL, "cannot start libcurl");
	inited = true;
	return 0;
}
