/* private.h: what stays inside store/: the database handle, prepared
 * statement cache and the helpers every store file uses. */
#ifndef SETUPLINK_STORE_PRIVATE_H
#define SETUPLINK_STORE_PRIVATE_H

#include <sqlite3.h>

#include "store/store.h"
#include "util/util.h"
#include "util/vault.h"

#define STMT_CACHE 64

struct store {
	sqlite3		*db;
	char		*path;
	int		 depth;		/* open store_begin() transactions */
	bool		 events;	/* queue webhook events */
	struct vault	*vault;		/* seals secret values; NULL: none */
	const struct catalog *cat;	/* which values are secret */
	bool		 scrub;		/* secrets removed: checkpoint the WAL
					   after the commit */
	bool		 durable;	/* STORE_DURABLE: synchronous=FULL */
	int		(*seal_before)(void *, char **);
	void		*seal_arg;
	struct {
		const char	*sql;	/* static text: pointer compared */
		sqlite3_stmt	*stmt;
	} cache[STMT_CACHE];
};

/* A cached prepared statement, reset and cleared of bindings. */
sqlite3_stmt *db_prepare(struct store *, const char *sql);
/* Turn a SQLite result into our status: BUSY, FULL, IOERR, NOMEM are 75. */
int	 db_error(struct store *, int rc, const char *what, char **errstr);
/* Run one statement to completion (no rows wanted). */
int	 db_step_done(struct store *, sqlite3_stmt *, const char *what, char **errstr);
/* The same, outside a transaction, committed without waiting for the disk:
 * for a write that is simply done again if a power cut loses it. */
int	 db_step_lazy(struct store *, sqlite3_stmt *, const char *what, char **errstr);
/* Enter/leave a transaction unless the caller already holds one. */
int	 db_tx_enter(struct store *, bool *mine, char **errstr);
int	 db_tx_leave(struct store *, bool mine, int rv, char **errstr);
char	*db_text(sqlite3_stmt *, int col);	/* copy or NULL */
int	 migrate(struct store *, char **errstr);
/* The connector a draft (deleted or not) was made for (seal.c). */
int	 db_draft_connector(struct store *, int64_t draft, char **connector,
	     char **errstr);
/*
 * With a vault, seal a value of a secret field (a key the catalog lacks
 * counts as secret) into *out and return true; else return false.
 */
bool	 db_seal(struct store *, const char *connector, const char *key,
	     const char *value, size_t len, char **out, size_t *outlen);
/* Seal what an older setuplink left in the clear, once: inside the
 * caller's transaction, or in its own. */
int	 db_seal_pending(struct store *, char **errstr);
int	 db_seal_existing(struct store *, char **errstr);

#endif
