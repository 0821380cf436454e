#!/bin/sh
# 052-intake-ignore.sh: mail no person wrote is ignored, kept and never
# answered (auto-replies, list traffic, bounces, our own mail coming back);
# a failed delivery report marks its link bounced; a message accepted
# once is a duplicate the second time.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
sl draft new postgres --name Prod; D=$(cat "$T/out")
new_link "$D" || exit 1
L1=$LINK RA1=$RA SETUP1=$SETUP

# ignored KIND HEADER-LINE REASON: a reply with one header added is
# ignored with REASON, kept, unanswered, and changes nothing.
ignored() {
	reply "$T/auto.eml" <<EOF
host: auto.example
EOF
	sed -i "1i $2" "$T/auto.eml"
	_ob=$(outbox_n) _qb=$(quarantine_n)
	intake "$T/auto.eml"
	expect_rc 0 "$1: exit 0"
	expect_log ignored "$3" "$1: ignored ($3)"
	check "$1: not answered" [ "$(outbox_n)" -eq "$_ob" ]
	check "$1: kept in quarantine/" [ "$(quarantine_n)" -eq $((_qb + 1)) ]
	check "$1: nothing merged, link pending" \
	    [ "$(field "$D" host)/$(link_state "$L1")" = null/pending ]
}
ignored "Auto-Submitted: auto-replied" "Auto-Submitted: auto-replied" auto_reply
ignored "Auto-Submitted: auto-generated" "Auto-Submitted: Auto-Generated (vacation)" auto_reply
ignored "Precedence: bulk" "Precedence: bulk" auto_reply
ignored "Precedence: junk" "Precedence: junk" auto_reply
ignored "Precedence: list" "Precedence: list" auto_reply
ignored "List-Id" "List-Id: Data team <data.lists.client.example>" auto_reply
ignored "X-Autoreply" "X-Autoreply: yes" auto_reply
ignored "an empty return path" "Return-Path: <>" auto_reply
fill "$FIX/vacation.eml" "$T/vac.eml"
intake "$T/vac.eml"
expect_log ignored auto_reply "a vacation notice quoting the form: ignored"

# MAILER-DAEMON as the sender (without any other hint)
{ echo "From: MAILER-DAEMON@mx.client.example"; echo "To: $RA1"
  echo "Subject: Delivery problem"; echo "Message-ID: <md.$$@client.example>"
  echo; echo "host: daemon.example"; } >"$T/md.eml"
intake "$T/md.eml"
expect_log ignored auto_reply "From: MAILER-DAEMON: ignored"

# Auto-Submitted: no is a person
reply "$T/no.eml" <<EOF
dbname: by_a_person
EOF
sed -i '1i Auto-Submitted: no' "$T/no.eml"
intake "$T/no.eml"
expect_log accepted null "Auto-Submitted: no is read like any reply"

# ---- our own mail coming back: the setup email, a receipt
new_link "$D" || exit 1
L2=$LINK RA2=$RA SETUP2=$SETUP
o0=$(outbox_n)
cp "$SETUP2" "$T/own.eml"
intake "$T/own.eml" --recipient "$RA2"
expect_log ignored loop "the setup email fed back: ignored (loop)"
check "our own mail: not answered" [ "$(outbox_n)" -eq "$o0" ]
check "our own mail: link still pending" [ "$(link_state "$L2")" = pending ]
check "our own mail: its token is not in the log" \
    sh -c '! "$1" log --json | grep -qF "$2"' - "$SETUPLINK" "$(echo "$RA2" | sed 's/.*+//; s/@.*//')"
outbox_copy "$T/outbox"
grep -l "^X-Setuplink: receipt" "$T/outbox"/* | head -1 >"$T/rcpt.name"
sed '/^X-Setuplink-Rcpt:/d; /^Return-Path:/d' "$(cat "$T/rcpt.name")" >"$T/receipt.eml"
sed -i "s|^To: .*|To: $RA2|" "$T/receipt.eml"
intake "$T/receipt.eml"
check "a receipt fed back: ignored" [ "$(log0 "e['outcome']")" = ignored ]
check "our own mail: no answer loop" [ "$(outbox_n)" -eq "$o0" ]

# ---- delivery reports
new_link "$D" || exit 1
L3=$LINK RA3=$RA
fill "$FIX/dsn-delayed.eml" "$T/delayed.eml"
intake "$T/delayed.eml"
expect_log ignored bounce "a delayed-delivery report: ignored (bounce)"
check "a delayed report does not mark the link" [ "$(link_state "$L3")" = pending ]
fill "$FIX/dsn-failed.eml" "$T/dsn.eml"
o1=$(outbox_n)
intake "$T/dsn.eml"
expect_rc 0 "a failed DSN: exit 0"
expect_log ignored bounce "a failed DSN: ignored (bounce)"
check "a failed DSN found by the setup email's Message-ID marks it bounced" \
    [ "$(link_state "$L3")" = bounced ]
check "a DSN is not answered" [ "$(outbox_n)" -eq "$o1" ]
check "a DSN is kept" [ "$(log0 "e['quarantine'] is not None")" = True ]
new_link "$D" || exit 1
L4=$LINK
fill "$FIX/dsn-token-only.eml" "$T/dsn2.eml"
intake "$T/dsn2.eml"
expect_log ignored bounce "a failed DSN without the original Message-ID: bounce"
check "... found by the token alone, it does not mark the link (forgeable)" \
    [ "$(link_state "$L4")" = pending ]
check "the other links are untouched" [ "$(link_state "$L2")" = pending ]
# A late bounce never reopens a used link.
LINK=$L1 RA=$RA1 SETUP=$SETUP1
fill "$FIX/dsn-failed.eml" "$T/dsn3.eml"
check "(link 1 was used above)" [ "$(link_state "$L1")" = used ]
intake "$T/dsn3.eml"
expect_log ignored bounce "a failed DSN for a used link: bounce"
check "... the link stays used" [ "$(link_state "$L1")" = used ]
# A bounced link still accepts a reply (its mailto URL may be shared).
LINK=$L3 RA=$RA3
reply "$T/after.eml" <<EOF
user: after_bounce
EOF
intake "$T/after.eml"
expect_log accepted null "a reply to a bounced link is accepted"

# ---- duplicates
new_link "$D" || exit 1
reply "$T/dup.eml" <<EOF
port: 7777
EOF
intake "$T/dup.eml"
expect_log accepted null "the first copy is accepted"
o2=$(outbox_n) q2=$(quarantine_n)
intake "$T/dup.eml"
expect_rc 0 "the second copy: exit 0"
expect_log ignored duplicate "the same Message-ID again: ignored (duplicate)"
check "a duplicate gets no second receipt" [ "$(outbox_n)" -eq "$o2" ]
check "a duplicate of accepted mail leaves no copy of its values" \
    [ "$(quarantine_n)" -eq "$q2" ]
new_link "$D" || exit 1
reply "$T/noid.eml" <<EOF
dbname: no_message_id
EOF
sed -i '/^Message-ID:/d' "$T/noid.eml"
intake "$T/noid.eml"
expect_log accepted null "a message without a Message-ID is accepted"
check "... known by the SHA-256 of its bytes" \
    [ "$(log0 "e['message_id']")" = "sha256:$(sha256sum "$T/noid.eml" | cut -d' ' -f1)" ]
intake "$T/noid.eml"
expect_log ignored duplicate "the same bytes again: duplicate"
# A message rejected before is judged afresh, not a duplicate.
new_link "$D" --expires 1h || exit 1
reply "$T/again.eml" <<EOF
port: nonsense
EOF
intake "$T/again.eml"
expect_log rejected invalid "a rejected message..."
intake "$T/again.eml"
expect_log rejected invalid "... sent again is judged afresh"

done_testing
