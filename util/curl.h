/* curl.h: libcurl, loaded on first use, for every part of setuplink that
 * speaks SMTP or HTTP.  Include this instead of <curl/curl.h>. */
#ifndef SETUPLINK_CURL_H
#define SETUPLINK_CURL_H

#include <curl/curl.h>

/*
 * libcurl (with GnuTLS and a dozen dependencies) costs milliseconds at
 * every start, while the intake starts once per message and most messages
 * never send or fetch anything.  curl_load() opens it and runs
 * curl_global_init() once; it is EX_TEMPFAIL when the library is missing.
 * After it, the curl_* names below call through the resolved pointers.
 */
int	 curl_load(char **errstr);

extern void *curl_fns[];

#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_easy_init		((CURL *(*)(void))curl_fns[0])
#define curl_easy_setopt	((CURLcode (*)(CURL *, CURLoption, ...))curl_fns[1])
#define curl_easy_perform	((CURLcode (*)(CURL *))curl_fns[2])
#define curl_easy_getinfo	((CURLcode (*)(CURL *, CURLINFO, ...))curl_fns[3])
#define curl_easy_strerror	((const char *(*)(CURLcode))curl_fns[4])
#define curl_easy_cleanup	((void (*)(CURL *))curl_fns[5])
#define curl_slist_append	((struct curl_slist *(*)(struct curl_slist *, \
				    const char *))curl_fns[6])
#define curl_slist_free_all	((void (*)(struct curl_slist *))curl_fns[7])
#define curl_easy_escape	((char *(*)(CURL *, const char *, int))curl_fns[8])
#define curl_free		((void (*)(void *))curl_fns[9])

#endif
