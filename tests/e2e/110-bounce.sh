#!/bin/sh
# 110-bounce.sh: a bounce is no way around the admin.  A failed delivery
# report counts only when it quotes our setup email's Message-ID (a token
# alone, which a mailto URL hands out, forges nothing); a bounced link
# still expires, and revoke and draft rm end it.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
sl draft new postgres --name Prod; D=$(cat "$T/out")

# dsn FILE QUOTED-MID: a failed DSN to the current link's reply address
# whose returned headers carry QUOTED-MID ("" for none).
dsn() {
	_mid=$((_mid + 1))
	{
		echo "Return-Path: <>"
		echo "From: MAILER-DAEMON@mx.attacker.example"
		echo "To: $RA"
		echo "Subject: Undelivered Mail Returned to Sender"
		echo "Message-ID: <dsn$_mid.$$@mx.attacker.example>"
		echo "MIME-Version: 1.0"
		echo 'Content-Type: multipart/report; report-type=delivery-status; boundary="B"'
		echo; echo "--B"; echo "Content-Type: text/plain"; echo
		echo "Your message could not be delivered."
		echo; echo "--B"; echo "Content-Type: message/delivery-status"; echo
		echo "Reporting-MTA: dns; mx.attacker.example"; echo
		echo "Final-Recipient: rfc822; bob@client.example"
		echo "Action: failed"; echo "Status: 5.1.1"
		echo; echo "--B"; echo "Content-Type: text/rfc822-headers"; echo
		echo "From: <$RA>"
		echo "To: bob@client.example"
		[ -n "$2" ] && echo "Message-ID: <$2>"
		echo; echo "--B--"
	} >"$1"
}
setup_mid() { sed -n 's/^Message-ID: *<\(.*\)>.*/\1/p' "$SETUP" | head -1; }

# ---- forged reports: the token alone, or someone else's Message-ID
new_link "$D" --expires 2d || exit 1
L1=$LINK RA1=$RA
dsn "$T/f1.eml" ""
intake "$T/f1.eml"
expect_rc 0 "a forged DSN (token only): exit 0"
expect_log ignored bounce "... ignored as a bounce"
check "... the link stays pending" [ "$(link_state "$L1")" = pending ]
check "... the log says why" sh -c 'log=$1; "$log" log --json | grep -q "does not quote the setup email"' - "$SETUPLINK"
dsn "$T/f2.eml" "1.forged.setuplink@acme.example"
intake "$T/f2.eml"
check "a DSN quoting a Message-ID that is not ours: link pending" \
    [ "$(link_state "$L1")" = pending ]
reply "$T/r1.eml" <<EOF
host: still.open.example
EOF
intake "$T/r1.eml"
expect_log accepted null "after forged bounces the link takes its reply"

# ---- a real bounce still expires
new_link "$D" --expires 2d || exit 1
L2=$LINK RA2=$RA SETUP2=$SETUP
dsn "$T/b2.eml" "$(setup_mid)"
intake "$T/b2.eml"
check "a DSN quoting our setup email marks the link bounced" \
    [ "$(link_state "$L2")" = bounced ]
now=$(date +%s)
export SETUPLINK_NOW=$((now + 3 * 86400))
check "3 days on, the bounced 2-day link reads expired" \
    [ "$(link_state "$L2")" = expired ]
reply "$T/r2.eml" <<EOF
user: too_late
EOF
intake "$T/r2.eml"
expect_log rejected expired "a reply to an expired bounced link is rejected"
check "... nothing merged" [ "$(field "$D" user)" = null ]
sl link revoke "$L2"
expect_rc 65 "revoking an expired (once bounced) link is exit 65"
unset SETUPLINK_NOW

# ---- revoke takes a bounced link
new_link "$D" || exit 1
L3=$LINK
dsn "$T/b3.eml" "$(setup_mid)"
intake "$T/b3.eml"
check "(link $L3 bounced)" [ "$(link_state "$L3")" = bounced ]
sl link revoke "$L3"
expect_rc 0 "link revoke takes a bounced link"
check "... it reads revoked" [ "$(link_state "$L3")" = revoked ]
reply "$T/r3.eml" <<EOF
user: after_revoke
EOF
intake "$T/r3.eml"
expect_log rejected revoked "a reply to the revoked bounced link is rejected"
check "... nothing merged" [ "$(field "$D" user)" = null ]

# ---- draft rm takes a bounced link
sl draft new postgres --name Other; D2=$(cat "$T/out")
new_link "$D2" || exit 1
L4=$LINK
dsn "$T/b4.eml" "$(setup_mid)"
intake "$T/b4.eml"
check "(link $L4 bounced)" [ "$(link_state "$L4")" = bounced ]
sl draft rm "$D2"
expect_rc 0 "draft rm"
check "draft rm revokes its bounced link" [ "$(link_state "$L4")" = revoked ]
reply "$T/r4.eml" <<EOF
user: after_rm
EOF
intake "$T/r4.eml"
expect_log rejected revoked "a reply to it is rejected"

done_testing
