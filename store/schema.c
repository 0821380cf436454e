/* schema.c: the database schema as numbered migrations, run in order in
 * one transaction and recorded in PRAGMA user_version. */
#include <stdlib.h>
#include <string.h>

#include "store/private.h"

/* Migration 12's on either engine: only kept messages are indexed by
 * name (every query of the index asks for a name). */
#define QUARANTINE_PARTIAL \
	"DROP INDEX messages_quarantine;" \
	"CREATE INDEX messages_quarantine ON messages(quarantine) " \
	"WHERE quarantine IS NOT NULL;"

/*
 * Each entry moves the schema from version i to i + 1.  Never edit a
 * shipped migration: add the next one.
 */
static const char *migrations[] = {
	/* 1: the first schema. */
	"CREATE TABLE drafts ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL,"
	"  connector TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL,"
	"  deleted INTEGER);"
	"CREATE TABLE links ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  draft INTEGER NOT NULL REFERENCES drafts(id),"
	"  token_hash TEXT NOT NULL UNIQUE,"
	"  recipient TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  require TEXT NOT NULL,"
	"  signer TEXT,"
	"  note TEXT,"
	"  message_id TEXT,"
	"  state TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (state IN ('pending', 'used', 'revoked', 'bounced')),"
	"  ended INTEGER,"
	"  created_by TEXT);"
	"CREATE INDEX links_draft ON links(draft);"
	"CREATE INDEX links_message_id ON links(message_id);"
	"CREATE TABLE link_fields ("
	"  link INTEGER NOT NULL REFERENCES links(id),"
	"  pos INTEGER NOT NULL,"
	"  key TEXT NOT NULL,"
	"  prefill TEXT,"
	"  PRIMARY KEY (link, pos));"
	/* Every write to a field, newest with current = 1. */
	"CREATE TABLE field_values ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  draft INTEGER NOT NULL REFERENCES drafts(id),"
	"  key TEXT NOT NULL,"
	"  value BLOB,"
	"  kind TEXT NOT NULL CHECK (kind IN ('admin', 'reply')),"
	"  sender TEXT,"
	"  at INTEGER NOT NULL,"
	"  link INTEGER REFERENCES links(id),"
	"  signed_by TEXT,"
	"  encrypted INTEGER NOT NULL DEFAULT 0,"
	"  current INTEGER NOT NULL DEFAULT 1,"
	"  removed INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX field_values_current ON field_values(draft, current, key);"
	"CREATE INDEX field_values_key ON field_values(draft, key, id);"
	"CREATE TABLE messages ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  at INTEGER NOT NULL,"
	"  message_id TEXT NOT NULL,"
	"  sender TEXT,"
	"  link INTEGER,"
	"  draft INTEGER,"
	"  outcome TEXT NOT NULL,"
	"  reason TEXT,"
	"  detail TEXT,"
	"  fields TEXT,"
	"  quarantine TEXT);"
	"CREATE INDEX messages_message_id ON messages(message_id, outcome);"
	"CREATE INDEX messages_quarantine ON messages(quarantine);"
	"CREATE TABLE replies ("
	"  sender TEXT NOT NULL,"
	"  at INTEGER NOT NULL);"
	"CREATE INDEX replies_at ON replies(at, sender);"
	"CREATE TABLE outmail ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  message_id TEXT NOT NULL UNIQUE,"
	"  env_from TEXT NOT NULL,"
	"  rcpt TEXT NOT NULL,"
	"  data BLOB NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  sent INTEGER);"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  at INTEGER NOT NULL,"
	"  actor TEXT,"
	"  action TEXT NOT NULL,"
	"  draft INTEGER,"
	"  link INTEGER,"
	"  detail TEXT);",
	/* 2: webhook events, delivered in id order. */
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  uid TEXT NOT NULL UNIQUE,"
	"  type TEXT NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  draft INTEGER,"
	"  link INTEGER,"
	"  fields TEXT,"
	"  detail TEXT,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_at INTEGER NOT NULL,"
	"  delivered INTEGER,"
	"  last_error TEXT);"
	"CREATE INDEX events_pending ON events(delivered, id);",
	/* 3: the eight characters a link's REF carries after its id (from
	 * its token); NULL for links made before, which keep their REF. */
	"ALTER TABLE links ADD COLUMN ref_tag TEXT;",
	/* 4: secret values sealed to the home's vault key.  What an older
	 * setuplink stored in the clear is sealed by db_seal_pending, in
	 * this same transaction when the store is opened with its vault
	 * and catalog (store_open_sealed), which sets vault.sealed_all. */
	"ALTER TABLE field_values ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE vault (sealed_all INTEGER NOT NULL);"
	"INSERT INTO vault (sealed_all) VALUES (0);",
	/* 5: the last credentials test of each draft (never a value). */
	"CREATE TABLE draft_tests ("
	"  draft INTEGER PRIMARY KEY REFERENCES drafts(id),"
	"  at INTEGER NOT NULL,"
	"  values_at INTEGER NOT NULL,"
	"  status INTEGER NOT NULL,"
	"  result TEXT NOT NULL);",
	/* 6: what a link needs over time: its token sealed under the home's
	 * token key (link remind), when it was reminded, and when its
	 * expiry unused was reported. */
	"CREATE TABLE link_tokens ("
	"  link INTEGER PRIMARY KEY REFERENCES links(id),"
	"  sealed TEXT,"
	"  reminded INTEGER,"
	"  expiry_noted INTEGER);",
	/* 7: a Message-ID is merged once, however many hosts race; what
	 * every home on a shared store needs to know of the workspace. */
	"CREATE UNIQUE INDEX messages_accepted_once ON messages(message_id) "
	"WHERE outcome = 'accepted';"
	"CREATE TABLE settings ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL);",
	/* 8: OAuth sign-ins by email (RFC 8628 device grant): one active
	 * per link (the partial unique index, so two replies racing start
	 * one), the device code and the reply's other values sealed under
	 * the home's token key, and a lease that a poller renews, so that
	 * another takes over once it lapses or its process is gone. */
	"CREATE TABLE signins ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  link INTEGER NOT NULL REFERENCES links(id),"
	"  draft INTEGER NOT NULL,"
	"  state TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  sender TEXT,"
	"  rcpt TEXT,"
	"  message_id TEXT NOT NULL,"
	"  in_reply_to TEXT,"
	"  signer TEXT,"
	"  encrypted INTEGER NOT NULL DEFAULT 0,"
	"  pending TEXT,"
	"  device_code TEXT,"
	"  user_code TEXT,"
	"  verify_uri TEXT,"
	"  verify_uri_complete TEXT,"
	"  poll_every INTEGER NOT NULL DEFAULT 5,"
	"  expires INTEGER,"
	"  failures INTEGER NOT NULL DEFAULT 0,"
	"  owner TEXT,"
	"  lease INTEGER NOT NULL DEFAULT 0,"
	"  ended INTEGER,"
	"  detail TEXT);"
	"CREATE UNIQUE INDEX signins_active ON signins(link) "
	"  WHERE state = 'active';",
	/* 9: a value's source may be the provider's sign-in: field_values is
	 * rebuilt with the kind 'oauth' allowed (SQLite cannot change a
	 * CHECK in place), ids and all.  PostgreSQL changes the CHECK
	 * instead (pg_instead), keeping its sequence and triggers. */
	"CREATE TABLE field_values_9 ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  draft INTEGER NOT NULL REFERENCES drafts(id),"
	"  key TEXT NOT NULL,"
	"  value BLOB,"
	"  kind TEXT NOT NULL CHECK (kind IN ('admin', 'reply', 'oauth')),"
	"  sender TEXT,"
	"  at INTEGER NOT NULL,"
	"  link INTEGER REFERENCES links(id),"
	"  signed_by TEXT,"
	"  encrypted INTEGER NOT NULL DEFAULT 0,"
	"  current INTEGER NOT NULL DEFAULT 1,"
	"  removed INTEGER NOT NULL DEFAULT 0,"
	"  sealed INTEGER NOT NULL DEFAULT 0);"
	"INSERT INTO field_values_9 (id, draft, key, value, kind, sender, at, "
	"  link, signed_by, encrypted, current, removed, sealed) "
	"  SELECT id, draft, key, value, kind, sender, at, link, signed_by, "
	"  encrypted, current, removed, sealed FROM field_values;"
	"DROP TABLE field_values;"
	"ALTER TABLE field_values_9 RENAME TO field_values;"
	"CREATE INDEX field_values_current ON field_values(draft, current, key);"
	"CREATE INDEX field_values_key ON field_values(draft, key, id);",
	/* 10: drafts by last activity, for a page of them (draft_page) and
	 * their count without reading the store.  (It was once PostgreSQL's
	 * alone, after 9: IF NOT EXISTS passes such a store by.) */
	"CREATE INDEX IF NOT EXISTS drafts_activity ON drafts(updated, id) "
	"WHERE deleted IS NULL;",
	/* 11: on a shared store, quarantined mail (sealed, as the Maildir
	 * copy is) and mail waiting to be sent are rows every host reads;
	 * a home's SQLite store keeps them in its Maildirs and never
	 * writes these.  An outbox row is claimed (claim, claimed) by the
	 * one flush that sends it; failed: refused for good, set aside. */
	"CREATE TABLE kept_mail ("
	"  name TEXT PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  data BLOB NOT NULL);"
	"CREATE TABLE outbox_mail ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL UNIQUE,"
	"  at INTEGER NOT NULL,"
	"  message_id TEXT,"
	"  data BLOB NOT NULL,"
	"  failed INTEGER NOT NULL DEFAULT 0,"
	"  claim TEXT,"
	"  claimed INTEGER);"
	"CREATE INDEX outbox_mail_message_id ON outbox_mail(message_id);",
	/* 12: SQLite checks "x IN (three or more words)" through a
	 * temporary table it builds for every row written (OP_OpenEphemeral):
	 * six per accepted reply, an eighth of a --maildir pass.  The same
	 * CHECKs as comparisons cost none of that.  SQLite cannot change a
	 * CHECK in place, so links and field_values are rebuilt, ids, their
	 * next ids (sqlite_sequence) and indexes all; migrate() turns the
	 * foreign keys off for it and checks them all before the commit.
	 * PostgreSQL has no such cost and keeps its CHECKs (pg_instead).
	 * And an accepted reply, which is kept nowhere, no longer writes a
	 * NULL into the index of kept messages' names: one page less in
	 * its commit. */
	"CREATE TABLE links_12 ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  draft INTEGER NOT NULL REFERENCES drafts(id),"
	"  token_hash TEXT NOT NULL UNIQUE,"
	"  recipient TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  require TEXT NOT NULL,"
	"  signer TEXT,"
	"  note TEXT,"
	"  message_id TEXT,"
	"  state TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (state = 'pending' OR state = 'used' OR"
	"    state = 'revoked' OR state = 'bounced'),"
	"  ended INTEGER,"
	"  created_by TEXT,"
	"  ref_tag TEXT);"
	"INSERT INTO links_12 (id, draft, token_hash, recipient, created, "
	"  expires, require, signer, note, message_id, state, ended, "
	"  created_by, ref_tag) "
	"  SELECT id, draft, token_hash, recipient, created, expires, "
	"  require, signer, note, message_id, state, ended, created_by, "
	"  ref_tag FROM links;"
	"DELETE FROM sqlite_sequence WHERE name = 'links_12';"
	"INSERT INTO sqlite_sequence (name, seq) "
	"  SELECT 'links_12', seq FROM sqlite_sequence WHERE name = 'links';"
	"DROP TABLE links;"
	"ALTER TABLE links_12 RENAME TO links;"
	"CREATE INDEX links_draft ON links(draft);"
	"CREATE INDEX links_message_id ON links(message_id);"
	"CREATE TABLE field_values_12 ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  draft INTEGER NOT NULL REFERENCES drafts(id),"
	"  key TEXT NOT NULL,"
	"  value BLOB,"
	"  kind TEXT NOT NULL"
	"    CHECK (kind = 'admin' OR kind = 'reply' OR kind = 'oauth'),"
	"  sender TEXT,"
	"  at INTEGER NOT NULL,"
	"  link INTEGER REFERENCES links(id),"
	"  signed_by TEXT,"
	"  encrypted INTEGER NOT NULL DEFAULT 0,"
	"  current INTEGER NOT NULL DEFAULT 1,"
	"  removed INTEGER NOT NULL DEFAULT 0,"
	"  sealed INTEGER NOT NULL DEFAULT 0);"
	"INSERT INTO field_values_12 (id, draft, key, value, kind, sender, at, "
	"  link, signed_by, encrypted, current, removed, sealed) "
	"  SELECT id, draft, key, value, kind, sender, at, link, signed_by, "
	"  encrypted, current, removed, sealed FROM field_values;"
	"DELETE FROM sqlite_sequence WHERE name = 'field_values_12';"
	"INSERT INTO sqlite_sequence (name, seq) SELECT 'field_values_12', "
	"  seq FROM sqlite_sequence WHERE name = 'field_values';"
	"DROP TABLE field_values;"
	"ALTER TABLE field_values_12 RENAME TO field_values;"
	"CREATE INDEX field_values_current ON field_values(draft, current, key);"
	"CREATE INDEX field_values_key ON field_values(draft, key, id);"
	QUARANTINE_PARTIAL,
};

/*
 * What PostgreSQL runs instead of migration i + 1, where SQLite's way
 * would lose what PostgreSQL keeps beside a table (its sequence, its
 * triggers).
 */
static const char *pg_instead[nitems(migrations)] = {
	[8] =
	"ALTER TABLE field_values DROP CONSTRAINT field_values_kind_check;"
	"ALTER TABLE field_values ADD CONSTRAINT field_values_kind_check "
	"  CHECK (kind IN ('admin', 'reply', 'oauth'));",
	[11] = QUARANTINE_PARTIAL,
};

/*
 * What only PostgreSQL needs after migration i + 1: the change counter
 * the TUI watches (SQLite keeps its own, PRAGMA data_version), moved by
 * every statement that writes, from any host.
 */
static const char *pg_extra[nitems(migrations)] = {
	[6] =
	"CREATE TABLE changes (n BIGINT NOT NULL);"
	"INSERT INTO changes (n) VALUES (0);"
	"CREATE FUNCTION setuplink_changed() RETURNS trigger LANGUAGE plpgsql "
	"AS $$ BEGIN UPDATE changes SET n = n + 1; RETURN NULL; END $$;"
	"CREATE TRIGGER drafts_changed AFTER INSERT OR UPDATE OR DELETE ON "
	"drafts FOR EACH STATEMENT EXECUTE FUNCTION setuplink_changed();"
	"CREATE TRIGGER field_values_changed AFTER INSERT OR UPDATE OR DELETE "
	"ON field_values FOR EACH STATEMENT EXECUTE FUNCTION "
	"setuplink_changed();"
	"CREATE TRIGGER links_changed AFTER INSERT OR UPDATE OR DELETE ON "
	"links FOR EACH STATEMENT EXECUTE FUNCTION setuplink_changed();"
	"CREATE TRIGGER messages_changed AFTER INSERT OR UPDATE OR DELETE ON "
	"messages FOR EACH STATEMENT EXECUTE FUNCTION setuplink_changed();"
	"CREATE TRIGGER draft_tests_changed AFTER INSERT OR UPDATE OR DELETE "
	"ON draft_tests FOR EACH STATEMENT EXECUTE FUNCTION "
	"setuplink_changed();",
	[7] =
	"CREATE TRIGGER signins_changed AFTER INSERT OR UPDATE OR DELETE ON "
	"signins FOR EACH STATEMENT EXECUTE FUNCTION setuplink_changed();",
	[10] =
	"CREATE TRIGGER kept_mail_changed AFTER INSERT OR UPDATE OR DELETE ON "
	"kept_mail FOR EACH STATEMENT EXECUTE FUNCTION setuplink_changed();"
	"CREATE TRIGGER outbox_mail_changed AFTER INSERT OR UPDATE OR DELETE "
	"ON outbox_mail FOR EACH STATEMENT EXECUTE FUNCTION "
	"setuplink_changed();",
};

int
store_schema_latest(void)
{
	return (int)nitems(migrations);
}

/*
 * PostgreSQL's words for the same schema: the migrations above are the
 * one description, written in SQLite's dialect with only the types
 * that differ translated here (64-bit integers, sequences, byte
 * strings).
 */
char *
db_pg_schema(const char *sql)
{
	static const struct { const char *from, *to; } words[] = {
		{ "INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY" },
		{ "INTEGER", "BIGINT" },
		{ "BLOB", "BYTEA" },
	};
	struct buf b;
	const char *p = sql;
	size_t i, n;

	buf_init(&b);
	while (*p != '\0') {
		for (i = 0; i < nitems(words); i++) {
			n = strlen(words[i].from);
			if (strncmp(p, words[i].from, n) == 0)
				break;
		}
		if (i < nitems(words)) {
			buf_adds(&b, words[i].to);
			p += n;
		} else
			buf_add(&b, p++, 1);
	}
	return buf_take(&b);
}

/*
 * After a SQLite migration that ran with the foreign keys off: every row
 * still points at a row, or nothing is committed.
 */
static int
keys_check(struct store *st, char **errstr)
{
	struct db_stmt *s = db_prepare(st, "PRAGMA foreign_key_check");
	int rv = 0, rc;

	if ((rc = db_step(s)) != DB_ROW && rc != DB_DONE)
		rv = db_error(st, rc, "checking the foreign keys", errstr);
	else if (rc == DB_ROW)
		rv = errorf(errstr, EX_CONFIG, "cannot migrate the schema: "
		    "row %lld of table %s points at no row of %s; the database "
		    "is left as it was (PRAGMA foreign_key_check lists every "
		    "such row)", (long long)db_column_int64(s, 1),
		    db_column_text(s, 0), db_column_text(s, 2));
	db_reset(s);
	return rv;
}

int
migrate(struct store *st, char **errstr)
{
	int version, target = (int)nitems(migrations), rv, rv2;
	bool lite = st->eng != &db_pg;

	if ((version = store_schema_version(st)) >= target) {
		if (version > target)
			return errorf(errstr, EX_CONFIG, "the database has "
			    "schema %d, newer than this setuplink knows (%d): "
			    "upgrade setuplink", version, target);
		return 0;
	}
	/* SQLite changes a table by building it again (9, 12), and cannot
	 * drop one that others point at while its foreign keys are on:
	 * off for the transaction, as SQLite's own procedure has it (the
	 * pragma does nothing inside one), and checked before the commit. */
	if (lite && (rv = st->eng->exec(st, "PRAGMA foreign_keys=OFF",
	    "migrating the schema", errstr)) != 0)
		return rv;
	if ((rv = store_begin(st, errstr)) != 0)
		goto keys;
	/* Read again under the write lock: another process may have won. */
	version = store_schema_version(st);
	for (; version < target && rv == 0; version++) {
		const char *sql = migrations[version];

		if (st->eng == &db_pg && pg_instead[version] != NULL)
			sql = pg_instead[version];
		rv = st->eng->exec(st, sql, "migrating the schema", errstr);
		if (rv == 0 && st->eng == &db_pg && pg_extra[version] != NULL)
			rv = st->eng->exec(st, pg_extra[version], "migrating "
			    "the schema", errstr);
	}
	if (rv == 0 && lite)
		rv = keys_check(st, errstr);
	if (rv == 0)
		rv = st->eng->schema_set(st, target, errstr);
	/* Secrets an older setuplink kept in the clear: sealed in the same
	 * transaction as the schema that makes room for them. */
	if (rv == 0)
		rv = db_seal_pending(st, errstr);
	if (rv != 0)
		store_rollback(st);
	else
		rv = store_commit(st, errstr);
keys:
	if (lite && (rv2 = st->eng->exec(st, "PRAGMA foreign_keys=ON",
	    "migrating the schema", rv == 0 ? errstr : NULL)) != 0 && rv == 0)
		rv = rv2;
	return rv;
}

/*
 * Every table the migrations above make, on either engine, as one
 * comma-separated list: what removing a store drops, so that a table a
 * new migration adds is never left behind.  Tables a later migration
 * renames away are listed too (DROP ... IF EXISTS passes them by).
 */
char *
db_schema_tables(void)
{
	static const char create[] = "CREATE TABLE ";
	const char *sets[2][nitems(migrations)];
	const char *p, *e;
	struct buf b;
	size_t i, k;

	for (i = 0; i < nitems(migrations); i++) {
		sets[0][i] = migrations[i];
		sets[1][i] = pg_extra[i];
	}
	buf_init(&b);
	buf_adds(&b, "schema_version");
	for (k = 0; k < 2; k++) {
		for (i = 0; i < nitems(migrations); i++) {
			for (p = sets[k][i]; p != NULL &&
			    (p = strstr(p, create)) != NULL; p = e) {
				p += sizeof create - 1;
				e = p + strcspn(p, " (");
				buf_printf(&b, ", %.*s", (int)(e - p), p);
			}
		}
	}
	return buf_take(&b);
}
