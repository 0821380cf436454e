#!/bin/sh
# 179-intake-one-gpg.sh: a signed reply costs the intake one gpg process
# (gpg --verify) and a signed and encrypted one one gpg process (gpg
# --decrypt, which checks the signature too), on stdin and in --maildir:
# no gpg --version, no key listing.  What the keyring says of the signer
# comes from a cache in the GnuPG home, which a change of the keyring
# between two replies makes stale: a key revoked, removed or imported by
# hand with gpg is seen by the very next reply.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

command -v strace >/dev/null || { echo "1..0 # SKIP no strace"; exit 0; }
init_home || exit 1
cleanup_add "gpgconf --homedir '$H/gnupg' --kill all"
sed -i 's/^replies_per_sender = .*/replies_per_sender = 1000/' "$H/setuplink.conf"
sl draft new postgres --name Prod; D=$(cat "$T/out")
sl key export; cp "$T/out" "$T/wkey.asc"
RFPR=$(gpg_home "$T/r" "Bob Client" bob@client.example) || exit 1
gpg --homedir "$T/r" --armor --export "$RFPR" >"$T/r.asc"
sl key import "$T/r.asc"
expect_rc 0 "key import of the replier's key"

# body: the reply's text for link $LINK.
body() {
	{ echo "--- setup form for link $REF: keep the names left of the colons ---"
	  for _l; do echo "$_l"; done
	  echo "--- end of setup form ---"; } >"$T/body"
}
# pgp MODE OUT [ARGS...]: a reply to $RA built by pgpmime.py.
pgp() {
	_m=$1 _out=$2; shift 2
	$PY "$FIX/pgpmime.py" "$_m" --home "$T/r" --from bob@client.example \
	    --to "$RA" --body "$T/body" "$@" >"$_out"
}
# traced NAME ARGS...: setuplink ARGS under strace -f; the gpg programs it
# started, one argv a line, go to $T/NAME.gpg.
traced() {
	_n=$1; shift
	strace -f -qq -e trace=execve -e status=successful -o "$T/$_n.trace" \
	    "$SETUPLINK" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	grep -E 'execve\("[^"]*/gpg", ' "$T/$_n.trace" >"$T/$_n.gpg"
}
# ngpg NAME: how many gpg processes the traced run started.
ngpg() { wc -l <"$T/$1.gpg" | tr -d ' '; }

# ---- the first signed reply makes the cache; the next ones use it
new_link "$D" --require signed || exit 1
body "user: first_user"
pgp sign "$T/s0.eml" --sign "$RFPR"
intake "$T/s0.eml"
expect_log accepted null "a signed reply is accepted"
check "... the keyring's cache is in the GnuPG home" test -f "$H/gnupg/setuplink-keys.cache"

new_link "$D" --require signed || exit 1
body "user: signed_user"
pgp sign "$T/s1.eml" --sign "$RFPR"
traced s1 intake <"$T/s1.eml"
expect_rc 0 "a signed reply on stdin: exit 0"
expect_log accepted null "... accepted"
check "... signed_by the replier" [ "$(field "$D" user signed_by)" = "$RFPR" ]
check "... one gpg process (got $(ngpg s1))" [ "$(ngpg s1)" -eq 1 ]
check "... and it is gpg --verify" grep -q '"--verify"' "$T/s1.gpg"

new_link "$D" --require signed+encrypted || exit 1
body "user: combined_user"
pgp combined "$T/e1.eml" --sign "$RFPR" --encrypt-to "$T/wkey.asc"
traced e1 intake <"$T/e1.eml"
expect_rc 0 "a signed and encrypted reply on stdin: exit 0"
expect_log accepted null "... accepted"
check "... signed_by and encrypted" \
    [ "$(field "$D" user signed_by)/$(field "$D" user encrypted)" = "$RFPR/true" ]
check "... one gpg process (got $(ngpg e1))" [ "$(ngpg e1)" -eq 1 ]
check "... and it is gpg --decrypt" grep -q '"--decrypt"' "$T/e1.gpg"
check "no gpg --version and no key listing in either" \
    sh -c '! grep -qE "\"--version\"|\"--list-keys\"|\"--list-secret-keys\"" "$1" "$2"' - \
    "$T/s1.gpg" "$T/e1.gpg"

# ---- --maildir: one gpg process a message, no setup per message
mkdir -p "$T/md/new" "$T/md/cur" "$T/md/tmp"
new_link "$D" --require signed || exit 1
body "port: 5433"
pgp sign "$T/md/new/1.signed" --sign "$RFPR"
new_link "$D" --require signed+encrypted || exit 1
body "dbname: md_db"
pgp combined "$T/md/new/2.combined" --sign "$RFPR" --encrypt-to "$T/wkey.asc"
traced md intake --maildir "$T/md"
expect_rc 0 "intake --maildir of a signed and a signed+encrypted reply: exit 0"
check "... both accepted" [ "$(field "$D" port signed_by)/$(field "$D" dbname encrypted)" = "$RFPR/true" ]
check "... two gpg processes, one a message (got $(ngpg md))" [ "$(ngpg md)" -eq 2 ]

# ---- the key revoked between two replies: the second sees it
new_link "$D" --require signed || exit 1
body "user: after_revoke"
pgp sign "$T/rv.eml" --sign "$RFPR"
cp "$T/r/openpgp-revocs.d/$RFPR.rev" "$T/rev.asc"
sed -i 's/^:-----BEGIN/-----BEGIN/' "$T/rev.asc"
sl key import "$T/rev.asc"
expect_rc 0 "key import of the replier's revocation"
intake "$T/rv.eml"
expect_log rejected policy "a reply signed by the key revoked since: policy"
check "... the detail says revoked" sh -c 'echo "$1" | grep -q "revoked key"' - "$(log0 "e['detail']")"
check "... nothing merged" [ "$(field "$D" user)" = combined_user ]

# ---- the key replaced by hand with gpg: the next reply sees the new one
NFPR=$(gpg_home "$T/n" "Bob Client" bob@client.example) || exit 1
gpg --homedir "$T/n" --armor --export "$NFPR" |
    gpg --homedir "$H/gnupg" --batch --import 2>/dev/null
new_link "$D" --require signed || exit 1
body "user: new_key_user"
$PY "$FIX/pgpmime.py" sign --home "$T/n" --from bob@client.example --to "$RA" \
    --body "$T/body" --sign "$NFPR" >"$T/nk.eml"
traced nk intake <"$T/nk.eml"
expect_log accepted null "a reply signed by a key gpg imported by hand since: accepted"
check "... signed_by the new key" [ "$(field "$D" user signed_by)" = "$NFPR" ]
check "... the cache was made anew (gpgme listed the keys)" grep -q '"--list-keys"' "$T/nk.gpg"
sl key rm "$NFPR"
expect_rc 0 "key rm of the new key"
new_link "$D" --require signed || exit 1
body "user: removed_key_user"
$PY "$FIX/pgpmime.py" sign --home "$T/n" --from bob@client.example --to "$RA" \
    --body "$T/body" --sign "$NFPR" >"$T/rm.eml"
intake "$T/rm.eml"
expect_log rejected policy "a reply signed by a key removed since: policy"
check "... the detail says not imported" sh -c 'echo "$1" | grep -q "not imported"' - "$(log0 "e['detail']")"

# ---- the workspace's own key stays refused through the cache
new_link "$D" --require signed || exit 1
body "user: own_key_user"
WFPR=$(gpg --with-colons --import-options show-only --import "$T/wkey.asc" 2>/dev/null |
    awk -F: '$1 == "fpr" { print $10; exit }')
$PY "$FIX/pgpmime.py" sign --home "$H/gnupg" --from bob@client.example --to "$RA" \
    --body "$T/body" --sign "$WFPR" >"$T/own.eml"
intake "$T/own.eml"
expect_log rejected policy "a reply signed with the workspace's own key: policy"
check "... the detail says so" sh -c 'echo "$1" | grep -q "own key"' - "$(log0 "e['detail']")"

# ---- a broken cache is made anew, never believed
new_link "$D" --require signed || exit 1
body "user: broken_cache_user"
pgp sign "$T/bc.eml" --sign "$RFPR"
printf 'setuplink keyring cache 1\nstamp nonsense\nk -\n' >"$H/gnupg/setuplink-keys.cache"
intake "$T/bc.eml"
expect_log rejected policy "a broken cache: the revoked key is still seen as revoked"

done_testing
