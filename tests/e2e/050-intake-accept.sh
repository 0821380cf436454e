#!/bin/sh
# 050-intake-accept.sh: replies the intake accepts: a plain one, the
# shapes Gmail, Thunderbird and Outlook give a reply, HTML only, charsets
# and transfer encodings, files as attachments and pasted PEM, procmail's
# mbox "From " line, --recipient, --dry-run; the receipt and the log.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
sl draft new postgres --name Prod; D=$(cat "$T/out")

# ---- a plain reply
new_link "$D" || exit 1
check "the setup email's Reply-To is intake+TOKEN" \
    sh -c 'echo "$1" | grep -Eqx "setup\+[a-z2-7]{26,}@acme.example"' - "$RA"
n0=$(outbox_n)
reply "$T/r1.eml" <<EOF
Hello Ann, here they are.

host: db.client.example
port: 6543
password: s3cret-pw!
EOF
intake "$T/r1.eml"
expect_rc 0 "a plain reply: exit 0"
check "an MDA is quiet on success" [ ! -s "$T/out" ] && [ ! -s "$T/err" ]
expect_log accepted null "logged as accepted"
check "the log lists the merged keys" \
    [ "$(log0 "','.join(e['fields'])")" = "host,port,password" ]
check "the log names link and draft" \
    [ "$(log0 "(e['link'], e['draft'])")" = "($LINK, $D)" ]
check "the log's time is RFC 3339 UTC" \
    sh -c 'echo "$1" | grep -Eqx "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z"' \
    - "$(log0 "e['when']")"
check "host merged" [ "$(field "$D" host)" = db.client.example ]
check "port merged (replacing the default)" [ "$(field "$D" port)" = 6543 ]
check "password merged" [ "$(field "$D" password)" = 's3cret-pw!' ]
check "source kind reply" [ "$(field "$D" host kind)" = reply ]
check "source from the sender" [ "$(field "$D" host from)" = bob@client.example ]
check "source link" [ "$(field "$D" host link)" = "$LINK" ]
check "source not signed, not encrypted" \
    [ "$(field "$D" host signed_by)/$(field "$D" host encrypted)" = null/false ]
check "the link is used" [ "$(link_state "$LINK")" = used ]
check "the raw message is not kept" [ "$(quarantine_n)" -eq 0 ]
check "one receipt queued and sent to outbox/" [ "$(outbox_n)" -eq $((n0 + 1)) ]
R=$(newest_out)
check "receipt To: the sender" contains "$R" "To: bob@client.example"
check "receipt From: the bare intake address" sh -c 'tr -d "\r" <"$1" | grep -qx "From: setup@acme.example"' - "$R"
check "receipt Reply-To: the admin" contains "$R" "Reply-To: Ann Admin <ann@acme.example>"
check "receipt In-Reply-To the reply" contains "$R" "In-Reply-To: <$MID>"
check "receipt References the reply" contains "$R" "References: <$MID>"
check "receipt Auto-Submitted: auto-replied" contains "$R" "Auto-Submitted: auto-replied"
check "receipt Precedence: bulk" contains "$R" "Precedence: bulk"
check "receipt X-Auto-Response-Suppress: All" contains "$R" "X-Auto-Response-Suppress: All"
check "receipt carries X-Setuplink" grep -q "^X-Setuplink:" "$R"
check "receipt sent from the null sender" contains "$R" "Return-Path: <>"
decoded "$R" >"$T/receipt.txt"
check "receipt: host received, with its value" contains "$T/receipt.txt" "host (Host): received: db.client.example"
check "receipt: port replaced" contains "$T/receipt.txt" "port (Port): replaced the earlier value: 6543"
check "receipt: the secret is not shown" contains "$T/receipt.txt" "password (Password): received (secret, not shown)"
check "receipt: never the secret value" lacks "$R" "s3cret"
check "receipt: dbname not provided" contains "$T/receipt.txt" "dbname (Database): not provided"
check "receipt: what the draft still misses" contains "$T/receipt.txt" "Still missing: dbname, user"
check "receipt: the status" contains "$T/receipt.txt" "Status: incomplete"
check "receipt: no jargon (draft, merged)" sh -c '! grep -qiw -e draft -e merged "$1"' - "$T/receipt.txt"
check "no token in the log" sh -c '! "$1" log --json | grep -qF "$2"' - "$SETUPLINK" \
    "$(echo "$RA" | sed 's/.*+//; s/@.*//')"

# ---- Gmail: multipart/alternative, top-posted values over the quoted form
new_link "$D" || exit 1
fill "$FIX/gmail.eml" "$T/gmail.eml"
intake "$T/gmail.eml"
expect_rc 0 "Gmail-shaped reply: exit 0"
expect_log accepted null "Gmail-shaped reply accepted"
check "Gmail: the top-posted host wins" [ "$(field "$D" host)" = db.gmail.example ]
check "Gmail: UTF-8 QP password decoded" [ "$(field "$D" password)" = "Günther-pw" ]
check "Gmail: the quoted template port counts for nothing" \
    [ "$(log0 "','.join(e['fields'])")" = "host,dbname,user,password" ]
decoded "$(newest_out)" >"$T/receipt.txt"
check "Gmail: the untouched prefilled port reads unchanged (already known)" \
    contains "$T/receipt.txt" "port (Port): unchanged (already known)"

# ---- Thunderbird: inline edits inside the quote, format=flowed, 8bit
new_link "$D" || exit 1
fill "$FIX/thunderbird.eml" "$T/tb.eml"
intake "$T/tb.eml"
expect_rc 0 "Thunderbird-shaped reply: exit 0"
expect_log accepted null "Thunderbird-shaped reply accepted"
check "Thunderbird: quoted inline edit read" [ "$(field "$D" host)" = db.thunderbird.example ]
check "Thunderbird: 8bit UTF-8 password" [ "$(field "$D" password)" = "Thünder Bird" ]
check "Thunderbird: enum canonical" [ "$(field "$D" sslmode)" = require ]

# ---- Outlook: the original unquoted below, ISO-8859-1 quoted-printable, CRLF
new_link "$D" || exit 1
fill "$FIX/outlook.eml" "$T/ol.eml"
intake "$T/ol.eml"
expect_rc 0 "Outlook-shaped reply: exit 0"
expect_log accepted null "Outlook-shaped reply accepted"
check "Outlook: host from the unquoted original" [ "$(field "$D" host)" = db.outlook.example ]
check "Outlook: ISO-8859-1 user decoded to UTF-8" [ "$(field "$D" user)" = "bär" ]
check "Outlook: =3D decoded inside a password" [ "$(field "$D" password)" = "Müller=42" ]

# ---- HTML only, <blockquote> read as quoting
new_link "$D" || exit 1
fill "$FIX/html-only.eml" "$T/html.eml"
intake "$T/html.eml"
expect_rc 0 "HTML-only reply: exit 0"
expect_log accepted null "HTML-only reply accepted"
check "HTML: host read from the text" [ "$(field "$D" host)" = db.html.example ]
check "HTML: entity decoded" [ "$(field "$D" user)" = "hüber" ]
check "HTML: an unquoted value beats a quoted one" [ "$(field "$D" dbname)" = html_db ]

# ---- UTF-8 in base64, RFC 2047 From
new_link "$D" || exit 1
fill "$FIX/utf8-base64.eml" "$T/b64.eml"
intake "$T/b64.eml"
expect_log accepted null "UTF-8 base64 reply accepted"
check "base64: password decoded" [ "$(field "$D" password)" = "pässwörd" ]

# ---- mbox "From " line (procmail) and no Return-Path: envelope sender
new_link "$D" || exit 1
{ echo "From carol@client.example Wed Nov 25 20:00:00 2026"
  echo "From: Carol <carol@client.example>"
  echo "To: $RA"
  echo "Subject: values"
  echo "Message-ID: <mbox.$$@client.example>"
  echo
  echo "host: db.mbox.example"; } >"$T/mbox.eml"
intake "$T/mbox.eml"
expect_log accepted null "a leading mbox From line is accepted"
check "the receipt goes to the envelope sender" \
    contains "$(newest_out)" "To: carol@client.example"

# ---- --recipient (the envelope, upper-cased by an MTA) when the headers carry none
new_link "$D" || exit 1
UPPER=$(echo "$RA" | tr a-z A-Z)
RA_SAVED=$RA RA=undisclosed-recipients:\;
reply "$T/bcc.eml" <<EOF
host: db.envelope.example
EOF
RA=$RA_SAVED
intake "$T/bcc.eml" --recipient "$UPPER"
expect_log accepted null "--recipient with a case-folded address names the link"
check "--recipient: merged" [ "$(field "$D" host)" = db.envelope.example ]

# ---- Delivered-To only, address in mixed case
new_link "$D" || exit 1
MIXED=$(echo "$RA" | sed 's/^setup/SeTuP/; s/acme.example/ACME.Example/')
{ echo "Delivered-To: $MIXED"; echo "From: bob@client.example"
  echo "To: someone-else@client.example"; echo "Subject: x"
  echo "Message-ID: <dt.$$@client.example>"; echo; echo "dbname: from_delivered_to"; } >"$T/dt.eml"
intake "$T/dt.eml"
expect_log accepted null "Delivered-To names the link"

# ---- files: an attachment named after the key; machinery attachments ignored
sl draft new bigquery --name BQ; BQ=$(cat "$T/out")
new_link "$BQ" || exit 1
# A service account key and an SSH key made here (the fields check them).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$T/sa.pem" 2>/dev/null
$PY - "$T" <<'EOF'
import base64, json, sys
t = sys.argv[1]
sa = json.dumps({"type": "service_account", "project_id": "acme-analytics-123",
                 "private_key": open(t + "/sa.pem").read(),
                 "client_email": "loader@acme-analytics-123.iam.gserviceaccount.com"})
open(t + "/sa.json", "w").write(sa)
open(t + "/sa.json.b64", "w").write(base64.encodebytes(sa.encode()).decode())
EOF
ssh-keygen -q -t ed25519 -N '' -C '' -f "$T/id_ed25519"
fill "$FIX/bigquery-attachment.eml" "$T/bq.eml"
intake "$T/bq.eml"
expect_log accepted null "BigQuery reply with credentials_json attached accepted"
"$SETUPLINK" draft export "$BQ" --format json >"$T/bq.json"
check "the attachment named credentials_json.json fills credentials_json" \
    [ "$($PY -c "import json; print(json.loads(json.load(open('$T/bq.json'))['credentials_json'])['type'])")" = service_account ]
check "the application/pgp-keys attachment is not taken for it" lacks "$T/bq.json" "PGP PUBLIC KEY"
check "project_id from the text" [ "$(field "$BQ" project_id)" = acme-analytics-123 ]
decoded "$(newest_out)" >"$T/receipt.txt"
check "receipt: a file is never shown" \
    contains "$T/receipt.txt" "credentials_json (Service account key): received (a file of $(wc -c <"$T/sa.json") bytes, not shown)"
check "receipt: the file's content is not in it" lacks "$(newest_out)" "PRIVATE KEY"

# ---- the only attachment fills the connector's only file field
sl draft new sftp --name SFTP; SF=$(cat "$T/out")
new_link "$SF" || exit 1
fill "$FIX/sftp-only-attachment.eml" "$T/sf.eml"
intake "$T/sf.eml"
expect_log accepted null "SFTP reply with its only attachment accepted"
"$SETUPLINK" draft export "$SF" --format json >"$T/sf.json"
check "the only attachment fills private_key" contains "$T/sf.json" "BEGIN OPENSSH PRIVATE KEY"

# ---- PEM pasted in the text, continuation lines
new_link "$SF" || exit 1
fill "$FIX/sftp-pem-text.eml" "$T/pem.eml"
intake "$T/pem.eml"
expect_log accepted null "PEM pasted in the text accepted"
"$SETUPLINK" draft export "$SF" --format json >"$T/sf.json"
$PY - "$T/sf.json" >"$T/pem.check" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
k = d["private_key"]
print("lines", len(k.strip().split("\n")))
print("end", k.strip().endswith("-----END OPENSSH PRIVATE KEY-----"))
print("pass", d["passphrase"])
EOF
check "the PEM block runs to its END line" \
    contains "$T/pem.check" "lines $(wc -l <"$T/id_ed25519")"
check "... ending with it" contains "$T/pem.check" "end True"
check "the value after it is read" \
    contains "$T/pem.check" "pass a passphrase on one line"

# ---- --dry-run: prints the decision, changes nothing
new_link "$D" || exit 1
reply "$T/dry.eml" <<EOF
host: db.dry.example
EOF
q0=$(quarantine_n) o0=$(outbox_n)
"$SETUPLINK" log --json >"$T/log.before"
intake "$T/dry.eml" --dry-run
expect_rc 0 "--dry-run: exit 0"
check "--dry-run prints the decision" grep -q "^accepted: link $LINK, draft $D: host" "$T/out"
"$SETUPLINK" log --json >"$T/log.after"
check "--dry-run: no log entry" cmp -s "$T/log.before" "$T/log.after"
check "--dry-run: link still pending" [ "$(link_state "$LINK")" = pending ]
check "--dry-run: nothing merged" [ "$(field "$D" host)" != db.dry.example ]
check "--dry-run: nothing kept, nothing sent" [ "$(quarantine_n)/$(outbox_n)" = "$q0/$o0" ]
intake "$T/dry.eml" -v
expect_rc 0 "-v: exit 0"
check "-v prints one line on stderr" [ "$(wc -l <"$T/err")" -eq 1 ]
check "... naming the outcome" grep -q "^accepted: link $LINK" "$T/err"

# ---- a bounced link still accepts
new_link "$D" || exit 1
"$SETUPLINK" log --json >/dev/null
store_sql "UPDATE links SET state = 'bounced' WHERE id = $LINK"
reply "$T/bnc.eml" <<EOF
host: db.after-bounce.example
EOF
intake "$T/bnc.eml"
expect_log accepted null "a bounced link still accepts"
check "... and is then used" [ "$(link_state "$LINK")" = used ]

# ---- on_submit and notify_admin
cat >>"$H/setuplink.conf" <<EOF
on_submit = echo "draft=\$SETUPLINK_DRAFT link=\$SETUPLINK_LINK" >>$T/hook.out; env >$T/hook.env
notify_admin = yes
EOF
new_link "$D" || exit 1
o0=$(outbox_n)
reply "$T/hook.eml" <<EOF
host: db.hook.example
password: hook-secret-1
EOF
intake "$T/hook.eml"
expect_log accepted null "accepted with on_submit and notify_admin set"
check "on_submit ran with SETUPLINK_DRAFT and SETUPLINK_LINK" \
    grep -qx "draft=$D link=$LINK" "$T/hook.out"
check "on_submit's environment holds no secret" lacks "$T/hook.env" "hook-secret-1"
check "receipt and admin note both queued" [ "$(outbox_n)" -eq $((o0 + 2)) ]
outbox_copy "$T/outbox"
check "the admin note goes to the admin" \
    sh -c 'grep -l "^X-Setuplink-Rcpt: ann@acme.example" "$1"/* | head -1 | grep -q .' - "$T/outbox"
check "no secret in any outgoing mail" sh -c '! grep -rq "hook-secret-1" "$1"' - "$T/outbox"
sed -i 's/^on_submit = .*/on_submit = exit 3/' "$H/setuplink.conf"
new_link "$D" || exit 1
reply "$T/hook2.eml" <<EOF
host: db.hook2.example
EOF
intake "$T/hook2.eml"
expect_rc 0 "a failing on_submit does not fail the intake"
check "... it is logged on stderr" contains "$T/err" "on_submit failed"

done_testing
