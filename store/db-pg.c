/* db-pg.c: the shared engine, PostgreSQL through libpq (loaded on first
 * use, util/pq.h), for several hosts on one store.  The SQL is the store's
 * own, translated here ($N parameters); writers take one lock, as
 * SQLite's BEGIN IMMEDIATE does, so every promise made under SQLite's
 * single writer holds across hosts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/private.h"
#include "util/pq.h"

#define PG_PARAMS	32
#define PG_COLS		32
#define PG_ERROR	1	/* what step returns on failure */
#define OID_BOOL	16
#define OID_BYTEA	17
#define OID_INT8	20
#define OID_TEXT	25
/* The one write lock (pg_advisory_xact_lock's two-key space, apart from
 * store_lock's one-key space). */
#define WRITE_LOCK	"pg_advisory_xact_lock(1936028780, 1)"

struct pg {
	PGconn		*c;
	int64_t		 changes;
	int		 status;	/* last failure: our exit status */
	char		*msg;		/* and its words (never a value) */
};

struct pg_param {
	char		*v;		/* NULL: SQL NULL */
	int		 len;
	int		 fmt;		/* 0 text, 1 binary */
	Oid		 type;
};

struct pg_stmt {
	struct db_stmt	 base;
	char		*sql;		/* translated */
	int		 nparams;
	struct pg_param	 p[PG_PARAMS];
	PGresult	*res;
	int		 row;		/* rows stepped over */
	struct {
		unsigned char	*v;
		size_t		 len;
	} dec[PG_COLS];			/* bytea columns, decoded */
};

#define PG(st)	((struct pg *)(st)->conn)
#define PS(s)	((struct pg_stmt *)(s))

/*
 * Which failures are worth retrying: a lost connection (class 08), a
 * serialization failure or deadlock (40), a server short of resources
 * (53), a lock not had in time (55P03), a server shutting down or a
 * cancelled statement (57), the system (58).  A constraint (23) is bad
 * data, as with SQLite.
 */
static int
pg_classify(const char *state, bool lost)
{
	if (lost || state == NULL)
		return EX_TEMPFAIL;
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "40", 2) == 0 ||
	    strncmp(state, "53", 2) == 0 || strcmp(state, "55P03") == 0 ||
	    strncmp(state, "57", 2) == 0 || strncmp(state, "58", 2) == 0)
		return EX_TEMPFAIL;
	if (strncmp(state, "23", 2) == 0)
		return EX_DATAERR;
	return EX_SOFTWARE;
}

/* Note a failed result (res may be NULL: no answer at all). */
static void
pg_fail(struct store *st, PGresult *res)
{
	struct pg *pg = PG(st);
	const char *state = NULL, *primary = NULL;
	bool lost = pq_status(pg->c) != CONNECTION_OK;

	if (res != NULL) {
		state = pq_efield(res, PG_DIAG_SQLSTATE);
		primary = pq_efield(res, PG_DIAG_MESSAGE_PRIMARY);
	}
	free(pg->msg);
	pg->status = pg_classify(state, lost || res == NULL);
	if (lost)
		pg->msg = xstrdup("the connection to PostgreSQL was lost");
	else
		pg->msg = xprintf("%s%s%s", state != NULL ? state : "",
		    state != NULL ? " " : "", primary != NULL ? primary :
		    "no answer from PostgreSQL");
}

static int
pg_error(struct store *st, int rc, const char *what, char **errstr)
{
	struct pg *pg = PG(st);

	if (pg == NULL || pg->msg == NULL)
		return errorf(errstr, EX_TEMPFAIL, "the database failed (%s); "
		    "try again", what);
	if (pg->status == EX_TEMPFAIL)
		return errorf(errstr, EX_TEMPFAIL, "the shared database failed "
		    "(%s): %s; try again", what, pg->msg);
	if (pg->status == EX_DATAERR)
		return errorf(errstr, EX_DATAERR, "%s: %s", what, pg->msg);
	return errorf(errstr, EX_SOFTWARE, "database error (%s): %s", what,
	    pg->msg);
}

/* Run text with no parameters; true when it did what it should. */
static bool
pg_run(struct store *st, const char *sql, PGresult **out)
{
	PGresult *r = pq_simple(PG(st)->c, sql);
	ExecStatusType t = r != NULL ? pq_rstatus(r) : PGRES_FATAL_ERROR;

	if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK) {
		pg_fail(st, r);
		if (r != NULL)
			pq_clear(r);
		return false;
	}
	if (out != NULL)
		*out = r;
	else
		pq_clear(r);
	return true;
}

static int
pg_exec(struct store *st, const char *sql, const char *what, char **errstr)
{
	char *text = db_pg_schema(sql);
	bool ok = pg_run(st, text, NULL);

	free(text);
	return ok ? 0 : pg_error(st, PG_ERROR, what, errstr);
}

static void
pg_quiet(void *arg, const char *msg)
{
	/* NOTICEs ("relation exists, skipping") are not for the user. */
}

static int
pg_open(struct store *st, const char *uri, int flags, int timeout_ms,
    char **errstr)
{
	/* The URI's own settings come last, so they win. */
	const char *keys[] = { "connect_timeout", "application_name",
	    "dbname", NULL };
	const char *vals[] = { "10", "setuplink", uri, NULL };
	struct pg *pg;
	PGresult *r = NULL;
	char *sql;
	bool there;
	int rv;

	if ((rv = pq_load(errstr)) != 0)
		return rv;
	pg = xcalloc(1, sizeof *pg);
	st->conn = pg;
	pg->c = pq_connect(keys, vals, 1);
	if (pg->c == NULL || pq_status(pg->c) != CONNECTION_OK) {
		char *m = xstrdup(pg->c != NULL ? pq_error(pg->c) : "no memory");

		m[strcspn(m, "\n")] = '\0';
		rv = errorf(errstr, EX_TEMPFAIL, "cannot reach the shared "
		    "database: %s; try again, or check the database key of "
		    "the configuration", m);
		free(m);
		return rv;
	}
	pq_notices(pg->c, pg_quiet, NULL);
	/* Waiting for another host's write lock is bounded like SQLite's
	 * busy timeout; past it, a temporary failure. */
	sql = xprintf("SET lock_timeout = %d", timeout_ms > 0 ? timeout_ms :
	    1);
	there = pg_run(st, sql, NULL);
	free(sql);
	if (!there)
		return pg_error(st, PG_ERROR, "opening the shared database",
		    errstr);
	if (flags & STORE_CREATE)
		return 0;
	if (!pg_run(st, "SELECT to_regclass('schema_version') IS NOT NULL",
	    &r))
		return pg_error(st, PG_ERROR, "opening the shared database",
		    errstr);
	there = strcmp(pq_value(r, 0, 0), "t") == 0;
	pq_clear(r);
	if (!there)
		return errorf(errstr, EX_CONFIG, "the shared database holds no "
		    "setuplink store: make it with setuplink init --database "
		    "URI first");
	return 0;
}

static void
pg_close(struct store *st)
{
	struct pg *pg = PG(st);

	pq_finish(pg->c);
	free(pg->msg);
	free(pg);
	st->conn = NULL;
}

/*
 * Remove the store's tables, and only those: the database may hold
 * other things, and it is someone else's to drop.
 */
static int
pg_destroy(const char *uri, char **errstr)
{
	char *tables = db_schema_tables();
	char *sql = xprintf("DROP TABLE IF EXISTS %s CASCADE; DROP FUNCTION "
	    "IF EXISTS setuplink_changed() CASCADE;", tables);
	struct store st;
	int rv;

	memset(&st, 0, sizeof st);
	st.eng = &db_pg;
	if ((rv = pg_open(&st, uri, STORE_CREATE, 5000, errstr)) == 0 &&
	    !pg_run(&st, sql, NULL))
		rv = pg_error(&st, PG_ERROR, "removing the store", errstr);
	if (st.conn != NULL)
		pg_close(&st);
	free(sql);
	free(tables);
	return rv;
}

/* ?N and ? become $N, outside quoted text. */
static struct db_stmt *
pg_prepare(struct store *st, const char *sql)
{
	struct pg_stmt *s = xcalloc(1, sizeof *s);
	struct buf b;
	const char *p;
	bool quoted = false;
	long n;
	char *end;

	buf_init(&b);
	for (p = sql; *p != '\0'; p++) {
		if (*p == '\'')
			quoted = !quoted;
		if (quoted || *p != '?') {
			buf_add(&b, p, 1);
			continue;
		}
		if (p[1] >= '0' && p[1] <= '9') {
			n = strtol(p + 1, &end, 10);
			p = end - 1;
		} else
			n = s->nparams + 1;
		if (n < 1 || n > PG_PARAMS)
			fatalx("bad SQL (parameter %ld): %s", n, sql);
		if (n > s->nparams)
			s->nparams = (int)n;
		buf_printf(&b, "$%ld", n);
	}
	s->sql = buf_take(&b);
	s->base.eng = &db_pg;
	s->base.st = st;
	return &s->base;
}

static void
pg_forget_row(struct pg_stmt *s)
{
	int i;

	for (i = 0; i < PG_COLS; i++) {
		free(s->dec[i].v);
		s->dec[i].v = NULL;
	}
}

static void
pg_reset(struct db_stmt *d)
{
	struct pg_stmt *s = PS(d);

	pg_forget_row(s);
	if (s->res != NULL)
		pq_clear(s->res);
	s->res = NULL;
	s->row = 0;
}

static void
pg_clear(struct db_stmt *d)
{
	struct pg_stmt *s = PS(d);
	int i;

	for (i = 0; i < PG_PARAMS; i++) {
		free(s->p[i].v);
		memset(&s->p[i], 0, sizeof s->p[i]);
	}
}

static void
pg_finalize(struct db_stmt *d)
{
	pg_reset(d);
	pg_clear(d);
	free(PS(d)->sql);
	free(d);
}

static void
pg_bind(struct db_stmt *d, int i, const void *v, int len, int fmt, Oid type,
    void (*destroy)(void *))
{
	struct pg_param *p;

	if (i < 1 || i > PG_PARAMS)
		fatalx("bind %d out of range", i);
	p = &PS(d)->p[i - 1];
	free(p->v);
	memset(p, 0, sizeof *p);
	if (v != NULL) {
		p->v = xmalloc((size_t)len + 1);
		memcpy(p->v, v, (size_t)len);
		p->v[len] = '\0';
		p->len = len;
		p->fmt = fmt;
		p->type = type;
	}
	if (destroy != NULL && v != NULL)
		destroy((void *)v);
}

static void
pg_bind_int64(struct db_stmt *d, int i, int64_t v)
{
	char num[24];

	snprintf(num, sizeof num, "%lld", (long long)v);
	pg_bind(d, i, num, (int)strlen(num), 0, OID_INT8, NULL);
}

static void
pg_bind_text(struct db_stmt *d, int i, const char *v, int n,
    void (*destroy)(void *))
{
	pg_bind(d, i, v, v == NULL ? 0 : n < 0 ? (int)strlen(v) : n, 0,
	    OID_TEXT, destroy);
}

static void
pg_bind_blob(struct db_stmt *d, int i, const void *v, int n,
    void (*destroy)(void *))
{
	pg_bind(d, i, v, n, 1, OID_BYTEA, destroy);
}

static int
pg_step(struct db_stmt *d)
{
	struct pg_stmt *s = PS(d);
	struct pg *pg = PG(d->st);
	const char *vals[PG_PARAMS];
	int lens[PG_PARAMS], fmts[PG_PARAMS], i;
	Oid types[PG_PARAMS];
	ExecStatusType t;
	const char *n;

	if (s->res == NULL) {
		for (i = 0; i < s->nparams; i++) {
			vals[i] = s->p[i].v;
			lens[i] = s->p[i].len;
			fmts[i] = s->p[i].fmt;
			types[i] = s->p[i].type;
		}
		s->res = pq_exec(pg->c, s->sql, s->nparams, types, vals, lens,
		    fmts, 0);
		t = s->res != NULL ? pq_rstatus(s->res) : PGRES_FATAL_ERROR;
		if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK) {
			pg_fail(d->st, s->res);
			if (s->res != NULL)
				pq_clear(s->res);
			s->res = NULL;
			return PG_ERROR;
		}
		if (t == PGRES_COMMAND_OK) {
			n = pq_cmdtuples(s->res);
			pg->changes = n != NULL && *n != '\0' ?
			    strtoll(n, NULL, 10) : 0;
		}
		s->row = 0;
	}
	pg_forget_row(s);
	if (s->row < pq_ntuples(s->res)) {
		s->row++;
		return DB_ROW;
	}
	return DB_DONE;
}

static bool
pg_column_null(struct db_stmt *d, int c)
{
	struct pg_stmt *s = PS(d);

	return s->res == NULL || s->row == 0 ||
	    pq_isnull(s->res, s->row - 1, c);
}

/* A bytea column comes as text (\x and hex): decoded once per row. */
static const char *
pg_column(struct db_stmt *d, int c, int *len)
{
	struct pg_stmt *s = PS(d);
	const char *v;

	if (pg_column_null(d, c)) {
		*len = 0;
		return NULL;
	}
	v = pq_value(s->res, s->row - 1, c);
	if (pq_ftype(s->res, c) != OID_BYTEA || c >= PG_COLS) {
		*len = pq_length(s->res, s->row - 1, c);
		return v;
	}
	/* Ended by a NUL, as SQLite's column text is. */
	if (s->dec[c].v == NULL) {
		unsigned char *raw;
		size_t n;

		if ((raw = pq_unescape((const unsigned char *)v, &n)) == NULL)
			fatalx("out of memory");
		s->dec[c].v = xmalloc(n + 1);
		memcpy(s->dec[c].v, raw, n);
		s->dec[c].v[n] = '\0';
		s->dec[c].len = n;
		pq_freemem(raw);
	}
	*len = (int)s->dec[c].len;
	return (const char *)s->dec[c].v;
}

static int64_t
pg_column_int64(struct db_stmt *d, int c)
{
	struct pg_stmt *s = PS(d);
	const char *v;

	if (pg_column_null(d, c))
		return 0;
	v = pq_value(s->res, s->row - 1, c);
	if (pq_ftype(s->res, c) == OID_BOOL)
		return *v == 't';
	return strtoll(v, NULL, 10);
}

static const char *
pg_column_text(struct db_stmt *d, int c)
{
	int len;

	return pg_column(d, c, &len);
}

static const void *
pg_column_blob(struct db_stmt *d, int c)
{
	int len;

	return pg_column(d, c, &len);
}

static int
pg_column_bytes(struct db_stmt *d, int c)
{
	int len;

	pg_column(d, c, &len);
	return len;
}

static int64_t pg_changes(struct store *st) { return PG(st)->changes; }

/* The id the last INSERT took from its table's sequence. */
static int64_t
pg_last_id(struct store *st)
{
	PGresult *r;
	int64_t id = 0;

	if (pg_run(st, "SELECT lastval()", &r)) {
		id = strtoll(pq_value(r, 0, 0), NULL, 10);
		pq_clear(r);
	}
	return id;
}

/*
 * READ COMMITTED and one lock for every writer of every host, taken
 * first: each statement after it sees what the last writer committed,
 * as under SQLite's BEGIN IMMEDIATE.  Fifty replies racing for one link
 * find it pending once.
 */
static int
pg_begin(struct store *st, char **errstr)
{
	if (!pg_run(st, "BEGIN ISOLATION LEVEL READ COMMITTED", NULL))
		return pg_error(st, PG_ERROR, "starting a transaction", errstr);
	if (!pg_run(st, "SELECT " WRITE_LOCK, NULL)) {
		pg_run(st, "ROLLBACK", NULL);
		return errorf(errstr, EX_TEMPFAIL, "the shared database is "
		    "locked by another setuplink (%s); try again in a moment",
		    PG(st)->msg);
	}
	return 0;
}

/* A transaction a failed statement spoiled commits nothing: say so. */
static int
pg_commit(struct store *st, char **errstr)
{
	if (pq_tx_status(PG(st)->c) == PQTRANS_INERROR) {
		pg_run(st, "ROLLBACK", NULL);
		return errorf(errstr, EX_SOFTWARE, "a statement failed inside "
		    "the transaction; nothing was written");
	}
	if (!pg_run(st, "COMMIT", NULL))
		return pg_error(st, PG_ERROR, "committing", errstr);
	return 0;
}

static void
pg_rollback(struct store *st)
{
	if (pq_tx_status(PG(st)->c) != PQTRANS_IDLE)
		pg_run(st, "ROLLBACK", NULL);
}

/* The counter every write moves, on any host (schema.c, changes). */
static int64_t
pg_data_version(struct store *st)
{
	PGresult *r;
	int64_t v = -1;

	if (pg_run(st, "SELECT n FROM changes", &r)) {
		if (pq_ntuples(r) == 1)
			v = strtoll(pq_value(r, 0, 0), NULL, 10);
		pq_clear(r);
	}
	return v;
}

/* PRAGMA user_version's counterpart: a table of one row. */
static int
pg_schema_version(struct store *st)
{
	PGresult *r;
	int v = -1;

	if (!pg_run(st, "SELECT to_regclass('schema_version') IS NOT NULL",
	    &r))
		return -1;
	v = strcmp(pq_value(r, 0, 0), "t") == 0 ? -2 : 0;
	pq_clear(r);
	if (v == 0)
		return 0;
	if (pg_run(st, "SELECT max(version) FROM schema_version", &r)) {
		v = pq_isnull(r, 0, 0) ? 0 : atoi(pq_value(r, 0, 0));
		pq_clear(r);
	}
	return v;
}

static int
pg_schema_set(struct store *st, int version, char **errstr)
{
	char *sql = xprintf("CREATE TABLE IF NOT EXISTS schema_version "
	    "(version INTEGER NOT NULL); DELETE FROM schema_version; "
	    "INSERT INTO schema_version (version) VALUES (%d)", version);
	bool ok = pg_run(st, sql, NULL);

	free(sql);
	return ok ? 0 : pg_error(st, PG_ERROR, "migrating the schema", errstr);
}

/* What draft rm wiped leaves dead row versions until a vacuum. */
static void
pg_checkpoint(struct store *st)
{
	if (!pg_run(st, "VACUUM field_values", NULL))
		log_debug("vacuum after a removal: %s", PG(st)->msg);
}

static int
pg_lock(struct store *st, int64_t key, bool wait, bool *got, char **errstr)
{
	PGresult *r;
	char *sql;
	bool ok;

	*got = false;
	sql = xprintf("SELECT %s(%lld)", wait ? "pg_advisory_lock" :
	    "pg_try_advisory_lock", (long long)key);
	ok = pg_run(st, sql, &r);
	free(sql);
	if (!ok)
		return pg_error(st, PG_ERROR, "taking a lock", errstr);
	*got = !wait ? strcmp(pq_value(r, 0, 0), "t") == 0 : true;
	pq_clear(r);
	return 0;
}

static void
pg_unlock(struct store *st, int64_t key)
{
	char *sql = xprintf("SELECT pg_advisory_unlock(%lld)", (long long)key);

	pg_run(st, sql, NULL);
	free(sql);
}

const struct db_engine db_pg = {
	"postgresql", pg_open, pg_close, pg_destroy, pg_exec, pg_prepare,
	pg_finalize, pg_reset, pg_clear, pg_bind_int64, pg_bind_text,
	pg_bind_blob, pg_step, pg_column_null, pg_column_int64,
	pg_column_text, pg_column_blob, pg_column_bytes, pg_changes,
	pg_last_id, pg_error, pg_begin, pg_commit, pg_rollback,
	pg_data_version, pg_schema_version, pg_schema_set, pg_checkpoint,
	pg_lock, pg_unlock,
};
