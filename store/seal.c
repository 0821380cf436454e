/* seal.c: secret values at rest.  The store seals each value of a secret
 * field to the home's vault key as it writes it, opens them only when
 * asked (draft_reveal), and seals once what an older setuplink left in
 * the clear. */
#include <stdlib.h>
#include <string.h>

#include "store/private.h"

/*
 * SETUPLINK_NO_SEAL builds the binary `make bench` compares against
 * (bench/vault.sh): everything written in the clear.  Never installed.
 */
#ifdef SETUPLINK_NO_SEAL
#define SEALING	0
#else
#define SEALING	1
#endif

struct vault *
store_vault(struct store *st)
{
	return SEALING ? st->vault : NULL;
}

int
db_draft_connector(struct store *st, int64_t draft, char **connector,
    char **errstr)
{
	static const char sql[] = "SELECT connector FROM drafts WHERE id = ?";
	struct db_stmt *s = db_prepare(st, sql);
	int rc;

	*connector = NULL;
	db_bind_int64(s, 1, draft);
	if ((rc = db_step(s)) == DB_ROW)
		*connector = db_text(s, 0);
	db_reset(s);
	if (rc != DB_ROW && rc != DB_DONE)
		return db_error(st, rc, "reading a draft", errstr);
	return 0;
}

static bool
is_secret(struct store *st, const char *connector, const char *key)
{
	const struct connector *c;
	const struct field_def *f;

	if (st->cat == NULL || connector == NULL ||
	    (c = catalog_find(st->cat, connector)) == NULL ||
	    (f = connector_field(c, key)) == NULL)
		return true;
	return f->secret;
}

bool
db_seal(struct store *st, const char *connector, const char *key,
    const char *value, size_t len, char **out, size_t *outlen)
{
	if (!SEALING || st->vault == NULL || !is_secret(st, connector, key))
		return false;
	vault_seal(st->vault, value, len, out, outlen);
	return true;
}

static int
open_value(struct store *st, char **value, size_t *len, bool *sealed,
    char **errstr)
{
	char *plain;
	size_t plen;
	int rv;

	if (!*sealed)
		return 0;
	if (st->vault == NULL)
		return errorf(errstr, EX_CONFIG, "this home has no vault key to "
		    "open its secrets with (vault.pub, vault.key)");
	if ((rv = vault_open(st->vault, *value, *len, &plain, &plen,
	    errstr)) != 0)
		return rv;
	free(*value);
	*value = plain;
	*len = plen;
	*sealed = false;
	return 0;
}

int
draft_reveal(struct store *st, struct draft *d, char **errstr)
{
	size_t i;
	int rv;

	for (i = 0; i < d->nfields; i++) {
		if ((rv = open_value(st, &d->fields[i].value, &d->fields[i].len,
		    &d->fields[i].sealed, errstr)) != 0)
			return rv;
	}
	return 0;
}

int
draft_history_reveal(struct store *st, struct field_history *h, size_t n,
    char **errstr)
{
	size_t i;
	int rv;

	for (i = 0; i < n; i++) {
		if ((rv = open_value(st, &h[i].value, &h[i].len, &h[i].sealed,
		    errstr)) != 0)
			return rv;
	}
	return 0;
}

/* Seal each clear value of a secret field, current or past. */
static int
seal_rows(struct store *st, char **errstr)
{
	static const char sel[] = "SELECT f.id, d.connector, f.key, f.value "
	    "FROM field_values f JOIN drafts d ON d.id = f.draft "
	    "WHERE f.sealed = 0 AND f.value IS NOT NULL "
	    "AND length(f.value) > 0";
	static const char upd[] =
	    "UPDATE field_values SET value = ?, sealed = 1 WHERE id = ?";
	struct db_stmt *s, *u;
	char *out;
	size_t outlen;
	int rc, rv = 0;

	s = db_prepare(st, sel);
	while (rv == 0 && (rc = db_step(s)) == DB_ROW) {
		const char *conn = (const char *)db_column_text(s, 1);
		const char *key = (const char *)db_column_text(s, 2);
		const void *v = db_column_blob(s, 3);
		int n = db_column_bytes(s, 3);

		if (!db_seal(st, conn, key, v, (size_t)n, &out, &outlen))
			continue;
		u = db_prepare(st, upd);
		db_bind_blob(u, 1, out, (int)outlen, free);
		db_bind_int64(u, 2, db_column_int64(s, 0));
		rv = db_step_done(st, u, "sealing a stored value", errstr);
		db_clear_bindings(u);
	}
	db_reset(s);
	if (rv == 0 && rc != DB_DONE && rc != DB_ROW)
		rv = db_error(st, rc, "sealing stored values", errstr);
	return rv;
}

/* Whether every stored secret is sealed already (vault.sealed_all). */
static bool
sealed_all(struct store *st)
{
	struct db_stmt *s = db_prepare(st, "SELECT sealed_all FROM vault");
	bool all = db_step(s) == DB_ROW && db_column_int(s, 0);

	db_reset(s);
	return all;
}

/*
 * Inside the caller's transaction: unless done before, what lies outside
 * the database first (quarantined mail, through the hook), then every
 * value in the clear that should be sealed, then the mark that it is
 * done.  Any failure leaves the caller to roll all of it back.
 */
int
db_seal_pending(struct store *st, char **errstr)
{
	static const char mark[] = "UPDATE vault SET sealed_all = 1";
	int rv = 0;

	if (!SEALING || st->vault == NULL || st->cat == NULL)
		return 0;
	if (sealed_all(st))
		return 0;
	if ((st->seal_before == NULL ||
	    (rv = st->seal_before(st->seal_arg, errstr)) == 0) &&
	    (rv = seal_rows(st, errstr)) == 0)
		rv = db_step_done(st, db_prepare(st, mark), "sealing stored "
		    "values", errstr);
	if (rv == 0) {
		st->scrub = true;
		log_debug("secrets stored in the clear are sealed now");
	}
	return rv;
}

/* A home whose schema is current but whose values were never sealed
 * (made by init, which has no catalog yet): seal them in one go. */
int
db_seal_existing(struct store *st, char **errstr)
{
	int rv;

	if (st->vault == NULL || st->cat == NULL)
		return 0;
	if (sealed_all(st))
		return 0;
	if ((rv = store_begin(st, errstr)) != 0)
		return rv;
	/* Read again under the write lock: another process may have won. */
	if ((rv = db_seal_pending(st, errstr)) != 0) {
		store_rollback(st);
		return rv;
	}
	return store_commit(st, errstr);
}
