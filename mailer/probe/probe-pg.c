/* probe-pg.c: the postgres kind: libpq (loaded on first use) logs in with
 * every TLS setting the draft holds, to the address the gate allowed,
 * and runs SELECT 1 (and, when the definition names a schema field,
 * asks whether the user may use it).  libpq's messages can quote the
 * user or the database: they are read to classify, never repeated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailer/probe/private.h"
#include "util/pq.h"

#define PQ_MAX_PARAMS	20

struct pq_params {
	const char	*k[PQ_MAX_PARAMS];
	const char	*v[PQ_MAX_PARAMS];
	int		 n;
	int		 fds[3];
	int		 nfds;
	char		 paths[3][64];
};

static void
pq_set(struct pq_params *pp, const char *k, const char *v)
{
	pp->k[pp->n] = k;
	pp->v[pp->n++] = v;
}

/* A file field handed to libpq as a path in memory. */
static int
pq_file(struct probe *p, struct pq_params *pp, const char *role)
{
	const char *v;
	size_t len;
	int fd;

	if ((v = probe_get(p, role, &len)) == NULL)
		return 0;
	if ((fd = probe_memfile(v, len, pp->paths[pp->nfds])) < 0)
		return probe_fail(p, EX_TEMPFAIL, "tls", NULL, "cannot hold "
		    "%s in memory", probe_key(p, role));
	pp->fds[pp->nfds] = fd;
	pq_set(pp, role, pp->paths[pp->nfds++]);
	return 0;
}

/*
 * What went wrong, from libpq's message, in our words: the SQLSTATE the
 * server would give where there is one, never the message itself.
 */
static int
pq_classify(struct probe *p, const char *msg, const char *host)
{
	if (strstr(msg, "password authentication failed") ||
	    strstr(msg, "no password supplied") ||
	    strstr(msg, "authentication failed"))
		return probe_fail(p, EX_UNAVAILABLE, "login", "user,password",
		    "the server refused the login (28P01)");
	if (strstr(msg, "no pg_hba.conf entry"))
		return probe_fail(p, EX_UNAVAILABLE, "login", "user,sslmode",
		    "the server does not let this user in from here (28000)");
	if (strstr(msg, "database \"") && strstr(msg, "does not exist"))
		return probe_fail(p, EX_UNAVAILABLE, "login", "dbname",
		    "the database does not exist (3D000)");
	if (strstr(msg, "does not match host name") ||
	    strstr(msg, "server certificate for"))
		return probe_fail(p, EX_UNAVAILABLE, "tls", "host", "the "
		    "server's certificate is not for %s", host);
	if (strstr(msg, "certificate verify failed") ||
	    strstr(msg, "root certificate") || strstr(msg, "certificate"))
		return probe_fail(p, EX_UNAVAILABLE, "tls", "sslrootcert",
		    "the server's certificate does not verify against the CA "
		    "given");
	if (strstr(msg, "does not support SSL"))
		return probe_fail(p, EX_UNAVAILABLE, "tls", "sslmode", "the "
		    "server offers no TLS, which sslmode requires");
	if (strstr(msg, "timeout expired"))
		return probe_fail(p, EX_TEMPFAIL, "connect", NULL, "%s did not "
		    "answer in time", host);
	if (strstr(msg, "Connection refused") || strstr(msg, "could not "
	    "connect") || strstr(msg, "No route"))
		return probe_fail(p, EX_TEMPFAIL, "connect", "host,port",
		    "nothing answers on %s at that port", host);
	return probe_fail(p, EX_UNAVAILABLE, "connect", NULL, "the server "
	    "closed the connection before the login");
}

static int
pq_queries(struct probe *p, PGconn *c)
{
	const char *schema = probe_get(p, "schema", NULL);
	const char *params[1] = { schema };
	PGresult *r;
	int rv = 0;

	r = pq_exec(c, "SELECT 1", 0, NULL, NULL, NULL, NULL, 0);
	if (pq_rstatus(r) != PGRES_TUPLES_OK)
		rv = probe_fail(p, EX_UNAVAILABLE, "query", NULL, "SELECT 1 "
		    "failed (%s)", pq_efield(r, PG_DIAG_SQLSTATE) ?
		    pq_efield(r, PG_DIAG_SQLSTATE) : "no code");
	else
		probe_ok(p, "query", "SELECT 1 answered");
	pq_clear(r);
	if (rv != 0 || schema == NULL)
		return rv;
	r = pq_exec(c, "SELECT has_schema_privilege($1, 'USAGE')", 1, NULL,
	    params, NULL, NULL, 0);
	if (pq_rstatus(r) != PGRES_TUPLES_OK)
		rv = probe_fail(p, EX_UNAVAILABLE, "schema", "schema", "the "
		    "schema named in %s does not exist", probe_key(p, "schema"));
	else if (strcmp(pq_value(r, 0, 0), "t") != 0)
		rv = probe_fail(p, EX_UNAVAILABLE, "schema", "user,schema",
		    "the user may not use the schema named in %s",
		    probe_key(p, "schema"));
	else
		probe_ok(p, "schema", "the user may use the schema");
	pq_clear(r);
	return rv;
}

static void
pq_params_build(struct probe *p, struct pq_params *pp, const char *ip,
    const char *port, const char *timeout)
{
	static const char *plain[] = { "dbname", "user", "password",
	    "sslmode" };
	const char *v;
	size_t i;

	pq_set(pp, "host", probe_get(p, "host", NULL));
	pq_set(pp, "hostaddr", ip);
	pq_set(pp, "port", port);
	for (i = 0; i < nitems(plain); i++) {
		if ((v = probe_get(p, plain[i], NULL)) != NULL)
			pq_set(pp, plain[i], v);
	}
	pq_set(pp, "connect_timeout", timeout);
	pq_set(pp, "passfile", "/dev/null");
	pq_set(pp, "gssencmode", "disable");
	pq_set(pp, "application_name", "setuplink test");
}

int
probe_postgres(struct probe *p)
{
	struct pq_params pp = { 0 };
	const char *portv = probe_get(p, "port", NULL), *mode, *host;
	char ip[64], port[24], timeout[24], *err = NULL;
	PGconn *c = NULL;
	int rv, i;

	if ((rv = probe_need(p, "host")) != 0 ||
	    (rv = probe_need(p, "user")) != 0 ||
	    (rv = probe_certificate(p, "sslrootcert")) != 0)
		return rv;
	host = probe_get(p, "host", NULL);
	snprintf(port, sizeof port, "%d", portv ? atoi(portv) : 5432);
	if ((rv = probe_resolve(p, atoi(port), ip)) != 0)
		return rv;
	if (pq_load(&err) != 0) {
		rv = probe_fail(p, EX_TEMPFAIL, "library", NULL, "%s", err);
		free(err);
		return rv;
	}
	snprintf(timeout, sizeof timeout, "%lld", (long long)
	    (p->timeout_ms / 1000 > 2 ? p->timeout_ms / 1000 : 2));
	pq_params_build(p, &pp, ip, port, timeout);
	if ((rv = pq_file(p, &pp, "sslrootcert")) != 0 ||
	    (rv = pq_file(p, &pp, "sslcert")) != 0 ||
	    (rv = pq_file(p, &pp, "sslkey")) != 0)
		goto out;
	pq_set(&pp, NULL, NULL);
	c = pq_connect(pp.k, pp.v, 0);
	if (c == NULL || pq_status(c) != CONNECTION_OK) {
		rv = pq_classify(p, c ? pq_error(c) : "", host);
		goto out;
	}
	mode = probe_get(p, "sslmode", NULL);
	probe_ok(p, "connect", "reached %s port %s", host, port);
	if (pq_ssl(c))
		probe_ok(p, "tls", "TLS in use (sslmode %s)", mode ? mode :
		    "prefer");
	else
		probe_ok(p, "tls", "no TLS: sslmode %s allows a plain "
		    "connection", mode ? mode : "prefer");
	probe_ok(p, "login", "logged in as %s", probe_get(p, "user", NULL));
	rv = pq_queries(p, c);
out:
	if (c != NULL)
		pq_finish(c);
	for (i = 0; i < pp.nfds; i++)
		close(pp.fds[i]);
	return rv;
}
