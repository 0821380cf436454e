/* private.h: what stays inside store/: the database handle, the engine
 * behind it (db-sqlite.c, db-pg.c), the prepared-statement cache and the
 * helpers every store file uses. */
#ifndef SETUPLINK_STORE_PRIVATE_H
#define SETUPLINK_STORE_PRIVATE_H

#include "store/store.h"
#include "util/util.h"
#include "util/vault.h"

#define STMT_CACHE 64

/* What db_step returns besides an engine's error code. */
#define DB_OK		0
#define DB_ROW		100
#define DB_DONE		101
#define DB_STATIC	((void (*)(void *))0)

struct store;
/* An engine's prepared statement starts with this. */
struct db_stmt {
	const struct db_engine	*eng;
	struct store		*st;
};

/*
 * One database engine, chosen by the store's target: a file path is
 * SQLite, a postgresql:// URI is PostgreSQL.  SQL text is written once,
 * in SQLite's dialect with ?N parameters; an engine translates what it
 * must (db-pg.c: $N, BIGINT, BYTEA).  Step returns DB_ROW, DB_DONE or an
 * error code that only the same engine's error() understands.
 */
struct db_engine {
	const char	*name;
	int		(*open)(struct store *, const char *target, int flags,
			    int timeout_ms, char **errstr);
	void		(*close)(struct store *);
	int		(*destroy)(const char *target, char **errstr);
	/* Run SQL text (several statements; no rows wanted). */
	int		(*exec)(struct store *, const char *sql, const char *what,
			    char **errstr);
	struct db_stmt	*(*prepare)(struct store *, const char *sql);
	void		(*finalize)(struct db_stmt *);
	void		(*reset)(struct db_stmt *);
	void		(*clear)(struct db_stmt *);
	void		(*bind_int64)(struct db_stmt *, int, int64_t);
	void		(*bind_text)(struct db_stmt *, int, const char *, int,
			    void (*)(void *));
	void		(*bind_blob)(struct db_stmt *, int, const void *, int,
			    void (*)(void *));
	int		(*step)(struct db_stmt *);
	bool		(*column_null)(struct db_stmt *, int);
	int64_t		(*column_int64)(struct db_stmt *, int);
	const char	*(*column_text)(struct db_stmt *, int);
	const void	*(*column_blob)(struct db_stmt *, int);
	int		(*column_bytes)(struct db_stmt *, int);
	int64_t		(*changes)(struct store *);
	int64_t		(*last_id)(struct store *);
	int		(*error)(struct store *, int rc, const char *what,
			    char **errstr);
	/* BEGIN that holds the one write lock (SQLite's BEGIN IMMEDIATE). */
	int		(*begin)(struct store *, char **errstr);
	int		(*commit)(struct store *, char **errstr);
	void		(*rollback)(struct store *);
	int64_t		(*data_version)(struct store *);
	int		(*schema_version)(struct store *);
	int		(*schema_set)(struct store *, int version,
			    char **errstr);
	void		(*checkpoint)(struct store *);
	/* A lock by name held until unlocked or closed, across hosts. */
	int		(*lock)(struct store *, int64_t key, bool wait,
			    bool *got, char **errstr);
	void		(*unlock)(struct store *, int64_t key);
};

extern const struct db_engine db_sqlite;
extern const struct db_engine db_pg;

struct store {
	const struct db_engine *eng;
	void		*conn;		/* the engine's connection */
	char		*path;		/* file or URI (for messages: no
					   password, see db_target_name) */
	int		 depth;		/* open store_begin() transactions */
	bool		 durable;	/* STORE_DURABLE: synchronous=FULL */
	bool		 lazy;		/* this transaction: store_begin_lazy */
	int		 timeout_ms;	/* how long a lock is waited for */
	int		 wal_pages;	/* SQLite: a longer WAL is copied back */
	bool		 wal_restarted;	/* SQLite: ... and started over, and
					   no commit has written over it yet */
	bool		 events;	/* queue webhook events */
	struct vault	*vault;		/* seals secret values; NULL: none */
	const struct catalog *cat;	/* which values are secret */
	bool		 scrub;		/* secrets removed: checkpoint the WAL
					   after the commit */
	int		(*seal_before)(void *, char **);
	void		*seal_arg;
	struct {
		const char	*sql;	/* static text: pointer compared */
		struct db_stmt	*stmt;
	} cache[STMT_CACHE];
};

/* Which engine a target names. */
const struct db_engine *db_engine_for(const char *target);

/* A cached prepared statement, reset and cleared of bindings. */
struct db_stmt *db_prepare(struct store *, const char *sql);
/* Turn an engine's result into our status: locks, lost connections, a
 * full disk are 75. */
int	 db_error(struct store *, int rc, const char *what, char **errstr);
/* Run one statement to completion (no rows wanted). */
int	 db_step_done(struct store *, struct db_stmt *, const char *what, char **errstr);
/* The same, outside a transaction, committed without waiting for the disk:
 * for a write that is simply done again if a power cut loses it. */
bool	 db_lazy_begin(struct store *);
void	 db_lazy_end(struct store *, bool);
int	 db_step_lazy(struct store *, struct db_stmt *, const char *what,
	    char **errstr);
/* Enter/leave a transaction unless the caller already holds one. */
int	 db_tx_enter(struct store *, bool *mine, char **errstr);
int	 db_tx_leave(struct store *, bool mine, int rv, char **errstr);
char	*db_text(struct db_stmt *, int col);	/* copy or NULL */
int	 migrate(struct store *, char **errstr);
/* A migration's text in PostgreSQL's dialect (schema.c). */
char	*db_pg_schema(const char *sql);
/* Every table of the schema, comma-separated (schema.c). */
char	*db_schema_tables(void);

static inline int db_step(struct db_stmt *s) { return s->eng->step(s); }
static inline void db_reset(struct db_stmt *s) { s->eng->reset(s); }
static inline void db_clear_bindings(struct db_stmt *s) { s->eng->clear(s); }
static inline void db_bind_int64(struct db_stmt *s, int i, int64_t v)
{ s->eng->bind_int64(s, i, v); }
static inline void db_bind_text(struct db_stmt *s, int i, const char *v,
    int n, void (*d)(void *)) { s->eng->bind_text(s, i, v, n, d); }
static inline void db_bind_blob(struct db_stmt *s, int i, const void *v,
    int n, void (*d)(void *)) { s->eng->bind_blob(s, i, v, n, d); }
static inline bool db_column_null(struct db_stmt *s, int c)
{ return s->eng->column_null(s, c); }
static inline int64_t db_column_int64(struct db_stmt *s, int c)
{ return s->eng->column_int64(s, c); }
static inline int db_column_int(struct db_stmt *s, int c)
{ return (int)s->eng->column_int64(s, c); }
static inline const char *db_column_text(struct db_stmt *s, int c)
{ return s->eng->column_text(s, c); }
static inline const void *db_column_blob(struct db_stmt *s, int c)
{ return s->eng->column_blob(s, c); }
static inline int db_column_bytes(struct db_stmt *s, int c)
{ return s->eng->column_bytes(s, c); }
static inline int64_t db_changes(struct store *st)
{ return st->eng->changes(st); }
static inline int64_t db_last_id(struct store *st)
{ return st->eng->last_id(st); }

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
