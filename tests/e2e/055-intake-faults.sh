#!/bin/sh
# 055-intake-faults.sh: temporary failures end in 75 with nothing changed,
# and the retry that follows is clean: the database locked past
# db_timeout, a full filesystem, gpg-agent unable to start.  And
# concurrency: 50 replies at once to one link make exactly one accepted;
# 8 intakes at once on one database all succeed.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"
# Its faults are the SQLite file's (its lock, the home's full disk).
sqlite_only

init_home || exit 1
cleanup_add "gpgconf --homedir '$H/gnupg' --kill all"
sl draft new postgres --name Prod; D=$(cat "$T/out")

# state: what a temporary failure must leave as it was.
state() {
	{ "$SETUPLINK" log --json; "$SETUPLINK" link list --json
	  "$SETUPLINK" draft show "$D" --json --reveal
	  find "$H/quarantine" "$H/outbox" -type f ! -name .swept | sort; } 2>&1
}
log_n() { "$SETUPLINK" log --json | grep -c '"outcome"'; }

# ---- the database locked by another process past db_timeout
sed -i 's/^db_timeout = .*/db_timeout = 300/' "$H/setuplink.conf"
new_link "$D" || exit 1
reply "$T/locked.eml" <<EOF
host: db.locked.example
password: locked-pw
EOF
state >"$T/before"
mkfifo "$T/sqlfifo"
sqlite3 "$H/setuplink.db" <"$T/sqlfifo" >"$T/sqlite.out" 2>&1 &
SQPID=$!
cleanup_add "kill $SQPID"
exec 7>"$T/sqlfifo"
echo "BEGIN IMMEDIATE; UPDATE drafts SET updated = updated; SELECT 'locked';" >&7
_i=0
until grep -q locked "$T/sqlite.out" || [ "$_i" -gt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
check "(sqlite3 holds the write lock)" grep -q locked "$T/sqlite.out"
start=$(date +%s%N)
intake "$T/locked.eml"
took=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 75 "database locked past db_timeout: exit 75"
check "... after about db_timeout, not forever (${took} ms)" [ "$took" -lt 5000 ]
check "... the error says so on stderr" contains "$T/err" "locked"
check "... and never a secret" lacks "$T/err" "locked-pw"
echo "ROLLBACK;" >&7
exec 7>&-
wait "$SQPID"
state >"$T/after"
check "... nothing changed (log, links, draft, quarantine/, outbox/)" cmp -s "$T/before" "$T/after"
intake "$T/locked.eml"
expect_rc 0 "the retry once the lock is gone: exit 0"
expect_log accepted null "... accepted"
check "... exactly one log entry for it" \
    [ "$("$SETUPLINK" log --json | grep -c "\"$MID\"")" -eq 1 ]
check "... no copy left in quarantine/" [ "$(quarantine_n)" -eq 0 ]
# The same during --maildir: the batch stays in new/.
M=$T/Maildir; mkdir -p "$M/new" "$M/cur" "$M/tmp"
new_link "$D" || exit 1
reply "$M/new/1" <<EOF
dbname: maildir_locked
EOF
$PY - "$H/setuplink.db" >"$T/lock.out" 2>&1 <<'EOF' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE"); print("locked", flush=True); time.sleep(3)
EOF
LPID=$!
_i=0; until grep -q locked "$T/lock.out" || [ "$_i" -gt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
sl intake --maildir "$M"
expect_rc 75 "--maildir with the database locked: exit 75"
check "... the message stays in new/" [ -f "$M/new/1" ]
check "... no copy in quarantine/" [ "$(quarantine_n)" -eq 0 ]
kill "$LPID"; wait "$LPID" 2>/dev/null
sl intake --maildir "$M"
expect_rc 0 "--maildir retry: exit 0"
check "... merged and removed from the source" \
    [ "$(field "$D" dbname)/$(find "$M/new" "$M/cur" -type f | wc -l)" = maildir_locked/0 ]
sed -i 's/^db_timeout = .*/db_timeout = 10000/' "$H/setuplink.conf"

# ---- gpg-agent unable to start
sl key export; cp "$T/out" "$T/wkey.asc"
RFPR=$(gpg_home "$T/r" "Bob Client" bob@client.example) || exit 1
new_link "$D" --require encrypted || exit 1
printf '%s\n' "--- setup form for link $REF: keep the names left of the colons ---" \
    "user: agent_user" >"$T/body"
$PY "$FIX/pgpmime.py" encrypt --home "$T/r" --from bob@client.example --to "$RA" \
    --body "$T/body" --encrypt-to "$T/wkey.asc" >"$T/enc.eml"
gpgconf --homedir "$H/gnupg" --kill all
cp "$H/gnupg/gpg.conf" "$T/gpg.conf.saved"
echo "agent-program /bin/false" >>"$H/gnupg/gpg.conf"
state >"$T/before"
intake "$T/enc.eml"
expect_rc 75 "gpg-agent unable to start: exit 75"
check "... the error names gpg" sh -c 'grep -qi "gpg\|agent" "$1"' - "$T/err"
state >"$T/after"
check "... nothing changed" cmp -s "$T/before" "$T/after"
cp "$T/gpg.conf.saved" "$H/gnupg/gpg.conf"
intake "$T/enc.eml"
expect_rc 0 "the retry with the agent back: exit 0"
expect_log accepted null "... accepted"
check "... encrypted" [ "$(field "$D" user encrypted)" = true ]

# ---- crypto that fails on content is never a temporary failure
new_link "$D" --require encrypted || exit 1
sed -i 's/^gpg_timeout = .*/gpg_timeout = 2s/' "$H/setuplink.conf"
gpg --homedir "$T/r" --batch --import "$T/wkey.asc" 2>/dev/null
WFPR=$(gpg --homedir "$T/r" --with-colons --import-options show-only --import "$T/wkey.asc" 2>/dev/null |
    awk -F: '$1 == "fpr" { print $10; exit }')
{ printf 'From: bob@client.example\nTo: %s\nSubject: bomb\nMessage-ID: <bomb.%s@client.example>\n' "$RA" "$$"
  printf 'MIME-Version: 1.0\nContent-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary=B\n\n'
  printf -- '--B\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n--B\nContent-Type: application/octet-stream\n\n'
  { printf 'Content-Type: text/plain\n\nhost: bomb.example\n'; head -c 300M /dev/zero; } |
      gpg --homedir "$T/r" --batch --trust-model always -z 9 --armor -e -r "$WFPR"
  printf -- '\n--B--\n'; } >"$T/bomb.eml"
intake "$T/bomb.eml"
expect_rc 0 "a decompression bomb: exit 0 (content, not a temporary failure)"
expect_log rejected policy "... rejected"
check "... nothing merged" [ "$(field "$D" host)" != bomb.example ]
sed -i 's/^gpg_timeout = .*/gpg_timeout = 30s/' "$H/setuplink.conf"

# ---- a full filesystem
mkdir -p "$T/small"
if mount -t tmpfs -o size=4m,mode=0700 tmpfs "$T/small" 2>"$T/mount.err"; then
	cleanup_add "umount -l '$T/small'"
	H2=$T/small/home
	"$SETUPLINK" --home "$H2" init --workspace Small --admin "Ann <ann@acme.example>" \
	    --intake setup@acme.example >/dev/null 2>&1
	cleanup_add "gpgconf --homedir '$H2/gnupg' --kill all"
	D2=$("$SETUPLINK" --home "$H2" draft new postgres --name Small)
	H_SAVED=$H; H=$H2; export SETUPLINK_HOME=$H2
	new_link "$D2" || exit 1
	reply "$T/full.eml" <<EOF
host: db.full.example
EOF
	# The WAL outlives each process, with room for more commits in the
	# blocks it has: checkpoint it away first, so that the reply's
	# commit needs new blocks, as on a store just checkpointed.
	$PY -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute(
	    "PRAGMA wal_checkpoint(TRUNCATE)").fetchall()' "$H2/setuplink.db"
	# Fill the filesystem to the last block.
	dd if=/dev/zero of="$T/small/filler" bs=64k 2>/dev/null
	dd if=/dev/zero of="$T/small/filler2" bs=1k 2>/dev/null
	state >"$T/before"
	intake "$T/full.eml"
	expect_rc 75 "a full filesystem: exit 75"
	check "... the error says why" sh -c 'grep -qi "space\|full\|disk" "$1"' - "$T/err"
	rm -f "$T/small/filler2"; dd if=/dev/zero of="$T/small/filler2" bs=1k 2>/dev/null
	state >"$T/after"
	check "... nothing changed" cmp -s "$T/before" "$T/after"
	rm -f "$T/small/filler" "$T/small/filler2"
	intake "$T/full.eml"
	expect_rc 0 "the retry with room again: exit 0"
	expect_log accepted null "... accepted"
	check "... exactly one log entry" [ "$(log_n)" -eq 1 ]
	H=$H_SAVED; export SETUPLINK_HOME=$H
	# Only quarantine/ full: a message that must be kept (here one to no
	# link) cannot be, so it is not judged further than that; a reply
	# that is accepted needs no copy (the MTA holds it until we exit 0)
	# and goes through.
	mkdir -p "$T/q"
	cp -a "$H/quarantine/." "$T/q/"
	mount -t tmpfs -o size=64k,mode=0700 tmpfs "$H/quarantine"
	cleanup_add "umount -l '$H/quarantine'"
	cp -a "$T/q/." "$H/quarantine/"
	new_link "$D" || exit 1
	RA_LINK=$RA
	RA=$(printf %s "$RA" | sed 's/+[^@]*@/+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@/')
	reply "$T/qfull.eml" <<EOF
host: db.qfull.example
$(head -c 200000 /dev/zero | tr '\0' 'y' | fold -w 70)
EOF
	RA=$RA_LINK
	state >"$T/before"
	intake "$T/qfull.eml"
	expect_rc 75 "quarantine/ full, a message to keep: exit 75"
	check "... the error says the message cannot be kept" \
	    sh -c 'grep -q "cannot keep the message.*No space left" "$1"' - "$T/err"
	state >"$T/after"
	check "... nothing changed, no partial file left" cmp -s "$T/before" "$T/after"
	check "... tmp/ is empty" [ -z "$(ls -A "$H/quarantine/tmp")" ]
	reply "$T/qacc.eml" <<EOF
host: db.qfull.example
$(head -c 200000 /dev/zero | tr '\0' 'y' | fold -w 70)
EOF
	intake "$T/qacc.eml"
	expect_rc 0 "quarantine/ full, an accepted reply needs no copy: exit 0"
	expect_log accepted null "... accepted"
	check "... merged" [ "$(field "$D" host)" = db.qfull.example ]
	umount "$H/quarantine" && cp -a "$T/q/." "$H/quarantine/"
	_q=$(quarantine_n)
	intake "$T/qfull.eml"
	expect_rc 0 "the retry with room again: exit 0"
	expect_log rejected unknown_token "... rejected"
	check "... and kept" [ "$(quarantine_n)" -eq $((_q + 1)) ]
else
	echo "# skipping the full-filesystem test: cannot mount a tmpfs here ($(cat "$T/mount.err"))"
fi

# ---- the receipt cannot be sent: logged, not fatal, sent on a later run
new_link "$D" || exit 1
DEAD=$(free_port)
sed -i "s|^transport = .*|transport = smtp://127.0.0.1:$DEAD|" "$H/setuplink.conf"
grep -q "^transport = smtp" "$H/setuplink.conf" ||
    echo "transport = smtp://127.0.0.1:$DEAD" >>"$H/setuplink.conf"
o0=$(outbox_n)
reply "$T/nosend.eml" <<EOF
dbname: sent_later
EOF
intake "$T/nosend.eml"
expect_rc 0 "the mail server down after the commit: still exit 0"
expect_log accepted null "... the reply is accepted"
check "... the failure is logged on stderr" contains "$T/err" "stays queued"
RMID=$MID
if smtpd_start; then
	sed -i "s|^transport = .*|transport = smtp://127.0.0.1:$SMTPD_PORT|" "$H/setuplink.conf"
	echo "smtp_require_starttls = no" >>"$H/setuplink.conf"
	RA_SAVED=$RA RA=setup+cccccccccccccccccccccccccccccccc@acme.example
	reply "$T/next.eml" <<EOF
host: whatever.example
EOF
	RA=$RA_SAVED
	intake "$T/next.eml"
	expect_rc 0 "the next intake run: exit 0"
	check "... sends the queued receipt" \
	    sh -c 'grep -l "^In-Reply-To: <$2>" "$1"/*.eml | grep -q .' - "$SMTPD_SPOOL" "$RMID"
	check "... to the replier, from the null sender" \
	    sh -c 'grep -qx "mail_from <>" "$1"/1.env && grep -qx "rcpt_to bob@client.example" "$1"/1.env' - "$SMTPD_SPOOL"
	intake "$T/next.eml"
	check "... and only once" [ "$(grep -l "^In-Reply-To: <$RMID>" "$SMTPD_SPOOL"/*.eml | wc -l)" -eq 1 ]
	smtpd_stop
else
	not_ok "smtpd_start"
fi
sed -i "s|^transport = .*|transport = maildir|" "$H/setuplink.conf"

# ---- 50 replies at once to one link: exactly one accepted
new_link "$D" || exit 1
L50=$LINK
for i in $(seq 1 50); do
	FROM=racer$i@client.example reply "$T/race$i.eml" <<EOF
user: racer_$i
EOF
done
n0=$(log_n) o0=$(outbox_n)
for i in $(seq 1 50); do
	( "$SETUPLINK" intake <"$T/race$i.eml" >/dev/null 2>"$T/race$i.err"
	  echo $? >"$T/race$i.rc" ) &
done
wait
check "50 at once: every intake exits 0" \
    [ "$(cat "$T"/race*.rc | grep -cx 0)" -eq 50 ]
"$SETUPLINK" log --json >"$T/log.json"
check "50 at once: 50 log entries" [ "$(log_n)" -eq $((n0 + 50)) ]
check "50 at once: exactly one accepted" \
    [ "$($PY -c "import json; print(sum(1 for e in json.load(open('$T/log.json')) if e['link'] == $L50 and e['outcome'] == 'accepted'))")" -eq 1 ]
check "50 at once: the other 49 rejected as used" \
    [ "$($PY -c "import json; print(sum(1 for e in json.load(open('$T/log.json')) if e['link'] == $L50 and e['reason'] == 'used'))")" -eq 49 ]
winner=$($PY -c "import json; print([e['from'] for e in json.load(open('$T/log.json')) if e['link'] == $L50 and e['outcome'] == 'accepted'][0])")
check "50 at once: the winner's value, not a mix" \
    [ "racer$(field "$D" user | sed 's/racer_//')@client.example" = "$winner" ]
check "50 at once: exactly one receipt among the racers" \
    [ "$(grep -l '^X-Setuplink: receipt' "$H/outbox/new"/* | xargs grep -l '^To: racer' | wc -l)" -eq 1 ]
check "50 at once: no receipt twice (sent once each)" \
    [ "$(grep -h '^Message-ID:' "$H/outbox/new"/* | sort | uniq -d | wc -l)" -eq 0 ]
check "50 at once: the link is used" [ "$(link_state "$L50")" = used ]

# ---- 8 intakes at once on one database, each for its own link
for i in $(seq 1 8); do
	sl draft new postgres --name "Par $i"; PD=$(cat "$T/out")
	new_link "$PD" || exit 1
	reply "$T/par$i.eml" <<EOF
host: db.par$i.example
EOF
	echo "$PD" >"$T/par$i.draft"
done
for i in $(seq 1 8); do
	( "$SETUPLINK" intake <"$T/par$i.eml" >/dev/null 2>&1; echo $? >"$T/par$i.rc" ) &
done
wait
check "8 at once: all exit 0" [ "$(cat "$T"/par*.rc | grep -cx 0)" -eq 8 ]
ok8=0
for i in $(seq 1 8); do
	[ "$(field "$(cat "$T/par$i.draft")" host)" = "db.par$i.example" ] && ok8=$((ok8 + 1))
done
check "8 at once: all 8 merged into their drafts" [ "$ok8" -eq 8 ]

done_testing
