# 176-link-fast-sign.sh: the setup email signed without a gpg process.
# The first link create after init goes through gpgme and leaves a cache
# of the workspace key in the GnuPG home; the next ones sign the email
# and the reply address's user ID through the workspace's gpg-agent.  A
# recipient's gpg must see both kinds of email alike: a good PGP/MIME
# signature, a key whose user ID for the reply address is certified, an
# Autocrypt key with that user ID alone, and a key gpg -r can encrypt to.
# A stale or broken cache falls back to gpgme.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
init_home || exit 1
cache=$H/gnupg/setuplink-fast.cache
sl key export
cp "$T/out" "$T/workspace.asc"
wfpr=$(gpg --with-colons --import-options show-only --import "$T/workspace.asc" 2>/dev/null |
    awk -F: '$1 == "fpr" { print $10; exit }')
sl draft new postgres --name "Billing DB"
sl draft set 1 host=db.client.example

# email N: the newest setup email in the outbox as $T/eN.eml, its key
# attachment as $T/eN.asc, its Autocrypt key as $T/eN.ac, its token.
new_link() {
	_n=$1; shift
	rm -rf "$T/ob.before" "$T/ob.after"
	outbox_copy "$T/ob.before"
	sl link create 1 --to "r$_n@client.example" --fields host,port "$@"
	expect_rc 0 "link create $_n"
	tok=$(sed -n 2p "$T/out" | sed -n 's/^mailto:setup+\([a-z2-7]*\)@.*/\1/p')
	outbox_copy "$T/ob.after"
	_f=$(ls "$T/ob.after" | while read -r f; do
		[ -e "$T/ob.before/$f" ] || echo "$T/ob.after/$f"; done)
	cp "$_f" "$T/e$_n.eml"
	$PY - "$T/e$_n.eml" "$T/e$_n" <<'PYEOF'
import base64, email, email.policy, re, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(),
                             policy=email.policy.compat32)
for p in m.walk():
    if p.get_content_type() == "application/pgp-keys":
        open(sys.argv[2] + ".asc", "wb").write(p.get_payload(decode=True))
ac = re.sub(r"\s+", " ", m["Autocrypt"])
kd = re.search(r"keydata=(.*)$", ac).group(1).replace(" ", "")
open(sys.argv[2] + ".ac", "wb").write(base64.b64decode(kd))
PYEOF
}

# check_email N DESC: what a recipient's gpg makes of email N.
check_email() {
	_n=$1 what=$2 g=$T/g$1
	mkdir -p "$g" && chmod 700 "$g"
	cleanup_add "gpgconf --homedir '$g' --kill all"
	gpg --homedir "$g" --batch --import "$T/workspace.asc" 2>/dev/null
	pgpmime_verify "$g" "$T/e$_n.eml"
	check "$what: gpg verifies the PGP/MIME signature" [ "$?" -eq 0 ]
	check "$what: ... made by the workspace key" contains "$T/verify.status" "VALIDSIG $wfpr"
	gpg --homedir "$g" --batch --import "$T/e$_n.asc" 2>/dev/null
	gpg --homedir "$g" --batch --with-colons --check-sigs "$wfpr" \
	    >"$T/e$_n.sigs" 2>/dev/null
	check "$what: the attached key certifies the reply address's user ID" \
	    sh -c "grep -A1 '^uid:.*<setup+$tok@acme.example>' '$T/e$_n.sigs' | grep -q '^sig:!:'"
	check "$what: ... and no signature on it is bad" lacks "$T/e$_n.sigs" "sig:-:"
	echo secret | gpg --homedir "$g" --batch --trust-model always \
	    -r "setup+$tok@acme.example" -e >"$T/e$_n.gpg" 2>/dev/null
	check "$what: gpg -r the reply address encrypts to the key" test -s "$T/e$_n.gpg"
	gpg --with-colons --import-options show-only --import "$T/e$_n.ac" \
	    >"$T/e$_n.aclist" 2>/dev/null
	check "$what: the Autocrypt key has the reply address's user ID alone" \
	    sh -c "test \$(grep -c '^uid:' '$T/e$_n.aclist') -eq 1 && grep -q '^uid:.*<setup+$tok@acme.example>' '$T/e$_n.aclist'"
	check "$what: ... and the encryption subkey" grep -q '^sub:' "$T/e$_n.aclist"
}

# The packets and subpackets of a key, without times, ids and values.
shape() {
	gpg --list-packets "$1" 2>/dev/null | sed -n \
	    -e 's/^:\([a-z ]*\) packet:.*/\1/p' \
	    -e 's/^	\(hashed subpkt [0-9]*\|subpkt [0-9]*\|version [0-9]*\).*/\1/p' \
	    -e 's/.*\(sigclass 0x[0-9a-f]*\).*/\1/p'
}

new_link 1
check "the first link leaves the key cache behind" test -s "$cache"
check "... private to the user" test "$(stat -c %a "$cache")" = 600
check_email 1 "first email (gpgme)"
new_link 2
check_email 2 "second email (the agent)"
check "the attached keys have the same packets and subpackets" \
    test "$(shape "$T/e1.asc")" = "$(shape "$T/e2.asc")"
check "... and the Autocrypt keys" \
    test "$(shape "$T/e1.ac")" = "$(shape "$T/e2.ac")"
check "the workspace keyring never holds a token" \
    sh -c '! grep -rqF "$1" "$2"' - "$tok" "$H/gnupg"

# A key imported changes the keyring: the cache is stale, gpgme signs.
mkdir -p "$T/rk" && chmod 700 "$T/rk"
gpg --homedir "$T/rk" --batch --passphrase '' --quick-gen-key \
    "Rita <rita@client.example>" ed25519 sign never >/dev/null 2>&1
cleanup_add "gpgconf --homedir '$T/rk' --kill all"
gpg --homedir "$T/rk" --armor --export rita@client.example >"$T/rita.asc" 2>/dev/null
sl key import "$T/rita.asc"
expect_rc 0 "key import"
new_link 3
check_email 3 "after a key import (stale cache)"
# A broken cache is no cache.
printf 'setuplink key cache 1\nfpr nonsense\n\n' >"$cache"
new_link 4
check_email 4 "with a broken cache"
new_link 5
check_email 5 "with the cache written again"
sl link list --json
check "five pending links" test "$(json '",".join(l["state"] for l in d)')" = \
    "pending,pending,pending,pending,pending"
done_testing
