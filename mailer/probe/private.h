/* private.h: what the probe files share: one run's state, the lines it
 * adds, the address gate and each kind's entry point. */
#ifndef SETUPLINK_PROBE_PRIVATE_H
#define SETUPLINK_PROBE_PRIVATE_H

#include <sys/socket.h>
#include <netdb.h>

#include "mailer/probe/probe.h"
#include "util/util.h"

struct netgate;

struct probe {
	const struct connector	*c;
	const struct conntest	*t;
	const char		*method;	/* the method field's value */
	const struct probe_value *vals;
	size_t			 nvals;
	int64_t			 timeout_ms;
	struct netgate		*gate;
	struct probe_result	*res;
};

/* The value of the field playing role, or NULL when unset, empty or
 * for another method than the draft's. */
const char *probe_get(struct probe *, const char *role, size_t *len);
/* The key of the field playing role, or the role itself. */
const char *probe_key(struct probe *, const char *role);
void	 probe_ok(struct probe *, const char *check, const char *fmt, ...)
	     PRINTFLIKE(3, 4);
/*
 * A failed check: status, the kind of failure for the recipient, the
 * roles whose fields it points at (comma separated, or NULL).  Returns
 * status, so a kind ends with return probe_fail(...).
 */
int	 probe_fail(struct probe *, int status, const char *check,
	     const char *roles, const char *fmt, ...) PRINTFLIKE(5, 6);
/* EX_DATAERR unless role has a value. */
int	 probe_need(struct probe *, const char *role);
/* A file's bytes in memory, as a path a library can open
 * (/proc/self/fd/N): nothing reaches the disk.  -1 on failure. */
int	 probe_memfile(const char *data, size_t len, char path[64]);

/* The gate (probe-net.c). */
int	 netgate_parse(const char *spec, struct netgate **, char **errstr);
void	 netgate_free(struct netgate **);
bool	 netgate_allows(const struct netgate *, const struct sockaddr *);
bool	 netgate_allow_cb(const struct sockaddr *, socklen_t, void *);
/*
 * Resolve the host role's value and keep the addresses the gate allows:
 * adds "resolve" (and fails as "network" when none is left).  *ip gets
 * the first allowed address as text.
 */
int	 probe_resolve(struct probe *, int port, char ip[64]);

int	 probe_files(struct probe *);
/* For other kinds: the certificate in role parses and is within its
 * dates, when the role has a value (probe-files.c). */
int	 probe_certificate(struct probe *, const char *role);
int	 probe_http(struct probe *);
int	 probe_postgres(struct probe *);
int	 probe_mysql(struct probe *);
int	 probe_ssh(struct probe *);

#endif
