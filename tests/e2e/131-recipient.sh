#!/bin/sh
# 131-recipient.sh: the setup email and the receipt in words a recipient
# who never heard of setuplink understands: what the signature means and
# how to check the key (gpg --quick-lsign-key FPR), no "draft", "merged"
# or "Autocrypt", "an SFTP", "1 byte", and "unchanged (already known)" for
# a prefilled field the reply left alone.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
sl key export
wfpr=$(gpg --with-colons --import-options show-only --import "$T/out" 2>/dev/null |
    awk -F: '$1 == "fpr" { print $10; exit }')

# ---- the setup email, as read
sl draft new sftp --name "Nightly files"; SF=$(cat "$T/out")
new_link "$SF" || exit 1
decoded "$SETUP" >"$T/setup.txt"
flat() { tr '\n' ' ' <"$1" | tr -s ' '; }
flat "$T/setup.txt" >"$T/setup.flat"
check "an SFTP, not a SFTP" contains "$T/setup.flat" "of an SFTP server data source"
check "it says what an unverified signature means" \
    contains "$T/setup.flat" 'may say the signature "could not be verified": that means only that it does not know the key yet'
check "it says how to check the fingerprint, by another channel" \
    contains "$T/setup.flat" "Check the key's fingerprint with Ann Admin by another channel than email"
check "it gives the exact command to mark the key as checked" \
    grep -qx "    gpg --quick-lsign-key $wfpr" "$T/setup.txt"
check "... after importing the attached file it names" \
    sh -c 'f=$(sed -n "s/^    gpg --import //p" "$1"); [ -n "$f" ] && grep -q "filename=\"\{0,1\}$f" "$2"' \
    - "$T/setup.txt" "$SETUP"
prose() { sed '/^--- setup form/,/^--- end of setup form/d' "$1"; }
prose "$T/setup.txt" >"$T/setup.prose"
for w in draft merged Autocrypt; do
	check "no \"$w\" in the email's prose" sh -c '! grep -qiw "$1" "$2"' - "$w" "$T/setup.prose"
done

sl draft new postgres --name Prod; PG=$(cat "$T/out")
new_link "$PG" || exit 1
decoded "$SETUP" | tr '\n' ' ' | tr -s ' ' >"$T/pg.flat"
check "a PostgreSQL (a consonant stays a)" contains "$T/pg.flat" "of a PostgreSQL data source"

# ---- the receipt: a prefilled field left alone is known, not missing
sl draft set "$PG" host=db.client.example
new_link "$PG" --fields host,port,dbname || exit 1
decoded "$SETUP" >"$T/pg2.txt"
check "the form was sent with the host filled in" grep -qx "host: db.client.example" "$T/pg2.txt"
reply "$T/r1.eml" <<EOF
> --- setup form for link $LINK: keep the names left of the colons ---
> host: db.client.example
> port: 5432
dbname: billing
EOF
intake "$T/r1.eml"
expect_log accepted null "the reply is accepted"
decoded "$(newest_out)" >"$T/receipt.txt"
check "receipt: the untouched prefilled host is unchanged (already known)" \
    contains "$T/receipt.txt" "host (Host): unchanged (already known)"
check "receipt: the untouched default port too" \
    contains "$T/receipt.txt" "port (Port): unchanged (already known)"
check "receipt: never \"not provided\" for them" lacks "$T/receipt.txt" "not provided"
check "receipt: dbname received" contains "$T/receipt.txt" "dbname (Database): received: billing"
for w in draft merged; do
	check "no \"$w\" in the receipt" sh -c '! grep -qiw "$1" "$2"' - "$w" "$T/receipt.txt"
done
check "receipt: says the values are saved" contains "$T/receipt.txt" "its values are saved"

# ---- "1 byte": an admin's own connector with a file field
mkdir -p "$H/connectors"
cat >"$H/connectors/notes.json" <<'EOF'
{
  "key": "notes", "name": "Notes", "category": "file",
  "description": "A test connector with one file field.",
  "method_field": null,
  "fields": [
    {"key": "blob", "label": "Blob", "type": "file", "required": true,
     "secret": false, "default": null, "choices": null, "method": null,
     "help": "Any file."}
  ]
}
EOF
sl draft new notes --name Tiny; NT=$(cat "$T/out")
[ "$rc" -eq 0 ] || not_ok "draft new notes: $(cat "$T/err")"
new_link "$NT" || exit 1
{
	printf 'From: Bob Client <bob@client.example>\nTo: %s\nSubject: Re: setup\n' "$RA"
	printf 'Message-ID: <tiny.%s@client.example>\nMIME-Version: 1.0\n' "$$"
	printf 'Content-Type: multipart/mixed; boundary="b1"\n\n'
	printf -- '--b1\nContent-Type: text/plain\n\nHere it is.\n'
	printf -- '--b1\nContent-Type: application/octet-stream\n'
	printf 'Content-Disposition: attachment; filename="blob.bin"\n'
	printf 'Content-Transfer-Encoding: base64\n\nWA==\n--b1--\n'
} >"$T/tiny.eml"
intake "$T/tiny.eml"
expect_log accepted null "a one-byte file is accepted"
decoded "$(newest_out)" >"$T/receipt2.txt"
check "receipt: a file of 1 byte (not 1 bytes)" \
    contains "$T/receipt2.txt" "blob (Blob): received (a file of 1 byte, not shown)"

done_testing
