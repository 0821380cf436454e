#!/bin/sh
# 100-values-whole.sh: a pasted PEM key or JSON file arrives whole, or the
# reply is rejected saying how to send it (SPEC "The reply").  Pasted after
# a quoted "> key: " line (the first line there, the rest unquoted, as a
# terminal paste or pico makes it) and unquoted, with and without
# indentation; in plain mail, in gpg-signed and -encrypted replies and in
# a reply that real mutt signs.  What arrives must load in the tool that
# reads it (ssh-keygen -y, Python's json) and be byte for byte the file.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
cleanup_add "gpgconf --homedir '$H/gnupg' --kill all"
sed -i 's/^replies_per_sender = .*/replies_per_sender = 1000/' "$H/setuplink.conf"
sl draft new sftp --name Files; SF=$(cat "$T/out")
sl draft set "$SF" host=sftp.client.example username=ingest auth_method=private_key
sl draft new bigquery --name Warehouse; BQ=$(cat "$T/out")
sl draft set "$BQ" project_id=acme-analytics-123

# The files a recipient holds: an SSH key, a service account key.
ssh-keygen -q -t ed25519 -N '' -C '' -f "$T/id_ed25519"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$T/sa.pem" 2>/dev/null
$PY - "$T" <<'EOF'
import json, sys
t = sys.argv[1]
json.dump({"type": "service_account", "project_id": "acme-analytics-123",
           "private_key_id": "0123456789abcdef",
           "private_key": open(t + "/sa.pem").read(),
           "client_email": "loader@acme-analytics-123.iam.gserviceaccount.com",
           "scopes": ["a", {"b": "} ] \" {"}]},
          open(t + "/sa.json", "w"), indent=2)
EOF

# paste MODE KEY FILE: a reply body that quotes the setup email's form
# ($SETUP) and pastes FILE for KEY: "quoted" puts its first line on the
# quoted "> KEY: " line and the rest unquoted below; "plain" writes
# "KEY: first line" and the rest unquoted; "indented" the same with every
# line after the first indented by four spaces; "cut" like quoted but
# without the last line.
paste_body() {
	form_block "$SETUP" >"$T/form"
	$PY - "$1" "$2" "$3" "$T/form" <<'EOF'
import sys
mode, key, path, form = sys.argv[1:]
lines = open(path).read().rstrip("\n").split("\n")
if mode == "cut":
    lines = lines[:-1]
out = []
for l in open(form).read().rstrip("\n").split("\n"):
    if mode in ("quoted", "cut") and l.rstrip() == key + ":":
        out.append("> %s: %s" % (key, lines[0]))
        out.extend(lines[1:])
    else:
        out.append(("> " + l).rstrip())
if mode == "plain":
    out += ["", "%s: %s" % (key, lines[0])] + lines[1:]
elif mode == "indented":
    out += ["", "%s: %s" % (key, lines[0])] + ["    " + x for x in lines[1:]]
out += ["", "Thanks, Bob"]
sys.stdout.write("\n".join(out) + "\n")
EOF
}
# stored DRAFT KEY: the field's value, revealed, into $T/stored.
stored() {
	"$SETUPLINK" draft export "$1" --format json >"$T/export.json"
	$PY -c "import json,sys; sys.stdout.write(json.load(open('$T/export.json')).get('$2') or '')" >"$T/stored"
}
# same_file FILE: $T/stored is FILE without its last line end.
same_file() {
	$PY -c "import sys; sys.exit(open('$T/stored').read() != open('$1').read().rstrip('\n'))"
}
# key_loads: ssh-keygen reads $T/stored as a private key.
key_loads() {
	{ cat "$T/stored"; echo; } >"$T/stored.key"
	chmod 600 "$T/stored.key"
	ssh-keygen -y -f "$T/stored.key" >/dev/null 2>&1
}
json_same() {
	$PY -c "import json,sys; sys.exit(json.load(open('$T/stored')) != json.load(open('$T/sa.json')))"
}

# ---- PEM: after a quoted key line, unquoted, indented
for mode in quoted plain indented; do
	new_link "$SF" --fields private_key || exit 1
	paste_body $mode private_key "$T/id_ed25519" | reply "$T/pem-$mode.eml"
	intake "$T/pem-$mode.eml"
	expect_log accepted null "PEM pasted ($mode): accepted"
	stored "$SF" private_key
	check "... stored whole, byte for byte the key file ($mode)" same_file "$T/id_ed25519"
	check "... ssh-keygen -y loads what was stored ($mode)" key_loads
	sl draft set "$SF" private_key=
done

# ---- PEM cut short: invalid, never the first line alone
new_link "$SF" --fields private_key || exit 1
LCUT=$LINK
o0=$(outbox_n)
paste_body cut private_key "$T/id_ed25519" | reply "$T/pem-cut.eml"
intake "$T/pem-cut.eml"
expect_log rejected invalid "PEM without its END line: rejected as invalid"
check "... nothing stored" [ "$(field "$SF" private_key)" = null ]
sl draft show "$SF" --json
check "... the draft is not complete" [ "$(json 'd["status"]')" = incomplete ]
check "... the link stays pending" [ "$(link_state "$LCUT")" = pending ]
check "... an answer went to the sender" [ "$(outbox_n)" -eq $((o0 + 1)) ]
decoded "$(newest_out)" >"$T/rej.txt"
check "... it names the field and what is wrong" \
    contains "$T/rej.txt" "private_key: the pasted PEM block has no END line"
check "... and says how to send it (attach, or paste it whole)" \
    sh -c 'tr "\n" " " <"$1" | grep -q "attach the file to your reply instead, or paste it whole"' - "$T/rej.txt"
check "... never the value" lacks "$(newest_out)" "$(sed -n 2p "$T/id_ed25519")"

# ---- JSON: after a quoted key line, unquoted, indented; indentation kept
for mode in quoted plain indented; do
	new_link "$BQ" --fields credentials_json || exit 1
	paste_body $mode credentials_json "$T/sa.json" | reply "$T/json-$mode.eml"
	intake "$T/json-$mode.eml"
	expect_log accepted null "JSON pasted ($mode): accepted"
	stored "$BQ" credentials_json
	check "... it parses to the very file ($mode)" json_same
	[ $mode = indented ] ||
	    check "... byte for byte, indentation kept ($mode)" same_file "$T/sa.json"
	sl draft set "$BQ" credentials_json=
done

# ---- JSON that does not close: invalid, with the way to send it
new_link "$BQ" --fields credentials_json || exit 1
paste_body cut credentials_json "$T/sa.json" | reply "$T/json-cut.eml"
intake "$T/json-cut.eml"
expect_log rejected invalid "JSON that does not close: rejected as invalid"
check "... nothing stored" [ "$(field "$BQ" credentials_json)" = null ]
decoded "$(newest_out)" >"$T/rej.txt"
check "... the answer says the JSON does not close and how to send it" \
    sh -c 'tr "\n" " " <"$1" | grep -q "credentials_json: the pasted JSON does not close.*attach the file"' - "$T/rej.txt"
check "... the log detail names the rule too" \
    sh -c 'echo "$1" | grep -q "does not close"' - "$(log0 "e['detail']")"

# ---- JSON whose long line a mail program wrapped: read whole, then
# refused as not JSON, with the advice to attach it
new_link "$BQ" --fields credentials_json || exit 1
$PY - "$T/sa.json" >"$T/sa-wrapped.json" <<'EOF'
import sys
for line in open(sys.argv[1]).read().split("\n"):
    while len(line) > 76:
        print(line[:76])
        line = line[76:]
    print(line)
EOF
paste_body quoted credentials_json "$T/sa-wrapped.json" | reply "$T/json-wrap.eml"
intake "$T/json-wrap.eml"
expect_log rejected invalid "JSON hard-wrapped by a mail program: rejected as invalid"
decoded "$(newest_out)" >"$T/rej.txt"
check "... the answer says it is not valid JSON and to attach the file" \
    sh -c 'tr "\n" " " <"$1" | grep -q "it is not valid JSON) (if you pasted it, attach the file"' - "$T/rej.txt"

# ---- gpg-made replies: PGP/MIME signed, then encrypted, pasted after a quote
RFPR=$(gpg_home "$T/r" "Bob Client" bob@client.example) || exit 1
gpg --homedir "$T/r" --armor --export "$RFPR" >"$T/r.asc"
sl key import "$T/r.asc"
sl key export; cp "$T/out" "$T/wkey.asc"
new_link "$SF" --fields private_key --require signed || exit 1
paste_body quoted private_key "$T/id_ed25519" >"$T/body"
$PY "$FIX/pgpmime.py" sign --home "$T/r" --from bob@client.example \
    --to "$RA" --body "$T/body" --sign "$RFPR" >"$T/signed.eml"
intake "$T/signed.eml"
expect_log accepted null "a signed reply with a PEM pasted after the quote: accepted"
check "... signed_by is the sender's key" [ "$(field "$SF" private_key signed_by)" = "$RFPR" ]
stored "$SF" private_key
check "... the key arrived whole" same_file "$T/id_ed25519"
new_link "$BQ" --fields credentials_json --require encrypted || exit 1
paste_body quoted credentials_json "$T/sa.json" >"$T/body"
$PY "$FIX/pgpmime.py" signencrypt --home "$T/r" --from bob@client.example \
    --to "$RA" --body "$T/body" --sign "$RFPR" --encrypt-to "$T/wkey.asc" >"$T/enc.eml"
intake "$T/enc.eml"
expect_log accepted null "an encrypted reply with JSON pasted after the quote: accepted"
check "... arrived encrypted" [ "$(field "$BQ" credentials_json encrypted)" = true ]
stored "$BQ" credentials_json
check "... the JSON arrived whole, indentation kept" same_file "$T/sa.json"
new_link "$SF" --fields private_key --require signed || exit 1
paste_body cut private_key "$T/id_ed25519" >"$T/body"
$PY "$FIX/pgpmime.py" clearsign --home "$T/r" --from bob@client.example \
    --to "$RA" --body "$T/body" --sign "$RFPR" >"$T/cs.eml"
intake "$T/cs.eml"
expect_log rejected invalid "an inline-signed reply with a key cut short: invalid"

# ---- mutt, driven through tmux, signs a reply with the key pasted after the quote
if command -v mutt >/dev/null && command -v tmux >/dev/null; then
	new_link "$SF" --fields private_key --require signed || exit 1
	sl draft set "$SF" private_key=
	paste_body quoted private_key "$T/id_ed25519" >"$T/mbody"
	if mutt_sign_reply "$T/r" "$SETUP" "$T/mbody" "$T/mutt.eml"; then
		intake "$T/mutt.eml"
		expect_log accepted null "mutt's signed reply with a PEM pasted after the quote: accepted"
		stored "$SF" private_key
		check "... the key arrived whole through mutt" same_file "$T/id_ed25519"
		check "... and loads" key_loads
	else
		not_ok "mutt signs a reply"
	fi
	new_link "$BQ" --fields credentials_json --require signed || exit 1
	paste_body plain credentials_json "$T/sa.json" >"$T/mbody"
	if mutt_sign_reply "$T/r" "$SETUP" "$T/mbody" "$T/mutt2.eml"; then
		intake "$T/mutt2.eml"
		expect_log accepted null "mutt's signed reply with JSON pasted unquoted: accepted"
		stored "$BQ" credentials_json
		check "... the JSON arrived whole through mutt" same_file "$T/sa.json"
	else
		not_ok "mutt signs a reply with JSON"
	fi
else
	not_ok "mutt and tmux are installed (tools/deps.sh check)"
fi

done_testing
