#!/bin/sh
# 053-intake-crypto.sh: signed and encrypted replies, built with gpg
# itself (PGP/MIME and inline) and with mutt: what counts, what each
# --require accepts, replay against another link, tampering, keys not
# imported, pinned, expired or signing with a subkey, and that plain mail
# never starts gpg.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
cleanup_add "gpgconf --homedir '$H/gnupg' --kill all"
sed -i 's/^replies_per_sender = .*/replies_per_sender = 1000/' "$H/setuplink.conf"
sl draft new postgres --name Prod; D=$(cat "$T/out")
sl key export; cp "$T/out" "$T/wkey.asc"
WFPR=$(gpg --with-colons --import-options show-only --import "$T/wkey.asc" 2>/dev/null |
    awk -F: '$1 == "fpr" { print $10; exit }')
RFPR=$(gpg_home "$T/r" "Bob Client" bob@client.example) || exit 1
XFPR=$(gpg_home "$T/x" "Mallory" mallory@client.example) || exit 1
gpg --homedir "$T/r" --armor --export "$RFPR" >"$T/r.asc"
gpg --homedir "$T/x" --armor --export "$XFPR" >"$T/x.asc"
# The replier also holds Mallory's secret key, to sign as her in one test.
gpg --homedir "$T/x" --batch --armor --export-secret-keys "$XFPR" |
    gpg --homedir "$T/r" --batch --import 2>/dev/null

# body ID [LINES...]: the reply's text, carrying link ID's form line.
body() {
	_ref=$1; shift
	[ "$_ref" != none ] && _ref=$(ref_of "$_ref")
	{ [ "$_ref" != none ] && echo "--- setup form for link $_ref: keep the names left of the colons ---"
	  for _l; do echo "$_l"; done
	  [ "$_ref" != none ] && echo "--- end of setup form ---"; } >"$T/body"
}
# pgp MODE OUT [ARGS...]: a reply to $RA built by pgpmime.py.
pgp() {
	_m=$1 _out=$2; shift 2
	$PY "$FIX/pgpmime.py" "$_m" --home "$T/r" --from bob@client.example \
	    --to "$RA" --body "$T/body" "$@" >"$_out"
}

# ---- plain mail never starts gpg
new_link "$D" || exit 1
reply "$T/plain.eml" <<EOF
host: db.plain.example
EOF
strace -f -qq -e trace=execve -o "$T/trace" "$SETUPLINK" intake <"$T/plain.eml" >/dev/null 2>&1
expect_log accepted null "a plain reply to an any-link is accepted"
check "a plain reply runs no gpg (gpgme is never initialised)" \
    sh -c '! grep -q "gpg" "$1"' - "$T/trace"

# ---- --require signed
new_link "$D" --require signed || exit 1
LS=$LINK RAS=$RA
body "$LS" "host: db.signed.example" "password: signed-pw-1"
reply "$T/unsigned.eml" <"$T/body"
intake "$T/unsigned.eml"
expect_log rejected policy "unsigned reply to a signed link: policy"
decoded "$(newest_out)" >"$T/rej.txt"
check "... the answer says a signature is wanted" contains "$T/rej.txt" "signed with your OpenPGP key"
pgp sign "$T/signed.eml" --sign "$RFPR"
intake "$T/signed.eml"
expect_rc 0 "a reply signed by a key not imported: exit 0"
expect_log rejected policy "signed by a key that was not imported: policy"
check "... the detail says so" sh -c 'echo "$1" | grep -q "not imported"' - "$(log0 "e['detail']")"
QID=$(log0 "e['id']")
check "the link is still pending" [ "$(link_state "$LS")" = pending ]
sl key import "$T/r.asc"
expect_rc 0 "key import of the replier's key"
sl quarantine retry "$QID"
expect_rc 0 "quarantine retry once the key is imported"
check "the retry accepts it" grep -q "^accepted" "$T/out"
check "signed_by: the replier's primary fingerprint" [ "$(field "$D" host signed_by)" = "$RFPR" ]
check "the retried message is no longer kept" \
    sh -c '! "$1" quarantine list --json | grep -q "\"id\": $2,"' - "$SETUPLINK" "$QID"
check "the merged password came from the signed text" [ "$(field "$D" password)" = signed-pw-1 ]

# ---- a signature counts only for text that names this link
new_link "$D" --require signed || exit 1
LS2=$LINK
body "$LS" "host: db.replayed.example"
pgp sign "$T/replay.eml" --sign "$RFPR"
intake "$T/replay.eml"
expect_log rejected policy "signed text of another link: policy"
check "... the detail names the link it answers" \
    sh -c 'echo "$1" | grep -q "answers link $2, not link $3"' - "$(log0 "e['detail']")" "$(ref_of "$LS")" "$(ref_of "$LS2")"
body none "host: db.noref.example"
pgp sign "$T/noref.eml" --sign "$RFPR"
intake "$T/noref.eml"
expect_log rejected policy "signed text without any form line: policy"
check "neither merged" [ "$(field "$D" host)" = db.signed.example ]

# ---- a bad signature rejects whatever the link requires
new_link "$D" || exit 1
body "$LINK" "host: db.good.example"
pgp sign "$T/tampered.eml" --sign "$RFPR" --tamper "db.good.example=db.evil.example"
intake "$T/tampered.eml"
expect_log rejected policy "a tampered signed reply to an any-link: policy"
check "... nothing merged" [ "$(field "$D" host)" = db.signed.example ]
pgp clearsign "$T/tampered2.eml" --sign "$RFPR" --tamper "db.good.example=db.evil.example"
intake "$T/tampered2.eml"
expect_log rejected policy "a tampered inline-signed reply: policy"

# ---- only the signed part is read
body "$LINK" "host: db.wrapped.example"
pgp wrapped "$T/wrapped.eml" --sign "$RFPR"
intake "$T/wrapped.eml"
expect_log accepted null "a signed part inside unsigned text: accepted"
check "the signed host is merged" [ "$(field "$D" host)" = db.wrapped.example ]
check "the unsigned text around it counts for nothing" \
    [ "$(log0 "','.join(e['fields'])")" = host ]
check "... its password is not merged" [ "$(field "$D" password)" = signed-pw-1 ]

# ---- inline cleartext signature
new_link "$D" --require signed || exit 1
body "$LINK" "dbname: inline_signed"
pgp clearsign "$T/clear.eml" --sign "$RFPR"
intake "$T/clear.eml"
expect_log accepted null "an inline (cleartext) signed reply: accepted"
check "... signed_by set" [ "$(field "$D" dbname signed_by)" = "$RFPR" ]

# ---- a subkey's signature counts as its primary key's
SUBFPR=$(gpg --homedir "$T/r" --batch --passphrase= --pinentry-mode loopback \
    --quick-add-key "$RFPR" ed25519 sign 0 2>/dev/null &&
    gpg --homedir "$T/r" --with-colons --list-keys "$RFPR" |
    awk -F: '$1 == "sub" && $12 ~ /s/ { s = 1 } s && $1 == "fpr" { print $10; exit }')
gpg --homedir "$T/r" --armor --export "$RFPR" >"$T/r2.asc"
sl key import "$T/r2.asc"
new_link "$D" --require signed || exit 1
body "$LINK" "user: subkey_user"
pgp sign "$T/sub.eml" --sign "$SUBFPR!"
intake "$T/sub.eml"
expect_log accepted null "signed by a signing subkey: accepted"
check "signed_by is the primary fingerprint" [ "$(field "$D" user signed_by)" = "$RFPR" ]

# ---- a pinned signer
sl key import "$T/x.asc"
new_link "$D" --require signed --signer "$XFPR" || exit 1
body "$LINK" "user: pinned"
pgp sign "$T/pin1.eml" --sign "$RFPR"
intake "$T/pin1.eml"
expect_log rejected policy "signed by an imported key that is not the pinned one: policy"
pgp sign "$T/pin2.eml" --sign "$XFPR"
intake "$T/pin2.eml"
expect_log accepted null "signed by the pinned key: accepted"
check "... signed_by the pinned key" [ "$(field "$D" user signed_by)" = "$XFPR" ]

# ---- an expired key
mkdir -p "$T/e" && chmod 700 "$T/e"
cleanup_add "gpgconf --homedir '$T/e' --kill all"
gpg --homedir "$T/e" --batch --passphrase= --pinentry-mode loopback \
    --faked-system-time 20200101T000000 --quick-gen-key "Old <old@client.example>" \
    ed25519 sign 1d 2>/dev/null
EFPR=$(gpg --homedir "$T/e" --with-colons --list-keys 2>/dev/null | awk -F: '$1 == "fpr" { print $10; exit }')
gpg --homedir "$T/e" --armor --export "$EFPR" >"$T/e.asc"
sl key import "$T/e.asc"
new_link "$D" --require signed || exit 1
body "$LINK" "user: expired_key"
$PY "$FIX/pgpmime.py" sign --home "$T/e" --from bob@client.example --to "$RA" \
    --body "$T/body" --sign "$EFPR" --faked-time 20200101T120000 >"$T/exp.eml"
intake "$T/exp.eml"
expect_log rejected policy "signed by an expired key: policy"

# ---- --require encrypted
new_link "$D" --require encrypted || exit 1
LE=$LINK
body "$LE" "host: db.encrypted.example" "password: enc-pw-2"
reply "$T/clear-enc.eml" <"$T/body"
intake "$T/clear-enc.eml"
expect_log rejected policy "a plain reply to an encrypted link: policy"
pgp encrypt "$T/enc.eml" --encrypt-to "$T/wkey.asc"
check "the reply is really encrypted" lacks "$T/enc.eml" "enc-pw-2"
intake "$T/enc.eml"
expect_log accepted null "encrypted to the workspace key: accepted"
check "encrypted: source.encrypted is true" [ "$(field "$D" host encrypted)" = true ]
check "encrypted: the password merged" [ "$(field "$D" password)" = enc-pw-2 ]
decoded "$(newest_out)" >"$T/rec.txt"
check "the receipt shows no value of an encrypted reply" lacks "$T/rec.txt" "db.encrypted.example"
check "... and says why" contains "$T/rec.txt" "not shown: it arrived encrypted"
new_link "$D" --require encrypted || exit 1
body "$LINK" "host: db.wrongkey.example"
pgp encrypt "$T/wrongkey.eml" --encrypt-to "$T/x.asc"
intake "$T/wrongkey.eml"
expect_rc 0 "encrypted to another key: exit 0 (content, not a temporary failure)"
expect_log rejected policy "encrypted to another key: policy"
new_link "$D" --require encrypted || exit 1
LE2=$LINK
body "$LE" "host: db.replayed-enc.example"
pgp encrypt "$T/enc-replay.eml" --encrypt-to "$T/wkey.asc"
intake "$T/enc-replay.eml"
expect_log rejected policy "encrypted text of another link: policy"
body "$LE2" "dbname: inline_enc"
pgp inline-encrypt "$T/inl-enc.eml" --encrypt-to "$T/wkey.asc"
intake "$T/inl-enc.eml"
expect_log accepted null "inline PGP encrypted: accepted"
check "... encrypted" [ "$(field "$D" dbname encrypted)" = true ]

new_link "$D" || exit 1
body "$LE" "host: db.replayed-any.example"
pgp encrypt "$T/enc-replay-any.eml" --encrypt-to "$T/wkey.asc"
intake "$T/enc-replay-any.eml"
expect_log rejected policy "encrypted text of another link, replayed to an any-link: policy"
body "$LS" "host: db.replayed-any2.example"
pgp sign "$T/sig-replay-any.eml" --sign "$RFPR"
intake "$T/sig-replay-any.eml"
expect_log rejected policy "signed text of another link, replayed to an any-link: policy"
check "neither replay merged" [ "$(field "$D" host)" = db.encrypted.example ]
body none "host: db.enc-noref.example"
pgp encrypt "$T/enc-noref.eml" --encrypt-to "$T/wkey.asc"
intake "$T/enc-noref.eml"
expect_log accepted null "encrypted text naming no link, to an any-link: accepted"
check "... the encryption does not count" [ "$(field "$D" host encrypted)" = false ]

# ---- --require signed+encrypted
new_link "$D" --require signed+encrypted || exit 1
body "$LINK" "user: se_user"
pgp sign "$T/se-sign-only.eml" --sign "$RFPR"
intake "$T/se-sign-only.eml"
expect_log rejected policy "signed only, to a signed+encrypted link: policy"
pgp signencrypt "$T/se.eml" --sign "$RFPR" --encrypt-to "$T/wkey.asc"
intake "$T/se.eml"
expect_log accepted null "PGP/MIME signed inside encrypted: accepted"
check "... signed_by and encrypted" \
    [ "$(field "$D" user signed_by)/$(field "$D" user encrypted)" = "$RFPR/true" ]
new_link "$D" --require signed+encrypted || exit 1
body "$LINK" "user: combined_user"
pgp combined "$T/comb.eml" --sign "$RFPR" --encrypt-to "$T/wkey.asc"
intake "$T/comb.eml"
expect_log accepted null "one OpenPGP message signed and encrypted: accepted"
check "... signed_by and encrypted" \
    [ "$(field "$D" user signed_by)/$(field "$D" user encrypted)" = "$RFPR/true" ]

# ---- mutt, signing (and encrypting) a reply to the real setup email
if command -v mutt >/dev/null && command -v tmux >/dev/null; then
	new_link "$D" --require signed || exit 1
	form_block "$SETUP" | sed 's/^user:.*/user: mutt_user/' >"$T/mbody"
	if mutt_sign_reply "$T/r" "$SETUP" "$T/mbody" "$T/mutt.eml" 2>"$T/mutt.err"; then
		ok "mutt signed a reply to the setup email"
		intake "$T/mutt.eml"
		expect_log accepted null "mutt's PGP/MIME signed reply: accepted"
		check "... signed_by the replier" [ "$(field "$D" user signed_by)" = "$RFPR" ]
	else
		not_ok "mutt signed a reply ($(head -c 300 "$T/mutt.err"))"
	fi
	new_link "$D" --require signed+encrypted || exit 1
	form_block "$SETUP" | sed 's/^user:.*/user: mutt_enc_user/' >"$T/mbody"
	if mutt_sign_reply "$T/r" "$SETUP" "$T/mbody" "$T/mutt2.eml" "$T/wkey.asc" 2>"$T/mutt.err"; then
		intake "$T/mutt2.eml"
		expect_log accepted null "mutt's signed and encrypted reply: accepted"
		check "... signed and encrypted" \
		    [ "$(field "$D" user signed_by)/$(field "$D" user encrypted)" = "$RFPR/true" ]
	else
		not_ok "mutt signed and encrypted a reply ($(head -c 300 "$T/mutt.err"))"
	fi
else
	echo "# mutt or tmux missing: skipping the mutt replies"
fi

check "no secret value ever reached the log" \
    sh -c '! "$1" log --json | grep -qE "signed-pw-1|enc-pw-2"' - "$SETUPLINK"

done_testing
