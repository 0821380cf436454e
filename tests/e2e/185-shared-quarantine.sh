#!/bin/sh
# 185-shared-quarantine.sh: on a shared store (a real PostgreSQL, as
# nobody, private socket) quarantined mail is a row, sealed, that every
# host lists, shows and retries: a forged reply delivered on host A
# leaves no file in A's quarantine/, and host B lists it and shows it
# byte for byte; a reply host A rejects (its connector allows at most 5)
# is retried on host B (which allows 10), twice at once, and merged once;
# afterwards neither host has it in quarantine.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/lib/dbservices.sh"
. "$TOP/tests/fixtures/replies/intake.sh"
# Once per make check, as 181: on the plain build.
[ "${SANITIZE:-}" = 1 ] && { ok "# skip: run on the plain build"; exit 0; }
[ "${STORE:-}" = sqlite ] && { ok "# skip: STORE=sqlite"; exit 0; }

. "$TOP/tests/lib/twohosts.sh"
two_hosts slq || exit 1
# Each host has its own connector definitions: A allows 5 at most, B 10.
tally_connector "$HA" 5
tally_connector "$HB" 10

# ---- a forged reply on host A: a row, sealed; listed and shown on B
{
	printf 'From: Mallory <mallory@evil.example>\n'
	printf 'To: setup+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@acme.example\n'
	printf 'Subject: forged\n'
	printf 'Message-ID: <forged.%s@evil.example>\n\n' "$$"
	printf 'password: Forged-Marker-%s\n' "$$"
} >"$T/forged.eml"
SETUPLINK_HOME=$HA sl_in "$T/forged.eml" intake
expect_rc 0 "host A takes the forged reply (exit 0: kept)"
check "... and keeps no file in its quarantine/" \
    [ "$(find "$HA/quarantine" -type f ! -name .swept | wc -l)" -eq 0 ]
check "... but a row in the shared store" [ "$(psql_q 'SELECT count(*) FROM kept_mail')" = 1 ]
check "... sealed: the message's text is not in the database" \
    [ "$(psql_q "SELECT count(*) FROM kept_mail WHERE position(convert_to('Forged-Marker', 'UTF8') in data) > 0")" = 0 ]
SETUPLINK_HOME=$HB sl quarantine list --json
expect_rc 0 "host B: quarantine list"
check "host B lists host A's forged reply (unknown_token)" \
    [ "$(json "[e['reason'] for e in d]")" = "['unknown_token']" ]
QF=$(json "d[0]['id']")
SETUPLINK_HOME=$HB sl quarantine show "$QF"
expect_rc 0 "host B: quarantine show"
check "... prints the message byte for byte" cmp -s "$T/out" "$T/forged.eml"
SETUPLINK_HOME=$HB sl quarantine show "$QF" --json
check "... and in JSON, with its log entry" \
    [ "$(json "d['message'] == open('$T/forged.eml').read() and d['reason']")" = unknown_token ]
SETUPLINK_HOME=$HA sl quarantine show 99999
expect_rc 66 "quarantine show of an unknown id: 66"

# ---- rejected on host A, retried on host B twice at once: merged once
SETUPLINK_HOME=$HA sl draft new tally --name Tally
D=$(cat "$T/out")
new_link "$D" || exit 1
reply "$T/seven.eml" <<REPLY
count: 7
REPLY
SETUPLINK_HOME=$HA sl_in "$T/seven.eml" intake
expect_rc 0 "host A judges the reply"
check "... rejected: 7 is over A's maximum" [ "$(log0 "e['reason']")" = invalid ]
SETUPLINK_HOME=$HB sl quarantine list --json
QID=$(json "[e['id'] for e in d if e['reason'] == 'invalid'][0]")
check "host B lists it" [ -n "$QID" ]
( b quarantine retry "$QID" >"$T/r1.out" 2>"$T/r1.err"; echo $? >"$T/r1.rc" ) &
( b quarantine retry "$QID" >"$T/r2.out" 2>"$T/r2.err"; echo $? >"$T/r2.rc" ) &
wait
b log --json >"$T/log.json"
check "two retries on host B at once: the reply is accepted once" \
    [ "$($PY -c "import json; print(sum(1 for e in json.load(open('$T/log.json')) if e['message_id'] == '$MID' and e['outcome'] == 'accepted'))")" -eq 1 ]
check "... at least one retry says accepted" \
    sh -c 'cat "$1"/r1.out "$1"/r2.out | grep -q "^accepted"' - "$T"
check "... each exits 0 or 66 (the other found it merged already)" \
    sh -c 'for r in "$1"/r1.rc "$1"/r2.rc; do grep -qx "0\|66" "$r" || exit 1; done' - "$T"
check "host A sees the value merged" [ "$(field "$D" count)" = 7 ]
SETUPLINK_HOME=$HA sl quarantine list --json
check "host A no longer lists it" [ "$(json "[e['id'] for e in d if e['id'] == $QID]")" = "[]" ]
SETUPLINK_HOME=$HA sl quarantine retry "$QID"
expect_rc 66 "quarantine retry of it on host A: 66, merged already"
check "only the forged reply is still kept" [ "$(psql_q 'SELECT count(*) FROM kept_mail')" = 1 ]

# ---- draft rm on host B removes the draft's kept mail with it
SETUPLINK_HOME=$HA sl draft new tally --name Tally2
D2=$(cat "$T/out")
new_link "$D2" || exit 1
reply "$T/nine.eml" <<REPLY
count: 9
REPLY
SETUPLINK_HOME=$HA sl_in "$T/nine.eml" intake
check "another reply rejected on A is kept" [ "$(psql_q 'SELECT count(*) FROM kept_mail')" = 2 ]
SETUPLINK_HOME=$HB sl draft rm "$D2"
expect_rc 0 "host B removes its draft"
check "... and its kept reply with it" [ "$(psql_q 'SELECT count(*) FROM kept_mail')" = 1 ]
qn=$(quarantine_n)
check "the tests' quarantine_n counts what the shared store keeps ($qn)" [ "$qn" = 1 ]
[ "$qn" = 1 ] || cat "$T/quarantine_n.err" >&2
done_testing
