/* token.c: which setup link a reply is for.  The token rides in a
 * recipient address as LOCAL+TOKEN@DOMAIN, LOCAL and DOMAIN the intake's. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "util/config.h"
#include "mailer/intake/private.h"

/*
 * The bare address in what a header or an MTA gave us: the part inside
 * <...> when there is one, trimmed.  NULL when nothing is left.
 */
static char *
token_bare_address(const char *s)
{
	const char *lt, *gt;
	char *a, *t;

	if ((lt = strrchr(s, '<')) != NULL && (gt = strchr(lt, '>')) != NULL)
		a = xstrndup(lt + 1, (size_t)(gt - lt - 1));
	else
		a = xstrdup(s);
	t = str_trim(a);
	if (*t == '\0') {
		free(a);
		return NULL;
	}
	memmove(a, t, strlen(t) + 1);
	return a;
}

/*
 * The token in one address, lowercased: *tok is set and 0 returned when
 * the address is the intake's with a well-formed +TOKEN; 1 when it is the
 * intake's with a suffix that cannot be a token (malformed); -1 when it
 * is not a tokened intake address at all.  MTAs may fold the case of
 * either part, so both are compared without regard to it.
 */
int
token_from_address(const struct config *cfg, const char *addr, char **tok)
{
	char *a, *at, *plus;
	int rv = -1;

	*tok = NULL;
	if (addr == NULL || cfg->intake_local == NULL ||
	    cfg->intake_domain == NULL || (a = token_bare_address(addr)) == NULL)
		return -1;
	if ((at = strrchr(a, '@')) == NULL || !str_ieq(at + 1,
	    cfg->intake_domain))
		goto out;
	*at = '\0';
	if ((plus = strchr(a, '+')) == NULL)
		goto out;
	*plus = '\0';
	if (!str_ieq(a, cfg->intake_local))
		goto out;
	str_lower(plus + 1);
	if (!token_well_formed(plus + 1)) {
		rv = 1;
		goto out;
	}
	*tok = xstrdup(plus + 1);
	rv = 0;
out:
	free(a);
	return rv;
}

static void
token_add(struct token_set *ts, char *tok)
{
	size_t i;

	for (i = 0; i < ts->n; i++) {
		if (strcmp(ts->v[i], tok) == 0) {
			free(tok);
			return;
		}
	}
	ts->v = xreallocarray(ts->v, ts->n + 1, sizeof *ts->v);
	ts->v[ts->n++] = tok;
}

static void
token_scan(const struct config *cfg, const char *addr, struct token_set *ts)
{
	char *tok;
	int r;

	if ((r = token_from_address(cfg, addr, &tok)) == 0)
		token_add(ts, tok);
	else if (r == 1)
		ts->malformed++;
}

/*
 * Every distinct token the message is addressed to, in the order the
 * SPEC reads them: the MTA's --recipient first, then Delivered-To,
 * X-Original-To, To and Cc (the parser keeps them in that order), then
 * the recipients a delivery report names.
 */
void
token_collect(const struct config *cfg, const char *recipient,
    const struct mail *m, struct token_set *ts)
{
	size_t i;

	memset(ts, 0, sizeof *ts);
	if (recipient != NULL)
		token_scan(cfg, recipient, ts);
	for (i = 0; m != NULL && i < m->nrcpts; i++)
		token_scan(cfg, m->rcpts[i], ts);
	for (i = 0; m != NULL && i < m->ndsn_rcpts; i++)
		token_scan(cfg, m->dsn_rcpts[i], ts);
}

void
token_set_free(struct token_set *ts)
{
	size_t i;

	for (i = 0; i < ts->n; i++) {
		/* A token is a key to a link: do not leave it in memory. */
		explicit_bzero(ts->v[i], strlen(ts->v[i]));
		free(ts->v[i]);
	}
	free(ts->v);
	memset(ts, 0, sizeof *ts);
}

/* Is addr the intake's own address, bare or with any +suffix? */
bool
token_is_intake(const struct config *cfg, const char *addr)
{
	char *a, *at, *plus;
	bool yes = false;

	if (addr == NULL || cfg->intake_local == NULL ||
	    cfg->intake_domain == NULL || (a = token_bare_address(addr)) == NULL)
		return false;
	if ((at = strrchr(a, '@')) != NULL && str_ieq(at + 1,
	    cfg->intake_domain)) {
		*at = '\0';
		if ((plus = strchr(a, '+')) != NULL)
			*plus = '\0';
		yes = str_ieq(a, cfg->intake_local);
	}
	free(a);
	return yes;
}
