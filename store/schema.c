/* schema.c: the database schema as numbered migrations, run in order in
 * one transaction and recorded in PRAGMA user_version. */
#include <stdlib.h>

#include "store/private.h"

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
	/* 7: drafts by last activity, for a page of them (draft_page) and
	 * their count without reading the store. */
	"CREATE INDEX drafts_activity ON drafts(updated, id) "
	"WHERE deleted IS NULL;",
};

int
store_schema_latest(void)
{
	return (int)nitems(migrations);
}

int
migrate(struct store *st, char **errstr)
{
	int version, target = (int)nitems(migrations), rc, rv;
	char *sql;

	if ((version = store_schema_version(st)) >= target) {
		if (version > target)
			return errorf(errstr, EX_CONFIG, "the database %s has "
			    "schema %d, newer than this setuplink knows (%d): "
			    "upgrade setuplink", st->path, version, target);
		return 0;
	}
	if ((rv = store_begin(st, errstr)) != 0)
		return rv;
	/* Read again under the write lock: another process may have won. */
	version = store_schema_version(st);
	for (; version < target; version++) {
		if ((rc = sqlite3_exec(st->db, migrations[version], NULL, NULL,
		    NULL)) != SQLITE_OK) {
			rv = db_error(st, rc, "migrating the schema", errstr);
			store_rollback(st);
			return rv;
		}
	}
	sql = xprintf("PRAGMA user_version = %d", target);
	rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	free(sql);
	if (rc != SQLITE_OK) {
		rv = db_error(st, rc, "migrating the schema", errstr);
		store_rollback(st);
		return rv;
	}
	/* Secrets an older setuplink kept in the clear: sealed in the same
	 * transaction as the schema that makes room for them. */
	if ((rv = db_seal_pending(st, errstr)) != 0) {
		store_rollback(st);
		return rv;
	}
	return store_commit(st, errstr);
}
