#!/bin/sh
# 140-secrets-at-rest.sh: every way a secret gets stored (draft set inline,
# from stdin and from a file; replies plain, signed and encrypted; a key
# file attached; a replaced value in the history; a rejected reply kept
# in quarantine; a draft removed), then a copy of setuplink.db and its
# -wal alone, and a copy of the home without vault.key, grepped for every
# secret: no hit.  The admin still gets each one back with the vault.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
cleanup_add "gpgconf --homedir '$H/gnupg' --kill all"
sed -i 's/^replies_per_sender = .*/replies_per_sender = 1000/' "$H/setuplink.conf"
check "init makes the vault key 0600 beside the database" \
    [ "$(stat -c %a "$H/vault.key")" = 600 ]
check "... and its public half" [ -s "$H/vault.pub" ]
store_dump "$T/dump0"
check "the vault key is not in the database" \
    sh -c '! grep -qF "$(sed -n "s/^secret //p" "$1/vault.key")" "$2"' - "$H" "$T/dump0"

# Secrets, each distinct, with a non-secret beside them as the control
# that shows the grep would see a value in the clear.
P_OLD=OldAdminPw-4f1c9a0e P_ADMIN=AdminPw-77ab31c2 P_STDIN=StdinPw-9d2e55f0
P_PLAIN=PlainReplyPw-31a7c4 P_SIGNED=SignedReplyPw-52b8d1
P_ENC=EncReplyPw-63c9e2 P_REJ=RejectedPw-84daf3 P_RM=RemovedPw-95ebf4
P_PASS=KeyPassphrase-a6fc05
ssh-keygen -q -t ed25519 -N "" -C admin-key -f "$T/k1" || exit 1
ssh-keygen -q -t ed25519 -N "" -C reply-key -f "$T/k2" || exit 1
K1=$(sed -n 3p "$T/k1") K2=$(sed -n 3p "$T/k2")

# ---- the admin: inline, replaced (history), stdin, a file
sl draft new postgres --name Prod; D=$(cat "$T/out")
sl draft set "$D" host=db.control-host.example password=$P_OLD
expect_rc 0 "draft set inline"
sl draft set "$D" password=$P_ADMIN
expect_rc 0 "draft set replaces it (the old one stays in the history)"
sl draft new sftp --name Files; S=$(cat "$T/out")
printf '%s\n' "$P_PASS" >"$T/pass.txt"
sl_in "$T/pass.txt" draft set "$S" passphrase=@- private_key=@"$T/k1" \
    auth_method=private_key
expect_rc 0 "draft set from stdin and a key file"
printf '%s' "$P_STDIN" >"$T/stdin.txt"
sl_in "$T/stdin.txt" draft set "$S" password=@-
expect_rc 0 "draft set password=@-"

# ---- replies: plain, signed, encrypted, an attachment, a rejection
sl key export; cp "$T/out" "$T/wkey.asc"
RFPR=$(gpg_home "$T/r" "Bob Client" bob@client.example) || exit 1
gpg --homedir "$T/r" --armor --export "$RFPR" >"$T/r.asc"
sl key import "$T/r.asc"
body() {
	{ echo "--- setup form for link $(ref_of "$1"): keep the names left of the colons ---"
	  echo "$2"; echo "--- end of setup form ---"; } >"$T/body"
}
pgp() {
	_m=$1 _out=$2; shift 2
	$PY "$FIX/pgpmime.py" "$_m" --home "$T/r" --from bob@client.example \
	    --to "$RA" --body "$T/body" "$@" >"$_out"
}
sl draft new postgres --name Replies; R=$(cat "$T/out")
new_link "$R" --fields password || exit 1
reply "$T/plain.eml" <<EOF
password: $P_PLAIN
EOF
intake "$T/plain.eml"
expect_log accepted null "a plain reply is accepted"
new_link "$R" --fields password --require signed || exit 1
body "$LINK" "password: $P_SIGNED"
pgp sign "$T/signed.eml" --sign "$RFPR"
intake "$T/signed.eml"
expect_log accepted null "a signed reply is accepted"
new_link "$R" --fields password --require encrypted || exit 1
body "$LINK" "password: $P_ENC"
pgp encrypt "$T/enc.eml" --encrypt-to "$T/wkey.asc"
intake "$T/enc.eml"
expect_log accepted null "an encrypted reply is accepted"
new_link "$S" --fields private_key || exit 1
{
	printf 'From: Bob Client <bob@client.example>\nTo: %s\n' "$RA"
	printf 'Subject: Re: key\nMessage-ID: <att.%s@client.example>\n' "$$"
	printf 'MIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary="b2"\n\n--b2\n'
	printf 'Content-Type: text/plain\n\nThe key is attached.\n\n--b2\n'
	printf 'Content-Type: application/octet-stream; name="id_ed25519"\n'
	printf 'Content-Disposition: attachment; filename="id_ed25519"\n\n'
	cat "$T/k2"
	printf -- '--b2--\n'
} >"$T/att.eml"
intake "$T/att.eml"
expect_log accepted null "a key file attached to a reply is accepted"
new_link "$R" --fields password --require signed || exit 1
reply "$T/rej.eml" <<EOF
password: $P_REJ
EOF
intake "$T/rej.eml"
expect_log rejected policy "an unsigned reply to a signed link is rejected"
check "... and kept in quarantine" [ "$(quarantine_n)" -ge 1 ]

# ---- a draft that holds secrets, then is removed
sl draft new postgres --name Gone; G=$(cat "$T/out")
sl draft set "$G" password=$P_RM host=db.removed-host.example
new_link "$G" --fields user || exit 1
reply "$T/gone.eml" <<EOF
password: $P_RM
EOF
intake "$T/gone.eml"
sl draft rm "$G"
expect_rc 0 "draft rm"

# ---- the admin still gets every value back (the greps below can fail)
sl draft export "$D"; cp "$T/out" "$T/d.env"
check "export opens the admin's password" contains "$T/d.env" "$P_ADMIN"
sl draft show "$D" --reveal --history
check "the history opens the replaced password" contains "$T/out" "$P_OLD"
sl draft export "$S" --format json; cp "$T/out" "$T/s.json"
check "export opens the passphrase" contains "$T/s.json" "$P_PASS"
sl draft show "$S" --reveal --history
check "--reveal opens a value set from stdin" contains "$T/out" "$P_STDIN"
check "the history opens the admin's key file" contains "$T/out" "$K1"
sl draft show "$R" --reveal --history
check "the history opens the plain reply's password" contains "$T/out" "$P_PLAIN"
check "... the signed reply's" contains "$T/out" "$P_SIGNED"
check "... and the encrypted reply's" contains "$T/out" "$P_ENC"
sl draft export "$S" --format json
check "the attached key file opens" sh -c 'grep -qF -- "$1" "$2"' - "$K2" "$T/out"
QID=$("$SETUPLINK" quarantine list --json | $PY -c \
    "import json,sys; print([q['id'] for q in json.load(sys.stdin) if q['reason'] == 'policy'][0])")
sl quarantine show "$QID"
check "quarantine show opens the rejected message" contains "$T/out" "$P_REJ"
sl draft show "$D"
check "draft show without --reveal masks the secret" lacks "$T/out" "$P_ADMIN"
check "... and shows the non-secret value" contains "$T/out" db.control-host.example

# ---- a copy of the database alone, and its WAL (on PostgreSQL, a dump)
mkdir "$T/copy"
if pg_home; then
	store_dump "$T/copy/dump"
else
	cp "$H/setuplink.db" "$T/copy/"
	[ -f "$H/setuplink.db-wal" ] && cp "$H/setuplink.db-wal" "$T/copy/"
fi
check "control: the copy holds a non-secret value in the clear" \
    grep -rqaF db.control-host.example "$T/copy"
for p in "$P_OLD" "$P_ADMIN" "$P_STDIN" "$P_PASS" "$K1" "$K2" "$P_PLAIN" \
    "$P_SIGNED" "$P_ENC" "$P_REJ" "$P_RM"; do
	check "no trace of ${p%%-*}... in the database copy" \
	    sh -c '! grep -rqaF -- "$1" "$2"' - "$p" "$T/copy"
done
check "no trace of the removed draft's host either" \
    sh -c '! grep -rqaF db.removed-host.example "$1"' - "$T/copy"

# ---- a copy of the home without vault.key
cp -a "$H" "$T/nokey"
rm -f "$T/nokey/vault.key" "$T/nokey/setuplink.db-shm"
for p in "$P_OLD" "$P_ADMIN" "$P_STDIN" "$P_PASS" "$K1" "$K2" "$P_PLAIN" \
    "$P_SIGNED" "$P_ENC" "$P_REJ" "$P_RM"; do
	check "no trace of ${p%%-*}... in the home copy without vault.key" \
	    sh -c '! grep -rqaF -- "$1" "$2"' - "$p" "$T/nokey"
done
SETUPLINK_HOME=$T/nokey sl draft export "$D"
expect_rc 77 "without vault.key, export is refused (77)"
check "... saying the vault key is missing" contains "$T/err" "vault key"
check "... and prints nothing" [ ! -s "$T/out" ]
SETUPLINK_HOME=$T/nokey sl draft show "$D" --json
expect_rc 0 "without vault.key, draft show still works"
check "... non-secret values readable" contains "$T/out" db.control-host.example
SETUPLINK_HOME=$T/nokey sl quarantine show "$QID"
expect_rc 77 "without vault.key, quarantine show is refused (77)"

done_testing
