#!/bin/sh
# 051-intake-reject.sh: replies the intake rejects, and what it answers:
# unknown or malformed tokens (kept, never answered), expired, used and
# revoked links, the scope of a link, no fields, invalid values (every one
# named, never its value), two links at once, the reply limits, oversize
# mail kept whole; quarantine list, show and retry; the log; what is
# kept ages out (files on SQLite, rows on a shared store).
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
# The reply limits are tested on their own, at the end.
sed -i 's/^replies_per_sender = .*/replies_per_sender = 1000/' "$H/setuplink.conf"
sl draft new postgres --name Prod; D=$(cat "$T/out")
new_link "$D" || exit 1
L1=$LINK RA1=$RA

# ---- unknown, malformed and missing tokens: rejected, kept, no backscatter
o0=$(outbox_n)
RA=setup+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@acme.example
reply "$T/unknown.eml" <<EOF
host: evil.example
EOF
intake "$T/unknown.eml"
expect_rc 0 "unknown token: exit 0"
expect_log rejected unknown_token "unknown token rejected (unknown_token)"
check "unknown token: no reply (no backscatter)" [ "$(outbox_n)" -eq "$o0" ]
check "unknown token: the message is kept in quarantine/" [ "$(quarantine_n)" -eq 1 ]
check "unknown token: nothing merged" [ "$(field "$D" host)" = null ]
RA='setup+NOT_A-TOKEN!@acme.example'
reply "$T/malformed.eml" <<EOF
host: evil.example
EOF
intake "$T/malformed.eml"
expect_log rejected unknown_token "malformed token rejected (unknown_token)"
check "... says it is malformed" sh -c 'echo "$1" | grep -q malformed' - "$(log0 "e['detail']")"
RA=setup@acme.example
reply "$T/notoken.eml" <<EOF
host: evil.example
EOF
intake "$T/notoken.eml"
expect_log rejected unknown_token "no token at all rejected (unknown_token)"
RA=setup+$(echo "$RA1" | sed 's/.*+//; s/@.*//')@other.example
reply "$T/otherdomain.eml" <<EOF
host: evil.example
EOF
intake "$T/otherdomain.eml"
expect_log rejected unknown_token "a valid token at another domain does not count"
check "none of them answered" [ "$(outbox_n)" -eq "$o0" ]
check "the link is untouched" [ "$(link_state "$L1")" = pending ]

# ---- two different known tokens in one message
new_link "$D" || exit 1
L2=$LINK RA2=$RA
o0=$(outbox_n)
RA=$RA1
reply "$T/two.eml" <<EOF
host: two.example
EOF
sed -i "s|^To: .*|To: $RA1, $RA2|" "$T/two.eml"
intake "$T/two.eml"
expect_log rejected unknown_token "two known tokens: rejected"
check "... neither link is touched" \
    [ "$(link_state "$L1")/$(link_state "$L2")" = pending/pending ]
check "... no reply" [ "$(outbox_n)" -eq "$o0" ]

# ---- no fields: rejected, answered, link still pending
RA=$RA1 LINK=$L1
reply "$T/empty.eml" <<EOF
Thanks, I will ask our DBA and get back to you.
Note: nothing yet.
EOF
intake "$T/empty.eml"
expect_log rejected no_fields "a reply without fields: no_fields"
check "no_fields: answered" [ "$(outbox_n)" -eq $((o0 + 1)) ]
R=$(newest_out)
check "the rejection goes to the sender" contains "$R" "To: bob@client.example"
check "the rejection is an auto-reply" contains "$R" "Auto-Submitted: auto-replied"
check "... with Precedence: bulk" contains "$R" "Precedence: bulk"
check "... with In-Reply-To" contains "$R" "In-Reply-To: <$MID>"
decoded "$R" >"$T/rej.txt"
check "the rejection says why" contains "$T/rej.txt" "no field of the setup form"
check "the link stays pending" [ "$(link_state "$L1")" = pending ]

# ---- invalid values: every one named with its rule, never its value
reply "$T/invalid.eml" <<EOF
host: db.valid.example
port: notaport-xyz
sslmode: sometimes-qqq
password: pw-never-shown-1
EOF
intake "$T/invalid.eml"
expect_log rejected invalid "invalid values: rejected (invalid)"
det=$(log0 "e['detail']")
check "the detail names port and its rule" sh -c 'echo "$1" | grep -q "port: must be a whole number"' - "$det"
check "the detail names sslmode and its rule" sh -c 'echo "$1" | grep -q "sslmode: must be one of"' - "$det"
check "the log never holds a value" sh -c '! "$1" log --json | grep -qE "notaport-xyz|sometimes-qqq|pw-never-shown-1"' - "$SETUPLINK"
decoded "$(newest_out)" >"$T/rej.txt"
check "the rejection lists port" contains "$T/rej.txt" "- port: must be a whole number"
check "the rejection lists sslmode" contains "$T/rej.txt" "- sslmode: must be one of"
check "the rejection never shows a value" sh -c '! grep -rqE "notaport-xyz|sometimes-qqq|pw-never-shown-1" "$1"' - "$H/outbox"
check "nothing merged (not even the valid host)" [ "$(field "$D" host)" = null ]
check "the link stays pending" [ "$(link_state "$L1")" = pending ]
check "the invalid reply is kept" [ "$(quarantine_n)" -ge 6 ]

# ---- then a correct second reply on the same link, and on a new one
reply "$T/fixed.eml" <<EOF
host: db.valid.example
port: 5433
EOF
intake "$T/fixed.eml"
expect_log accepted null "the corrected reply on the same link is accepted"
check "... merged" [ "$(field "$D" port)" = 5433 ]
new_link "$D" || exit 1
L3=$LINK
reply "$T/invalid2.eml" <<EOF
user: reader
sslmode: maybe
EOF
intake "$T/invalid2.eml"
expect_log rejected invalid "invalid again on a new link"
reply "$T/fixed2.eml" <<EOF
user: reader
sslmode: require
EOF
intake "$T/fixed2.eml"
expect_log accepted null "... then accepted on it"

# ---- bytes that do not convert make the field invalid, never a silent "?"
new_link "$D" || exit 1
fill "$FIX/latin1-bad.eml" "$T/bad.eml"
intake "$T/bad.eml"
expect_log rejected invalid "bytes that do not convert: invalid"
check "... naming the field" sh -c 'echo "$1" | grep -q "password: holds bytes that do not convert"' \
    - "$(log0 "e['detail']")"

# ---- used: a second reply to a used link
LINK=$L1 RA=$RA1
o1=$(outbox_n)
reply "$T/used.eml" <<EOF
host: db.second.example
EOF
intake "$T/used.eml"
expect_log rejected used "a second reply to a used link: used"
check "used: answered" [ "$(outbox_n)" -eq $((o1 + 1)) ]
decoded "$(newest_out)" >"$T/rej.txt"
check "used: the answer says the link was used" contains "$T/rej.txt" "already used"
check "used: the answer names the settings asked for" contains "$T/rej.txt" 'for the PostgreSQL settings "Prod"'

check "used: nothing merged" [ "$(field "$D" host)" = db.valid.example ]

# ---- revoked
new_link "$D" || exit 1
sl link revoke "$LINK"
reply "$T/revoked.eml" <<EOF
host: db.revoked.example
EOF
intake "$T/revoked.eml"
expect_log rejected revoked "a reply to a revoked link: revoked"
decoded "$(newest_out)" >"$T/rej.txt"
check "revoked: the answer says so" contains "$T/rej.txt" "withdrew the setup link"
check "revoked: nothing merged" [ "$(field "$D" host)" = db.valid.example ]

# ---- expired (the clock moved on)
new_link "$D" --expires 1h || exit 1
reply "$T/expired.eml" <<EOF
host: db.expired.example
EOF
SETUPLINK_NOW=$(($(date +%s) + 7200)) "$SETUPLINK" intake <"$T/expired.eml" >/dev/null 2>&1
expect_log rejected expired "a reply after the link's expiry: expired"
decoded "$(newest_out)" >"$T/rej.txt"
check "expired: the answer says so" contains "$T/rej.txt" "expired on"
check "expired: nothing merged" [ "$(field "$D" host)" = db.valid.example ]

# ---- scope: keys outside the link's fields, name: and connector: lines
sl draft show "$D" --json; name0=$(json "d['name']")
new_link "$D" --fields host,port || exit 1
reply "$T/scope.eml" <<EOF
name: Hijacked
connector: mysql
host: db.scoped.example
password: out-of-scope-pw
user: outsider
EOF
intake "$T/scope.eml"
expect_log accepted null "a reply with keys outside the link: accepted for its own"
check "scope: only host merged" [ "$(log0 "','.join(e['fields'])")" = host ]
check "scope: password not taken" [ "$(field "$D" password)" = null ]
check "scope: user not taken" [ "$(field "$D" user)" = reader ]
sl draft show "$D" --json
check "scope: the draft's name is untouched" [ "$(json "d['name']")" = "$name0" ]
check "scope: the connector is untouched" [ "$(json "d['connector']")" = postgres ]
decoded "$(newest_out)" >"$T/rec.txt"
check "scope: the receipt names password as not taken" \
    contains "$T/rec.txt" "password: not taken"
check "scope: and user" contains "$T/rec.txt" "user: not taken"
check "scope: the receipt lists only the link's fields otherwise" \
    lacks "$T/rec.txt" "dbname (Database)"
new_link "$D" --fields port || exit 1
reply "$T/scope2.eml" <<EOF
host: db.only-outside.example
EOF
intake "$T/scope2.eml"
expect_log rejected no_fields "only keys outside the link: no_fields"

# ---- the reply limits: at most replies_per_sender an hour to one sender
sed -i 's/^replies_per_sender = .*/replies_per_sender = 2/' "$H/setuplink.conf"
new_link "$D" || exit 1
FROM=spammer@client.example
o2=$(outbox_n)
for i in 1 2 3 4; do
	reply "$T/limit$i.eml" <<EOF
port: not-a-number-$i
EOF
	sed -i "s/^Return-Path:.*//" "$T/limit$i.eml"
	intake "$T/limit$i.eml"
done
expect_log rejected invalid "over the limit still rejected"
check "only replies_per_sender (2) answers went out" [ "$(outbox_n)" -eq $((o2 + 2)) ]
check "the log says it was not answered" \
    sh -c 'echo "$1" | grep -q "not answered"' - "$(log0 "e['detail']")"
FROM=other@client.example
reply "$T/limit5.eml" <<EOF
port: not-a-number-5
EOF
intake "$T/limit5.eml"
check "another sender is still answered" [ "$(outbox_n)" -eq $((o2 + 3)) ]
sed -i 's/^replies_total = .*/replies_total = 3/' "$H/setuplink.conf"
FROM=third@client.example
reply "$T/limit6.eml" <<EOF
port: not-a-number-6
EOF
intake "$T/limit6.eml"
check "replies_total caps all answers in the hour" [ "$(outbox_n)" -eq $((o2 + 3)) ]
unset FROM

# ---- oversize: rejected from the header, kept whole
sed -i 's/^max_message_size = .*/max_message_size = 4096/' "$H/setuplink.conf"
new_link "$D" || exit 1
reply "$T/big.eml" <<EOF
host: db.big.example
$(head -c 30000 /dev/zero | tr '\0' 'x' | fold -w 70)
EOF
q0=$(quarantine_n)
intake "$T/big.eml"
expect_rc 0 "oversize: exit 0"
expect_log rejected oversize "a message over max_message_size: oversize"
check "oversize: kept" [ "$(quarantine_n)" -eq $((q0 + 1)) ]
qf=$(log0 "e['quarantine']")
check "oversize: kept whole, byte for byte (sealed, so opened to compare)" \
    sh -c '"$1" quarantine show "$2" | cmp -s "$3" -' - "$SETUPLINK" \
    "$(log0 "e['id']")" "$T/big.eml"
check "oversize: nothing merged" [ "$(field "$D" host)" = db.scoped.example ]
check "oversize: the link stays pending" [ "$(link_state "$LINK")" = pending ]
sed -i 's/^max_message_size = .*/max_message_size = 26214400/' "$H/setuplink.conf"

# ---- unreadable
printf '\001\002\003 this is not mail\000\377\n' >"$T/junk.eml"
intake "$T/junk.eml"
expect_rc 0 "junk bytes: exit 0 (content is never a temporary failure)"
check "junk bytes: logged rejected or ignored" \
    sh -c 'echo "$1" | grep -Eq "^(rejected|ignored)$"' - "$(log0 "e['outcome']")"

# ---- the log and quarantine listings
sl log --json
expect_rc 0 "log --json"
check "log --json is a bare array, newest first" \
    [ "$(json "type(d).__name__ + str(d[0]['id'] > d[-1]['id'])")" = listTrue ]
check "every entry has the SPEC's keys" [ "$(json "all(set(['when','from','link','draft','outcome','reason','detail','fields']) <= set(e) for e in d)")" = True ]
check "every reason is a fixed code" [ "$(json "all(e['reason'] in (None,'unknown_token','expired','used','revoked','policy','no_fields','invalid','duplicate','auto_reply','bounce','loop','oversize','unreadable') for e in d)")" = True ]
sl log
expect_rc 0 "log (table)"
sl quarantine list --json
expect_rc 0 "quarantine list --json"
check "quarantine list --json is a bare array" [ "$(json "type(d).__name__")" = list ]
check "... with id, when, from, reason and file" \
    [ "$(json "all(set(['id','when','from','reason','file']) <= set(e) for e in d)")" = True ]
check "... one per kept message" [ "$(json "len(d)")" -eq "$(quarantine_n)" ]
QID=$(json "[e['id'] for e in d if e['reason'] == 'unknown_token'][-1]")
QF=$(json "[e['file'] for e in d if e['id'] == $QID][0]")
sl quarantine show "$QID"
expect_rc 0 "quarantine show ID"
check "quarantine show prints the raw message" cmp -s "$T/out" "$T/unknown.eml"
sl quarantine retry "$QID"
expect_rc 0 "quarantine retry ID"
check "retry judges afresh (still unknown_token)" grep -q "^rejected (unknown_token)" "$T/out"
sl quarantine list --json
check "retry: the file is listed once, under the same id (ids are stable)" \
    [ "$(json "[e['id'] == $QID for e in d if e['file'] == '$QF']")" = "[True]" ]
check "... and still one listing per kept file" [ "$(json "len(d)")" -eq "$(quarantine_n)" ]
sl quarantine show "$QID"
expect_rc 0 "... and that id still shows it after the retry"
sl quarantine show 99999
expect_rc 66 "quarantine show of an unknown id: 66"
sl quarantine retry 99999
expect_rc 66 "quarantine retry of an unknown id: 66"
sl quarantine list
expect_rc 0 "quarantine list (table)"

# ---- quarantine/ ages out after quarantine_days (swept at most hourly)
# (files of a SQLite home by their mtime; the shared store's kept rows by
# the time they were kept, on the clock SETUPLINK_NOW moves)
if pg_home; then
	sl quarantine list --json
	OLDID=$(json "d[-1]['id']") LASTID=$(json "d[0]['id']") NQ=$(json "len(d)")
	rm -f "$H/quarantine/.swept"
	export SETUPLINK_NOW=$(( $(date +%s) + 40 * 86400 ))
	intake "$T/unknown.eml"
	unset SETUPLINK_NOW
	expect_rc 0 "40 days on, a forged reply on the shared store"
	sl quarantine list --json
	check "the $NQ rows kept past quarantine_days are swept" \
	    [ "$(json "len([e for e in d if e['id'] <= $LASTID])")" -eq 0 ]
	check "... and the reply that just came is kept" [ "$(json "len(d)")" -eq 1 ]
	sl log --json
	check "... while their log entries stay" [ "$(json "len([e for e in d if e['id'] == $OLDID])")" -eq 1 ]
	rm -f "$H/quarantine/.swept"
	intake "$T/unknown.eml"
	sl quarantine list --json
	check "today, nothing kept is old: both replies are listed" [ "$(json "len(d)")" -eq 2 ]
else
	sl quarantine list --json
	OLDF=$(json "d[-1]['file']") OLDID=$(json "d[-1]['id']") NQ=$(json "len(d)")
	touch -d "40 days ago" "$(find "$H/quarantine" -name "$OLDF*" | head -1)"
	echo orphan >"$H/quarantine/new/1.orphan.host"
	touch -d "2 hours ago" "$H/quarantine/new/1.orphan.host"
	echo fresh >"$H/quarantine/new/2.fresh-orphan.host"
	rm -f "$H/quarantine/.swept"
	intake "$T/unknown.eml"
	check "a message kept past quarantine_days is removed" \
	    [ -z "$(find "$H/quarantine" -name "$OLDF*")" ]
	sl quarantine list --json
	check "... and no longer listed" [ "$(json "len([e for e in d if e['file'] == '$OLDF'])")" -eq 0 ]
	sl log --json
	check "... while its log entry stays" [ "$(json "len([e for e in d if e['id'] == $OLDID])")" -eq 1 ]
	check "a copy that no log entry names, older than an hour, is removed" \
	    [ ! -f "$H/quarantine/new/1.orphan.host" ]
	check "a fresh one is left (an intake may be working on it)" \
	    [ -f "$H/quarantine/new/2.fresh-orphan.host" ]
fi

done_testing
