#!/bin/sh
# 113-maildir-source.sh: after `intake --maildir`, the source Maildir keeps
# no accepted reply: the message that carried a password is deleted once
# merged, a duplicate of it too, and only mail that was not merged moves
# to cur/ as read.  The same with --watch.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
sl draft new postgres --name Prod; D=$(cat "$T/out")
M=$T/Maildir
mkdir -p "$M/tmp" "$M/new" "$M/cur"
files() { find "$M/new" "$M/cur" "$M/tmp" -type f | wc -l; }

new_link "$D" || exit 1
reply "$M/new/1.accepted" <<EOF
user: maildir_user
password: pw-in-plain-mail-113
EOF
cp "$M/new/1.accepted" "$T/dup.eml"
new_link "$D" || exit 1
reply "$M/new/2.rejected" <<EOF
port: notaport
EOF
sl intake --maildir "$M"
expect_rc 0 "--maildir: exit 0"
check "the reply is merged" [ "$(field "$D" password)" = pw-in-plain-mail-113 ]
check "the accepted message is gone from new/ and cur/" \
    [ ! -e "$M/new/1.accepted" ] && [ -z "$(ls "$M/cur" | grep accepted)" ]
check "the rejected one moved to cur/ as read" [ -f "$M/cur/2.rejected:2,S" ]
check "no file in the source holds the password" \
    sh -c '! grep -rqF pw-in-plain-mail-113 "$1"' - "$M"
check "... nor in quarantine/" \
    sh -c '! grep -rqF pw-in-plain-mail-113 "$1"' - "$H/quarantine"
check "the source holds only the rejected message" [ "$(files)" -eq 1 ]

# The same message delivered again is a duplicate: deleted too.
cp "$T/dup.eml" "$M/new/3.duplicate"
sl intake --maildir "$M"
expect_log ignored duplicate "the copy is a duplicate"
check "... deleted from the source" [ "$(files)" -eq 1 ] &&
    sh -c '! grep -rqF pw-in-plain-mail-113 "$1"' - "$M"

# --dry-run deletes nothing.
new_link "$D" || exit 1
reply "$M/new/4.dry" <<EOF
dbname: dry_db
EOF
sl intake --maildir "$M" --dry-run
check "--dry-run leaves an acceptable message in new/" [ -f "$M/new/4.dry" ]

# --watch: an accepted message leaves, a rejected one stays in cur/.
"$SETUPLINK" intake --maildir "$M" --watch >"$T/watch.out" 2>"$T/watch.err" &
WPID=$!
cleanup_add "kill $WPID"
_i=0
while [ -e "$M/new/4.dry" ] && [ "$_i" -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
check "--watch: the waiting reply merged" [ "$(field "$D" dbname)" = dry_db ]
check "--watch: and deleted from the source" \
    [ ! -e "$M/new/4.dry" ] && [ -z "$(ls "$M/cur" | grep dry)" ]
kill "$WPID"; wait "$WPID" 2>/dev/null

done_testing
