#!/bin/sh
# 142-vault-migrate.sh: a home made by the previous setuplink (schema 2,
# secrets in the clear in the database and in quarantine/, no vault key)
# is migrated on first use: a vault key made, every secret value (current
# and past) and quarantined message sealed in one transaction, nothing in
# the clear left in the database, its WAL (checkpointed while another
# process holds it open) or quarantine/; the values still open, the
# non-secret ones still readable without the vault.  A migration that
# fails half-way leaves every value as it was.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3

# An old SQLite home (schema 2) made by hand: about the SQLite store.
sqlite_only

init_home || exit 1
gpgconf --homedir "$H/gnupg" --kill all 2>/dev/null
# The previous version's home: its schema, its rows, no vault.
rm -f "$H"/setuplink.db* "$H/vault.key" "$H/vault.pub"
sqlite3 "$H/setuplink.db" <"$TOP/tests/fixtures/old-home/schema-v2.sql" || exit 1
ssh-keygen -q -t ed25519 -N "" -f "$T/k" || exit 1
K=$(sed -n 3p "$T/k")
$PY - "$H/setuplink.db" "$T/k" <<'EOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("INSERT INTO drafts VALUES (1, 'Old', 'postgres', 1, 1, NULL)")
c.execute("INSERT INTO drafts VALUES (2, 'Files', 'sftp', 1, 1, NULL)")
rows = [(1, 'host', b'db.old-host.example', 1), (1, 'port', b'5432', 1),
        (1, 'password', b'OldHistPw-1a2b3c', 0),
        (1, 'password', b'OldCurPw-3c4d5e', 1),
        (2, 'auth_method', b'private_key', 1),
        (2, 'private_key', open(sys.argv[2], 'rb').read(), 1),
        (2, 'passphrase', b'OldPassphrase-7a8b', 1)]
for d, k, v, cur in rows:
    c.execute("INSERT INTO field_values (draft, key, value, kind, sender, at,"
              " current) VALUES (?, ?, ?, 'admin', 'ann@acme.example', 1, ?)",
              (d, k, v, cur))
c.execute("INSERT INTO messages (at, message_id, sender, draft, outcome, "
          "reason, detail, quarantine) VALUES (1, '<q@client.example>', "
          "'bob@client.example', 1, 'rejected', 'policy', 'not signed', "
          "'1.old.host')")
c.commit()
EOF
printf 'From: bob@client.example\nSubject: Re: setup\n\npassword: OldQuarPw-5e6f7a\n' \
    >"$H/quarantine/new/1.old.host"
check "fixture: the old database holds its secrets in the clear" \
    grep -qaF OldCurPw-3c4d5e "$H/setuplink.db"

# ---- a migration that fails half-way (quarantine/ full) changes nothing
if [ "$(id -u)" -eq 0 ]; then
	head -c 6000 /dev/urandom | base64 >"$H/quarantine/new/2.big.host"
	mkdir -p "$T/q" && cp -a "$H/quarantine/." "$T/q/"
	mount -t tmpfs -o size=16k,mode=0700 tmpfs "$H/quarantine"
	cleanup_add "umount -l '$H/quarantine'"
	cp -a "$T/q/." "$H/quarantine/"
	sl draft list
	expect_rc 75 "a migration that runs out of room: 75, try again"
	check "... saying why" contains "$T/err" "No space left"
	check "... the schema is as it was" \
	    [ "$(sqlite3 "$H/setuplink.db" "PRAGMA user_version")" = 2 ]
	check "... the values too (all or nothing)" [ "$(sqlite3 "$H/setuplink.db" \
	    "SELECT value FROM field_values WHERE key = 'password' AND current = 1")" \
	    = OldCurPw-3c4d5e ]
	umount "$H/quarantine" && rm -rf "$H/quarantine" &&
	    cp -a "$T/q" "$H/quarantine"
else
	ok "# SKIP a migration out of room (needs root to mount a tmpfs)"
fi

# ---- the migration, with another process holding the database open
$PY -c "
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1]); c.execute('SELECT 1').fetchall()
open(sys.argv[2], 'w').close(); time.sleep(60)" "$H/setuplink.db" "$T/held" &
HOLD=$!
cleanup_add "kill $HOLD"
i=0; while [ ! -f "$T/held" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sl draft list
expect_rc 0 "first use of the old home"
check "the vault key is made, 0600" [ "$(stat -c %a "$H/vault.key")" = 600 ]
check "... and vault.pub" [ -s "$H/vault.pub" ]
check "the schema is the latest" [ "$(sqlite3 "$H/setuplink.db" \
    "SELECT count(*) FROM pragma_table_info('field_values') WHERE name = 'sealed'")" = 1 ]
check "every secret row is sealed (current and past)" [ "$(sqlite3 "$H/setuplink.db" \
    "SELECT count(*) FROM field_values WHERE sealed = 1")" = 4 ]
check "non-secret rows stay in the clear" [ "$(sqlite3 "$H/setuplink.db" \
    "SELECT group_concat(key) FROM field_values WHERE sealed = 0 ORDER BY id")" = host,port,auth_method ]
check "the other process still holds the database" kill -0 "$HOLD"
for p in OldHistPw-1a2b3c OldCurPw-3c4d5e OldPassphrase-7a8b "$K" OldQuarPw-5e6f7a; do
	check "no ${p%%-*}... left in setuplink.db or its -wal" \
	    sh -c '! grep -qaF -- "$1" "$2"/setuplink.db*' - "$p" "$H"
	check "no ${p%%-*}... left in quarantine/" \
	    sh -c '! grep -rqaF -- "$1" "$2/quarantine"' - "$p" "$H"
done
check "control: the non-secret host is still in the clear" \
    grep -qaF db.old-host.example "$H/setuplink.db"
kill "$HOLD" 2>/dev/null

# ---- everything opens as before
sl draft export 1
check "the current password opens" contains "$T/out" OldCurPw-3c4d5e
sl draft show 1 --reveal --history
check "the old one in the history opens" contains "$T/out" OldHistPw-1a2b3c
sl draft export 2 --format json
check "the key file opens whole" contains "$T/out" "$K"
check "the passphrase opens" contains "$T/out" OldPassphrase-7a8b
sl quarantine show 1
check "the quarantined message opens" contains "$T/out" OldQuarPw-5e6f7a
sl draft list
expect_rc 0 "a second use changes nothing more"
sl draft export 1
check "... the values still open (sealed once, not twice)" contains "$T/out" OldCurPw-3c4d5e
mv "$H/vault.key" "$T/vault.key"
sl draft show 1 --json
expect_rc 0 "without vault.key, draft show still works"
check "... with the non-secret values" contains "$T/out" db.old-host.example
mv "$T/vault.key" "$H/vault.key"

done_testing
