/* probe.h: trying a draft's values against the real service (a
 * connector's test): PostgreSQL, MySQL, SSH, HTTP or local file checks,
 * each library loaded on first use, in a child process bounded by a
 * deadline.  Called by mailer/ (admin.c), cmd/, tui/ and mailer/intake/;
 * calls catalog/ and util/ only: the code that handles values a stranger
 * sent cannot write to the store. */
#ifndef SETUPLINK_PROBE_H
#define SETUPLINK_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

/* One value of the draft, by field key. */
struct probe_value {
	const char	*key;
	const char	*value;
	size_t		 len;
};

struct probe_opts {
	int64_t		 timeout_ms;	/* the whole test; 0: 20 s */
	const char	*networks;	/* test_networks; NULL: "public" */
};

/* One line of a test's outcome: never a value, never a server's words. */
struct probe_check {
	char		*check;		/* "resolve", "connect", "tls", ... */
	bool		 ok;
	char		*detail;
};

struct probe_result {
	int		 status;	/* 0, EX_UNAVAILABLE (refused),
					   EX_TEMPFAIL (not reached in time),
					   EX_DATAERR (not enough to try) */
	char		*failure;	/* the failed check's kind, or NULL */
	char		**blame;	/* field keys the failure points at */
	size_t		 nblame;
	struct probe_check *checks;
	size_t		 nchecks;
};

/*
 * Run the test c declares for method (the method field's value, or
 * NULL) with these values, in a child process killed at the deadline.
 * Returns 0 when a result was made, whatever it says (res->status);
 * otherwise a status and *errstr (a bad test_networks is EX_CONFIG).
 */
int	 probe_run(const struct connector *c, const char *method,
	     const struct probe_value *, size_t n, const struct probe_opts *,
	     struct probe_result *res, char **errstr);
void	 probe_result_free(struct probe_result *);
/* {"status", "failure", "blame", "checks": [{check, ok, detail}]} and
 * back, for the store and for the child's pipe. */
char	*probe_result_to_json(const struct probe_result *);
int	 probe_result_from_json(const char *, struct probe_result *);
/* Is spec a valid test_networks value?  EX_CONFIG naming the bad part. */
int	 probe_networks_check(const char *spec, char **errstr);

#endif
