/* probe-mysql.c: the mysql kind: the MariaDB client library (loaded on
 * first use) logs in with the draft's TLS settings and runs SELECT 1.
 * Errors are told by their number (1045, 2026...), never their text,
 * which quotes the user and the host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mysql.h>

#include "mailer/probe/private.h"

static const char *my_syms[] = {
	"mysql_init", "mysql_options", "mysql_real_connect", "mysql_errno",
	"mysql_close", "mysql_query", "mysql_store_result",
	"mysql_free_result", "mysql_get_ssl_cipher",
};
static void *my_fns[nitems(my_syms)];
static struct lazy_lib my_lib = { "libmariadb.so.3", "libmariadb3", my_syms,
    my_fns, nitems(my_syms), NULL, false };

#define my_init		((MYSQL *(*)(MYSQL *))my_fns[0])
#define my_options	((int (*)(MYSQL *, enum mysql_option, \
			    const void *))my_fns[1])
#define my_connect	((MYSQL *(*)(MYSQL *, const char *, const char *, \
			    const char *, const char *, unsigned int, \
			    const char *, unsigned long))my_fns[2])
#define my_errno	((unsigned int (*)(MYSQL *))my_fns[3])
#define my_close	((void (*)(MYSQL *))my_fns[4])
#define my_query	((int (*)(MYSQL *, const char *))my_fns[5])
#define my_store	((MYSQL_RES *(*)(MYSQL *))my_fns[6])
#define my_free_res	((void (*)(MYSQL_RES *))my_fns[7])
#define my_cipher	((const char *(*)(MYSQL *))my_fns[8])

static int
my_classify(struct probe *p, unsigned int e, const char *host)
{
	switch (e) {
	case 1045: case 1698:
		return probe_fail(p, EX_UNAVAILABLE, "login", "user,password",
		    "the server refused the login (%u)", e);
	case 1044:
		return probe_fail(p, EX_UNAVAILABLE, "login", "database,user",
		    "the user may not use this database, or it does not "
		    "exist (%u)", e);
	case 1049:
		return probe_fail(p, EX_UNAVAILABLE, "login", "database", "the "
		    "database does not exist (%u)", e);
	case 1130:
		return probe_fail(p, EX_UNAVAILABLE, "login", "user", "the "
		    "server does not let this user in from here (%u)", e);
	case 2026:
		return probe_fail(p, EX_UNAVAILABLE, "tls", "ssl_ca,ssl_mode",
		    "the TLS connection failed: the certificate does not "
		    "verify with the CA given, or TLS is not offered (%u)", e);
	case 2002: case 2003: case 2013:
		return probe_fail(p, EX_TEMPFAIL, "connect", "host,port",
		    "nothing answers on %s at that port in time (%u)", host, e);
	default:
		return probe_fail(p, EX_UNAVAILABLE, "connect", NULL, "the "
		    "server did not let the login through (%u)", e);
	}
}

/* TLS as ssl_mode says; the CA file handed over in memory. */
static int
my_tls(struct probe *p, MYSQL *m, bool *verify, int *cafd)
{
	const char *mode = probe_get(p, "ssl_mode", NULL), *ca;
	char path[64];
	my_bool yes = 1;
	size_t len;

	*verify = false;
	if (mode == NULL || strcmp(mode, "PREFERRED") == 0 ||
	    strcmp(mode, "DISABLED") == 0)
		return 0;
	my_options(m, MYSQL_OPT_SSL_ENFORCE, &yes);
	if (strcmp(mode, "REQUIRED") == 0)
		return 0;
	*verify = true;
	my_options(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes);
	if ((ca = probe_get(p, "ssl_ca", &len)) == NULL)
		return 0;
	if ((*cafd = probe_memfile(ca, len, path)) < 0)
		return probe_fail(p, EX_TEMPFAIL, "tls", NULL, "cannot hold "
		    "%s in memory", probe_key(p, "ssl_ca"));
	my_options(m, MYSQL_OPT_SSL_CA, path);
	return 0;
}

static int
my_session(struct probe *p, MYSQL *m, const char *ip, unsigned port)
{
	const char *host = probe_get(p, "host", NULL), *cipher;
	unsigned int t = (unsigned int)(p->timeout_ms / 1000 > 1 ?
	    p->timeout_ms / 1000 : 1);
	MYSQL_RES *r;
	bool verify;
	int rv, cafd = -1;

	my_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &t);
	my_options(m, MYSQL_OPT_READ_TIMEOUT, &t);
	if ((rv = my_tls(p, m, &verify, &cafd)) != 0)
		return rv;
	/* A certificate is checked against the name; otherwise the address
	 * the gate allowed is the one connected to. */
	if (my_connect(m, verify ? host : ip, probe_get(p, "user", NULL),
	    probe_get(p, "password", NULL), probe_get(p, "database", NULL),
	    port, NULL, 0) == NULL) {
		rv = my_classify(p, my_errno(m), host);
		goto out;
	}
	probe_ok(p, "connect", "reached %s port %u", host, port);
	cipher = my_cipher(m);
	probe_ok(p, "tls", cipher ? "TLS in use%s" : "no TLS: ssl_mode allows "
	    "a plain connection%s", verify ? ", certificate verified" : "");
	probe_ok(p, "login", "logged in as %s", probe_get(p, "user", NULL));
	if (my_query(m, "SELECT 1") != 0)
		rv = probe_fail(p, EX_UNAVAILABLE, "query", NULL, "SELECT 1 "
		    "failed (%u)", my_errno(m));
	else {
		if ((r = my_store(m)) != NULL)
			my_free_res(r);
		probe_ok(p, "query", "SELECT 1 answered");
	}
out:
	if (cafd >= 0)
		close(cafd);
	return rv;
}

int
probe_mysql(struct probe *p)
{
	const char *portv = probe_get(p, "port", NULL);
	char ip[64], *err = NULL;
	int rv, port = portv ? atoi(portv) : 3306;
	MYSQL *m;

	if ((rv = probe_need(p, "host")) != 0 ||
	    (rv = probe_need(p, "user")) != 0 ||
	    (rv = probe_certificate(p, "ssl_ca")) != 0 ||
	    (rv = probe_resolve(p, port, ip)) != 0)
		return rv;
	if (lazy_load(&my_lib, &err) != 0) {
		rv = probe_fail(p, EX_TEMPFAIL, "library", NULL, "%s", err);
		free(err);
		return rv;
	}
	if ((m = my_init(NULL)) == NULL)
		return probe_fail(p, EX_TEMPFAIL, "library", NULL, "cannot "
		    "start the MariaDB client");
	rv = my_session(p, m, ip, (unsigned)port);
	my_close(m);
	return rv;
}
