#!/bin/sh
# 165-keys.sh: key rotate (a new workspace key signs and is attached to new
# setup emails; replies encrypted to the old key still decrypt; key list
# shows both with their roles) and key rm (an imported key forgotten:
# links pinned to it then reject signed replies as policy), audited.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
cleanup_add "gpgconf --homedir '$H/gnupg' --kill all"
sl draft new postgres --name Prod; D=$(cat "$T/out")
RFPR=$(gpg_home "$T/r" "Bob Client" bob@client.example) || exit 1
gpg --homedir "$T/r" --armor --export "$RFPR" >"$T/r.asc"
fpr_of() {	# fpr_of FILE: the first primary fingerprint in a key file
	gpg --with-colons --import-options show-only --import "$1" 2>/dev/null |
	    awk -F: '$1 == "fpr" { print $10; exit }'
}
body() {
	{ echo "--- setup form for link $(ref_of "$1"): keep the names left of the colons ---"
	  shift; for _l; do echo "$_l"; done
	  echo "--- end of setup form ---"; } >"$T/body"
}
pgp() {	# pgp MODE OUT [ARGS...]
	_m=$1 _out=$2; shift 2
	$PY "$FIX/pgpmime.py" "$_m" --home "$T/r" --from bob@client.example \
	    --to "$RA" --body "$T/body" "$@" >"$_out"
}
keys_json() { "$SETUPLINK" key list --json >"$T/keys.json" 2>/dev/null; }
role() {	# role FPR
	keys_json
	$PY -c "import json; print([k['role'] for k in json.load(open('$T/keys.json')) if k['fpr'] == '$1'][0])" 2>/dev/null
}

sl key export; cp "$T/out" "$T/old.asc"; OLD=$(fpr_of "$T/old.asc")
check "before: one key, the workspace's" [ "$(role "$OLD")" = workspace ]
new_link "$D" --fields host --require encrypted || exit 1
LA=$LINK RAA=$RA

# ---- rotate
sl key rotate --json
expect_rc 0 "key rotate: exit 0"
NEW=$(json "d['fpr']")
check "--json names the new key and the one it replaces" \
    [ "$(json "d['previous']")" = "$OLD" ] && [ "$NEW" != "$OLD" ]
check "the new key is the workspace key" [ "$(role "$NEW")" = workspace ]
check "the old one stays, as the previous workspace key" [ "$(role "$OLD")" = previous ]
sl key list
check "key list says which is which" \
    sh -c 'grep -q "^$1  (workspace key)" "$3" && grep -q "^$2  (previous workspace key" "$3"' - "$NEW" "$OLD" "$T/out"
sl key export
check "key export gives the new key" [ "$(fpr_of "$T/out")" = "$NEW" ]
cp "$T/out" "$T/new.asc"

new_link "$D" --fields port --require encrypted || exit 1
LB=$LINK RAB=$RA SETUPB=$SETUP
mkdir -p "$T/v" && chmod 700 "$T/v"
cleanup_add "gpgconf --homedir '$T/v' --kill all"
gpg --homedir "$T/v" --batch --import "$T/new.asc" 2>/dev/null
check "a new setup email is signed by the new key" pgpmime_verify "$T/v" "$SETUPB"
check "... VALIDSIG names it" grep -q "VALIDSIG .* $NEW\$\|VALIDSIG $NEW\|VALIDSIG .*$NEW" "$T/verify.status"
$PY - "$SETUPB" "$T/att.asc" <<'PYEOF'
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
for p in m.walk():
    if p.get_content_type() == "application/pgp-keys":
        open(sys.argv[2], "wb").write(p.get_payload(decode=True))
PYEOF
check "... and carries the new key" [ "$(fpr_of "$T/att.asc")" = "$NEW" ]
check "... in its Autocrypt header too" grep -q "^Autocrypt:" "$SETUPB"

# A reply to the old link, encrypted to the old key, still decrypts.
LINK=$LA RA=$RAA
body "$LA" "host: db.old-key.example"
pgp encrypt "$T/enc-old.eml" --encrypt-to "$T/old.asc"
intake "$T/enc-old.eml"
expect_rc 0 "a reply encrypted to the old key: exit 0"
expect_log accepted null "... accepted"
check "... merged, marked encrypted" \
    [ "$(field "$D" host)/$(field "$D" host encrypted)" = db.old-key.example/true ]
LINK=$LB RA=$RAB
body "$LB" "port: 6001"
pgp encrypt "$T/enc-new.eml" --encrypt-to "$T/new.asc"
intake "$T/enc-new.eml"
expect_log accepted null "a reply encrypted to the new key is accepted"

# A reply signed with a workspace key, even a replaced one, is not the
# sender's signature.
new_link "$D" --fields user --require signed || exit 1
body "$LINK" "user: signed_by_us"
$PY "$FIX/pgpmime.py" sign --home "$H/gnupg" --from bob@client.example \
    --to "$RA" --body "$T/body" --sign "$OLD" >"$T/ours.eml"
intake "$T/ours.eml"
expect_log rejected policy "a reply signed with the previous workspace key: policy"
check "... saying it is the workspace's own key" \
    sh -c 'echo "$1" | grep -q "workspace.s own key"' - "$(log0 "e['detail']")"

sl key rotate
expect_rc 0 "a second rotation"
THIRD=$(sed -n 1p "$T/out")
check "three keys: one workspace, two previous" \
    [ "$(role "$THIRD")/$(role "$NEW")/$(role "$OLD")" = workspace/previous/previous ]

# ---- key rm
sl key import "$T/r.asc"
expect_rc 0 "key import"
new_link "$D" --fields dbname --require signed --signer "$RFPR" || exit 1
LC=$LINK
sl key rm "$(echo "$RFPR" | tr 'A-F' 'a-f')"
expect_rc 0 "key rm FPR (any case): exit 0"
keys_json
check "key list no longer has it" \
    [ "$($PY -c "import json; print(any(k['fpr'] == '$RFPR' for k in json.load(open('$T/keys.json'))))")" = False ]
body "$LC" "dbname: signed_db"
pgp sign "$T/signed.eml" --sign "$RFPR"
intake "$T/signed.eml"
expect_log rejected policy "a signed reply to a link pinned to the removed key: policy"
check "the link stays pending" [ "$(link_state "$LC")" = pending ]
sl key rm "$RFPR"
expect_rc 66 "key rm of a key not there: 66"
sl key rm 1234
expect_rc 64 "key rm of something that is not a fingerprint: 64"
sl key rm "$OLD"
expect_rc 65 "key rm of a workspace key: 65"
check "... saying why" contains "$T/err" "workspace key"
check "... and it stays" [ "$(role "$OLD")" = previous ]

# ---- audited
sl audit --json
check "the audit has key import, key rm and both rotations" \
    [ "$(json "' '.join(e['action'] for e in reversed(d) if e['action'].startswith('key'))")" = "key rotate key rotate key import key rm" ]
check "... naming the keys" \
    [ "$(json "[e['detail'] for e in d if e['action'] == 'key rm'][0]")" = "$RFPR" ]

done_testing
