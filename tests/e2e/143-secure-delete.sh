#!/bin/sh
# 143-secure-delete.sh: with `intake --maildir --watch` holding the
# database open (so no closing connection ever checkpoints the WAL),
# `draft rm` leaves nothing of the draft's values in setuplink.db, its
# -wal or freed pages: secure_delete is set on every connection and the
# WAL is checkpointed and emptied after a removal.  The same when a value
# is replaced and when a quarantined message of the draft goes.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fixtures/replies/intake.sh"
# About what SQLite leaves in its file and WAL.
sqlite_only

init_home || exit 1
cleanup_add "gpgconf --homedir '$H/gnupg' --kill all"
sl draft new postgres --name Wipe; D=$(cat "$T/out")
sl draft set "$D" host=db.wipe-me-host.example user=wipe-user-7c1d \
    dbname=wipe-db-8e2f password=WipePw-9a3b
expect_rc 0 "a draft with values"
new_link "$D" --fields port --require signed || exit 1
reply "$T/q.eml" <<EOF
port: 7777
password: WipeQuarPw-1b4c
EOF
intake "$T/q.eml"
expect_log rejected policy "a reply of the draft kept in quarantine"
QF=$(log0 "e['quarantine']")

# The long-lived process: it keeps the database (and its WAL) open.
mkdir -p "$T/md/new" "$T/md/cur" "$T/md/tmp"
"$SETUPLINK" intake --maildir "$T/md" --watch >"$T/watch.out" 2>&1 &
W=$!
cleanup_add "kill $W"
i=0
while ! ls -l /proc/$W/fd 2>/dev/null | grep -q 'setuplink.db$'; do
	i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.1
done
check "intake --watch holds the database open" \
    sh -c 'ls -l /proc/$1/fd | grep -q "setuplink.db$"' - "$W"
sl draft set "$D" dbname=wipe-db-replaced
check "control: the values are in the database files in the clear" \
    sh -c 'cat "$1"/setuplink.db* | grep -qaF db.wipe-me-host.example' - "$H"

sl draft rm "$D"
expect_rc 0 "draft rm while --watch runs"
check "--watch is still running" kill -0 "$W"
for v in db.wipe-me-host.example wipe-user-7c1d wipe-db-8e2f wipe-db-replaced; do
	check "no trace of $v in setuplink.db" \
	    sh -c '! grep -qaF -- "$1" "$2/setuplink.db"' - "$v" "$H"
	check "... nor in setuplink.db-wal" \
	    sh -c '! grep -qaF -- "$1" "$2/setuplink.db-wal" 2>/dev/null' - "$v" "$H"
done
check "the draft's quarantined message is gone" \
    [ -z "$(find "$H/quarantine" -name "$QF*")" ]
check "no trace of the quarantined password anywhere in the home" \
    sh -c '! grep -rqaF WipeQuarPw-1b4c "$1"' - "$H"
kill "$W" 2>/dev/null
wait "$W" 2>/dev/null

done_testing
