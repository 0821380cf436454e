#!/bin/sh
# 101-file-kinds.sh: files checked by kind, as the tool that reads them
# would (OpenSSL, ssh-keygen, Python's json); a text attachment with
# MIME's CRLF stored with LF, a binary one byte for byte; attachments that
# mail programs add on their own (an S/MIME signature made by openssl, a
# vCard) never fill a file field (SPEC "The reply", Files).
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
sed -i 's/^replies_per_sender = .*/replies_per_sender = 1000/' "$H/setuplink.conf"

# What a recipient may hold: keys, a certificate, JSON files.
ssh-keygen -q -t ed25519 -N '' -C '' -f "$T/id_ed25519"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ca.key" -subj /CN=ca \
    -days 2 -out "$T/ca.pem" 2>/dev/null
openssl pkey -in "$T/ca.key" -pubout -out "$T/pub.pem"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/bob.key" \
    -subj "/CN=Bob Client/emailAddress=bob@client.example" -days 2 \
    -out "$T/bob.pem" 2>/dev/null
$PY - "$T" <<'EOF'
import json, sys
t = sys.argv[1]
sa = {"type": "service_account", "project_id": "acme-analytics-123",
      "private_key": open(t + "/ca.key").read(),
      "client_email": "loader@acme-analytics-123.iam.gserviceaccount.com"}
json.dump(sa, open(t + "/sa.json", "w"), indent=2)
sa["private_key"] = "-----BEGIN PRIVATE KEY-----\nFAKE\n-----END PRIVATE KEY-----\n"
json.dump(sa, open(t + "/sa-fake.json", "w"), indent=2)
sa["private_key"] = open(t + "/ca.key").read()
sa["type"] = "authorized_user"
json.dump(sa, open(t + "/sa-user.json", "w"), indent=2)
json.dump({"host": "h", "token": "t"}, open(t + "/cfg.json", "w"))
json.dump({"host": "h"}, open(t + "/cfg-short.json", "w"))
EOF
echo "this is not json" >"$T/notjson"

# set_file DRAFT KEY FILE: draft set DRAFT KEY=@FILE; its status in $rc.
set_file() { sl draft set "$1" "$2=@$3"; }

# ---- draft set: each checker takes its kind and refuses the others
sl draft new sftp --name Files; SF=$(cat "$T/out")
sl draft set "$SF" host=sftp.client.example username=ingest auth_method=private_key
set_file "$SF" private_key "$T/ca.pem"
expect_rc 65 "pem_private_key: a certificate is refused (65)"
check "... the error names the rule" contains "$T/err" "private_key: must be a PEM private key"
check "... never the content" lacks "$T/err" "MII"
set_file "$SF" private_key "$T/pub.pem"
expect_rc 65 "pem_private_key: a public key is refused"
set_file "$SF" private_key "$T/id_ed25519"
expect_rc 0 "pem_private_key: an OpenSSH key is taken"
set_file "$SF" private_key "$T/ca.key"
expect_rc 0 "pem_private_key: a PKCS #8 key is taken"

sl draft new postgres --name Prod; PG=$(cat "$T/out")
set_file "$PG" sslrootcert "$T/ca.key"
expect_rc 65 "pem_certificate: a private key is refused"
check "... the error names the rule" contains "$T/err" "sslrootcert: must be one or more PEM certificates"
set_file "$PG" sslrootcert "$T/notjson"
expect_rc 65 "pem_certificate: text is refused"
set_file "$PG" sslrootcert "$T/ca.pem"
expect_rc 0 "pem_certificate: a certificate is taken"

sl draft new bigquery --name Warehouse; BQ=$(cat "$T/out")
sl draft set "$BQ" project_id=acme-analytics-123
set_file "$BQ" credentials_json "$T/notjson"
expect_rc 65 "service_account: \"this is not json\" is refused"
check "... naming the rule" contains "$T/err" "must be a Google service account's JSON key file (it is not valid JSON)"
sl draft show "$BQ" --json
check "... and the BigQuery draft is not complete" [ "$(json 'd["status"]')" = incomplete ]
set_file "$BQ" credentials_json "$T/sa-fake.json"
expect_rc 65 "service_account: a private_key OpenSSL cannot read is refused"
check "... naming it" contains "$T/err" "\"private_key\" is not a private key OpenSSL can read"
set_file "$BQ" credentials_json "$T/sa-user.json"
expect_rc 65 "service_account: another type of Google credentials is refused"
set_file "$BQ" credentials_json "$T/sa.json"
expect_rc 0 "service_account: a real key file is taken"
sl draft show "$BQ" --json
check "... and completes the draft" [ "$(json 'd["status"]')" = complete ]

# An admin's own connector: pem_public_key and json with given keys.
mkdir -p "$H/connectors"
cat >"$H/connectors/vault.json" <<'EOF'
{"key": "vault", "name": "Vault", "fields": [
  {"key": "pubkey", "type": "file", "file_kind": "pem_public_key"},
  {"key": "config", "type": "file", "file_kind": "json",
   "json_keys": ["host", "token"]}]}
EOF
sl connector show vault --json
check "connector show --json prints file_kind" \
    [ "$(json '[f["file_kind"] for f in d["fields"]]')" = "['pem_public_key', 'json']" ]
check "... and json_keys" [ "$(json 'd["fields"][1]["json_keys"]')" = "['host', 'token']" ]
sl connector show bigquery --json
check "the shipped BigQuery key file declares service_account" \
    [ "$(json '[f["file_kind"] for f in d["fields"] if f["type"] == "file"]')" = "['service_account']" ]
sl connector show sftp
check "connector show says what the SSH key file must be" \
    sh -c 'grep "^private_key " "$1" | grep -q pem_private_key' - "$T/out"
sl draft new vault --name V; VA=$(cat "$T/out")
set_file "$VA" pubkey "$T/ca.key"
expect_rc 65 "pem_public_key: a private key is refused"
check "... naming the rule" contains "$T/err" "pubkey: must be a PEM public key"
set_file "$VA" pubkey "$T/pub.pem"
expect_rc 0 "pem_public_key: a public key is taken"
set_file "$VA" config "$T/cfg-short.json"
expect_rc 65 "json: a file without a given key is refused"
check "... naming the key" contains "$T/err" "config: must be a JSON object with the key \"token\""
set_file "$VA" config "$T/notjson"
expect_rc 65 "json: text is refused"
set_file "$VA" config "$T/cfg.json"
expect_rc 0 "json: a file with the keys is taken"
echo '{"key": "bad", "fields": [{"key": "f", "type": "file", "file_kind": "pem"}]}' \
    >"$H/connectors/bad.json"
sl connectors
expect_rc 78 "an unknown file_kind in an admin's connector is a bad configuration"
check "... saying which kinds there are" contains "$T/err" "pem_private_key, pem_certificate"
rm "$H/connectors/bad.json"

# ---- replies: a wrong kind rejects the reply, the rule named
sl draft set "$BQ" credentials_json=
new_link "$BQ" --fields credentials_json || exit 1
LBQ=$LINK
b64() { base64 -w 76 "$1"; }
mail_with() {	# mail_with OUT TEXT TYPE NAME FILE [ENC]: text plus one attachment
	_mid=$((_mid + 1))
	{
		printf 'From: Bob Client <bob@client.example>\nTo: %s\n' "$RA"
		printf 'Subject: Re: setup\nMessage-ID: <k%s.%s@client.example>\n' "$_mid" "$$"
		printf 'Date: Wed, 25 Nov 2026 20:00:00 +0000\nMIME-Version: 1.0\n'
		printf 'Content-Type: multipart/mixed; boundary="bb"\n\n--bb\n'
		printf 'Content-Type: text/plain; charset=utf-8\n\n%s\n\n--bb\n' "$2"
		printf 'Content-Type: %s; name="%s"\n' "$3" "$4"
		printf 'Content-Disposition: attachment; filename="%s"\n' "$4"
		printf 'Content-Transfer-Encoding: base64\n\n'
		b64 "$5"
		printf '\n--bb--\n'
	} >"$1"
}
mail_with "$T/notjson.eml" "The key is attached." application/json \
    credentials_json.json "$T/notjson"
intake "$T/notjson.eml"
expect_log rejected invalid "a reply with \"this is not json\" for the key file: invalid"
check "... the draft is not complete" sh -c '"$1" draft show "$2" --json | grep -q "\"status\": \"incomplete\""' - "$SETUPLINK" "$BQ"
check "... the link stays pending" [ "$(link_state "$LBQ")" = pending ]
decoded "$(newest_out)" >"$T/rej.txt"
check "... the answer names the field and the rule" \
    contains "$T/rej.txt" "credentials_json: must be a Google service account's JSON key file"
sl draft set "$SF" private_key=
new_link "$SF" --fields private_key || exit 1
mail_with "$T/cert.eml" "Key attached." application/x-pem-file private_key.pem "$T/ca.pem"
intake "$T/cert.eml"
expect_log rejected invalid "a certificate sent for an SSH private key: invalid"
check "... nothing stored" [ "$(field "$SF" private_key)" = null ]

# ---- line ends: a text attachment (Alpine's TEXT/PLAIN, CRLF) stored with LF
sed 's/$/\r/' "$T/id_ed25519" >"$T/id_crlf"
mail_with "$T/alpine.eml" "Key attached." "TEXT/PLAIN; charset=US-ASCII" \
    id_ed25519 "$T/id_crlf"
intake "$T/alpine.eml"
expect_log accepted null "a CRLF text attachment (as Alpine sends it): accepted"
"$SETUPLINK" draft export "$SF" --format json >"$T/sf.json"
$PY -c "import json,sys; sys.stdout.write(json.load(open('$T/sf.json'))['private_key'])" >"$T/stored.key"
chmod 600 "$T/stored.key"
check "... stored with LF, byte for byte the key file" cmp -s "$T/stored.key" "$T/id_ed25519"
check "... ssh-keygen -y loads it" sh -c 'ssh-keygen -y -f "$1" >/dev/null 2>&1' - "$T/stored.key"
new_link "$SF" --fields private_key || exit 1
mail_with "$T/binary.eml" "Key attached." application/octet-stream \
    id_ed25519 "$T/id_crlf"
intake "$T/binary.eml"
expect_log accepted null "the same bytes as application/octet-stream: accepted"
"$SETUPLINK" draft export "$SF" --format json >"$T/sf.json"
$PY -c "import json,sys; sys.stdout.buffer.write(json.load(open('$T/sf.json'))['private_key'].encode())" >"$T/stored.bin"
check "... a binary attachment is kept byte for byte (CRs and all)" cmp -s "$T/stored.bin" "$T/id_crlf"

# ---- attachments mail programs add never fill a file field
set_file "$PG" sslrootcert "$T/ca.pem"
"$SETUPLINK" draft export "$PG" --format json >"$T/pg0.json"
new_link "$PG" --fields host,sslrootcert || exit 1
# smime_mail OUT HOST: a reply S/MIME-signed by openssl, as Outlook sends one.
smime_mail() {
	printf 'host: %s\n' "$2" >"$T/smime-body"
	openssl smime -sign -in "$T/smime-body" -text -signer "$T/bob.pem" \
	    -inkey "$T/bob.key" >"$T/smime.part" 2>"$T/smime.err"
	{ printf 'From: Bob Client <bob@client.example>\nTo: %s\n' "$RA"
	  printf 'Subject: Re: setup\nMessage-ID: <%s.%s@client.example>\n' "$2" "$$"
	  printf 'Date: Wed, 25 Nov 2026 20:00:00 +0000\n'
	  tr -d '\r' <"$T/smime.part"; } >"$1"
}
same_ca() {
	"$SETUPLINK" draft export "$PG" --format json >"$T/pg1.json"
	$PY -c "import json,sys; sys.exit(json.load(open('$T/pg0.json'))['sslrootcert'] != json.load(open('$T/pg1.json'))['sslrootcert'])"
}
smime_mail "$T/smime.eml" db.smime.example
check "openssl made an S/MIME signature (smime.p7s)" contains "$T/smime.eml" 'filename="smime.p7s"'
intake "$T/smime.eml"
expect_log accepted null "an S/MIME-signed reply: accepted"
check "... its host merged" [ "$(field "$PG" host)" = db.smime.example ]
check "... smime.p7s did not replace the CA certificate" same_ca
# Outlook labels it application/pkcs7-signature
new_link "$PG" --fields host,sslrootcert || exit 1
smime_mail "$T/smime2.eml" db.outlook.example
sed -i 's|application/x-pkcs7-signature|application/pkcs7-signature|g' "$T/smime2.eml"
intake "$T/smime2.eml"
expect_log accepted null "an Outlook-labelled S/MIME signature: accepted"
check "... the CA certificate stays" same_ca
printf 'BEGIN:VCARD\nVERSION:3.0\nFN:Bob Client\nEMAIL:bob@client.example\nEND:VCARD\n' >"$T/bob.vcf"
new_link "$PG" --fields host,sslrootcert || exit 1
mail_with "$T/vcard.eml" "host: db.vcard.example" text/x-vcard bob.vcf "$T/bob.vcf"
intake "$T/vcard.eml"
expect_log accepted null "a reply with a vCard attached: accepted"
check "... the vCard did not fill the CA certificate" same_ca
new_link "$PG" --fields host,sslrootcert || exit 1
mail_with "$T/vcf2.eml" "host: db.vcf.example" application/octet-stream bob.vcf "$T/bob.vcf"
intake "$T/vcf2.eml"
expect_log accepted null "a .vcf labelled application/octet-stream: accepted, not a file"
check "... the CA certificate stays" same_ca

done_testing
