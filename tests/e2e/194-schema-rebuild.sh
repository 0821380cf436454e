#!/bin/sh
# 194-schema-rebuild.sh: schema 12 builds links and field_values again so
# that SQLite checks a link's state and a value's kind by comparison,
# not through a temporary table for every row written.  An old home's
# links and values keep their ids, their columns and their next ids; the
# foreign keys, off while the tables are built again, are checked before
# the commit, so a store with a row that points at nothing is left as it
# was, with a sentence naming the row; the checks refuse what they
# refused; and setuplink goes on as before (a new link takes the next id,
# a reply merges).
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3

# An old SQLite home (schema 2) made by hand: about the SQLite store.
sqlite_only

init_home || exit 1
rm -f "$H"/setuplink.db* "$H/vault.key" "$H/vault.pub"
sqlite3 "$H/setuplink.db" <"$TOP/tests/fixtures/old-home/schema-v2.sql" || exit 1
# Links 1, 2 and 5 (3, 4 and 6-9 made and removed by hand: their ids are
# not to be given again), their fields, values from the admin and a
# reply, and the fields of a link that is gone (id 7).
$PY - "$H/setuplink.db" <<'EOF'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1])
now = int(time.time())
c.execute("INSERT INTO drafts VALUES (1, 'Old', 'postgres', 1, 1, NULL)")
for i in range(1, 10):
    c.execute("INSERT INTO links (id, draft, token_hash, recipient, created, "
              "expires, require, state) VALUES (?, 1, ?, 'bob@client.example',"
              " ?, ?, 'any', ?)", (i, "h%d" % i, now, now + 86400,
              {1: "pending", 2: "used", 5: "revoked"}.get(i, "pending")))
c.execute("DELETE FROM links WHERE id NOT IN (1, 2, 5)")
for link in (1, 2, 5, 7):
    for pos, key in enumerate(["host", "port"]):
        c.execute("INSERT INTO link_fields VALUES (?, ?, ?, NULL)",
                  (link, pos, key))
for i, (key, val, kind, link) in enumerate([
        ("host", b"db.old.example", "admin", None),
        ("port", b"5432", "reply", 2), ("dbname", b"sales", "reply", 2),
        ("user", b"reader", "admin", None)]):
    c.execute("INSERT INTO field_values (draft, key, value, kind, sender, at,"
              " link) VALUES (1, ?, ?, ?, 'ann@acme.example', 1, ?)",
              (key, val, kind, link))
c.commit()
EOF
rows() {
	sqlite3 "$H/setuplink.db" "SELECT id, draft, token_hash, recipient,
	    require, state FROM links ORDER BY id;
	    SELECT link, pos, key FROM link_fields ORDER BY link, pos;
	    SELECT id, key, value, kind, link FROM field_values ORDER BY id;
	    SELECT name, seq FROM sqlite_sequence
	    WHERE name IN ('links', 'field_values') ORDER BY name"
}
rows >"$T/before"
check "fixture: the next link id is 10, not 6" grep -qx 'links|9' "$T/before"

# ---- a field of a link that is gone: nothing migrated, and why
sl draft list
expect_rc 78 "a store with a row that points at nothing is not migrated"
check "... the sentence names the table" contains "$T/err" "table link_fields"
check "... and the table it points at" contains "$T/err" "of links"
check "... and says how to list such rows" contains "$T/err" "PRAGMA foreign_key_check"
check "... the schema is as it was" \
    [ "$(sqlite3 "$H/setuplink.db" "PRAGMA user_version")" = 2 ]
rows >"$T/after"
check "... and every row" cmp -s "$T/before" "$T/after"

# ---- that row gone: the migration
sqlite3 "$H/setuplink.db" "DELETE FROM link_fields WHERE link = 7"
rows >"$T/before"
sl draft list
expect_rc 0 "the old home opens"
check "the schema is the latest (12 or later)" \
    [ "$(sqlite3 "$H/setuplink.db" "PRAGMA user_version")" -ge 12 ]
rows >"$T/after"
check "links, their fields and values keep ids, columns and next ids" \
    cmp -s "$T/before" "$T/after"
sqlite3 "$H/setuplink.db" "SELECT sql FROM sqlite_schema
    WHERE name IN ('links', 'field_values')" >"$T/schema"
check "the state and kind checks are comparisons, no IN list" \
    sh -c '! grep -q " IN (" "$1" && [ "$(grep -c " = .pending. OR\| = .admin. OR" "$1")" = 2 ]' - "$T/schema"
check "every index is back" [ "$(sqlite3 "$H/setuplink.db" "SELECT group_concat(name)
    FROM (SELECT name FROM sqlite_schema WHERE type = 'index'
    AND tbl_name IN ('links', 'field_values') ORDER BY name)")" = \
    field_values_current,field_values_key,links_draft,links_message_id,sqlite_autoindex_links_1 ]
check "no table is left over" [ "$(sqlite3 "$H/setuplink.db" "SELECT count(*)
    FROM sqlite_schema WHERE name LIKE '%\_12' ESCAPE '\\'")" = 0 ]
check "every row still points at a row" \
    [ -z "$(sqlite3 "$H/setuplink.db" "PRAGMA foreign_key_check")" ]
check "the database is whole" \
    [ "$(sqlite3 "$H/setuplink.db" "PRAGMA integrity_check")" = ok ]

# ---- the checks refuse what they refused
check "a link's state must be one of the four" sh -c 'sqlite3 "$1" \
    "UPDATE links SET state = '"'gone'"' WHERE id = 1" 2>&1 |
    grep -q "CHECK constraint failed"' - "$H/setuplink.db"
check "a value's kind must be one of the three" sh -c 'sqlite3 "$1" \
    "INSERT INTO field_values (draft, key, kind, at) VALUES (1, '"'x'"', '"'robot'"', 1)" 2>&1 |
    grep -q "CHECK constraint failed"' - "$H/setuplink.db"
check "... the states and kinds in use are allowed" sqlite3 "$H/setuplink.db" \
    "UPDATE links SET state = 'bounced' WHERE id = 5;
     UPDATE links SET state = 'revoked' WHERE id = 5;
     INSERT INTO field_values (draft, key, kind, at) VALUES (1, 'x', 'oauth', 1);
     DELETE FROM field_values WHERE key = 'x' AND kind = 'oauth'"

# ---- setuplink goes on: a new link takes id 10, and its reply merges
sl link create 1 --to bob@client.example --fields host,port,dbname,user,password
expect_rc 0 "link create on the migrated home"
check "... the new link is 10, not an id given before" \
    [ "$(sqlite3 "$H/setuplink.db" "SELECT max(id) FROM links")" = 10 ]
tok=$(grep -rhoE 'setup\+[a-z2-7]+@acme\.example' "$H/outbox/new" | head -1)
printf 'From: bob@client.example\nTo: %s\nSubject: Re: setup\nMessage-ID: <r194@client.example>\n\nhost: db.new.example\npassword: NewPw-194x\n' \
    "$tok" >"$T/reply"
sl_in "$T/reply" intake
expect_rc 0 "a reply to it"
check "... is merged" [ "$(sqlite3 "$H/setuplink.db" "SELECT count(*) FROM field_values
    WHERE link = 10 AND kind = 'reply' AND current = 1")" = 2 ]
check "... its values take the next ids (6 and 7: the check above had 5)" \
    [ "$(sqlite3 "$H/setuplink.db" "SELECT group_concat(id) FROM
    (SELECT id FROM field_values WHERE link = 10 ORDER BY id)")" = 6,7 ]

done_testing
