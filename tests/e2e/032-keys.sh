# 032-keys.sh: key import, list and export: recipients' public keys for
# --require signed, the workspace key marked as such, and the errors.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
init_home || exit 1
cleanup_add "gpgconf --homedir '$H/gnupg' --kill all"

# ---- export: the workspace key, armored
sl key export
expect_rc 0 "key export"
check "it is an armored public key block" \
    sh -c 'head -1 "$1" | grep -qx -- "-----BEGIN PGP PUBLIC KEY BLOCK-----" &&
	tail -1 "$1" | grep -qx -- "-----END PGP PUBLIC KEY BLOCK-----"' - "$T/out"
check "with no secret in it" lacks "$T/out" "PRIVATE KEY"
cp "$T/out" "$T/ws.asc"
gpg --with-colons --import-options show-only --import "$T/ws.asc" >"$T/ws.list" 2>/dev/null
wfpr=$(awk -F: '$1 == "fpr" { print $10; exit }' "$T/ws.list")
check "gpg reads it as one key" test "$(grep -c '^pub:' "$T/ws.list")" -eq 1
check "for the intake address" grep -q '^uid:.*<setup@acme.example>' "$T/ws.list"
sl key export --json
expect_rc 64 "key export takes no --json"
check "... and stdout stays empty" test ! -s "$T/out"
sl key export extra
expect_rc 64 "key export takes no argument"

# ---- list with only the workspace key
sl key list --json
expect_rc 0 "key list --json"
check "one key: the workspace's" test "$(json 'len(d)')" -eq 1
check "marked as the workspace key, with its fingerprint" \
    test "$(json '(d[0]["fpr"], d[0]["workspace"])')" = "('$wfpr', True)"
check "its user IDs" test "$(json 'd[0]["uids"]')" = "['Acme Data (setuplink) <setup@acme.example>']"
check "created is UTC RFC 3339" \
    sh -c "echo '$(json 'd[0]["created"]')' | grep -Eqx '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z'"
check "not revoked, not expired" test "$(json '(d[0]["revoked"], d[0]["expired"])')" = "(False, False)"

# ---- import
rfpr=$(gpg_home "$T/r" "Rita Replier" rita@client.example)
gpg --homedir "$T/r" --armor --export "$rfpr" >"$T/rita.asc" 2>/dev/null
gpg --homedir "$T/r" --batch --quick-add-uid "$rfpr" "Rita at home <rita@home.example>" 2>/dev/null
gpg --homedir "$T/r" --armor --export "$rfpr" >"$T/rita2.asc" 2>/dev/null
sl key import "$T/rita.asc"
expect_rc 0 "key import FILE"
check "it prints the fingerprint" test "$(sed -n 1p "$T/out")" = "$rfpr"
check "and the user IDs" contains "$T/out" "Rita Replier <rita@client.example>"
sl key import "$T/rita2.asc" --json
expect_rc 0 "key import again, with a new user ID, --json"
check "--json: an array of the imported keys" test "$(json '[k["fpr"] for k in d]')" = "['$rfpr']"
check "both user IDs now" test "$(json 'sorted(d[0]["uids"])')" = \
    "['Rita Replier <rita@client.example>', 'Rita at home <rita@home.example>']"
check "not the workspace key" test "$(json 'd[0]["workspace"]')" = False

# A second key and an expired one in one file.
sfpr=$(gpg_home "$T/s" "Sam Second" sam@client.example)
gpg --homedir "$T/s" --batch --passphrase= --pinentry-mode loopback \
    --quick-gen-key "Old Key <old@client.example>" ed25519 sign seconds=1 2>/dev/null
ofpr=$(gpg --homedir "$T/s" --with-colons --list-keys "<old@client.example>" 2>/dev/null |
    awk -F: '$1 == "fpr" { print $10; exit }')
sleep 2
gpg --homedir "$T/s" --armor --export "$sfpr" "$ofpr" >"$T/two.asc" 2>/dev/null
sl key import "$T/two.asc"
expect_rc 0 "key import of a file with two keys"
check "both fingerprints are printed" sh -c 'grep -qx "$2" "$1" && grep -qx "$3" "$1"' - "$T/out" "$sfpr" "$ofpr"

# A user ID with an escape sequence is printed safe.
gpg_home "$T/e" "$(printf 'Eve \033[31mRed')" eve@evil.example >"$T/efpr"
gpg --homedir "$T/e" --armor --export "$(cat "$T/efpr")" >"$T/eve.asc" 2>/dev/null
sl key import "$T/eve.asc"
expect_rc 0 "key import of a key whose user ID holds an escape"
check "the escape never reaches the terminal" sh -c '! grep -q "$(printf "\033")" "$1"' - "$T/out"

sl key list --json
expect_rc 0 "key list --json with imports"
check "five keys: the workspace's and four imported" test "$(json 'len(d)')" -eq 5
check "exactly one is the workspace key" test "$(json '[k["fpr"] for k in d if k["workspace"]]')" = "['$wfpr']"
check "the expired key reads expired" test "$(json "[k['expired'] for k in d if k['fpr']=='$ofpr'][0]")" = True
check "... with its expiry time" test "$(json "[k['expires'] is not None for k in d if k['fpr']=='$ofpr'][0]")" = True
check "a key without expiry has expires null" test "$(json "[k['expires'] for k in d if k['fpr']=='$rfpr'][0]")" = None
sl key list
expect_rc 0 "key list (table)"
check "the table marks the workspace key" grep -q "^$wfpr.*workspace key" "$T/out"
check "the table marks the expired key" grep -q "^$ofpr.*expired" "$T/out"
check "the table lists the imported keys' user IDs" contains "$T/out" "Rita at home <rita@home.example>"

# Revoked: import the revocation certificate gpg made.
cp "$T/r/openpgp-revocs.d/$rfpr.rev" "$T/rev.asc"
sed -i 's/^:-----BEGIN/-----BEGIN/' "$T/rev.asc"
sl key import "$T/rev.asc"
sl key list --json
check "a revoked key reads revoked" test "$(json "[k['revoked'] for k in d if k['fpr']=='$rfpr'][0]")" = True
sl draft new postgres --name "For keys"
sl link create 1 --to rita@client.example --require signed --signer "$rfpr"
expect_rc 65 "a link cannot pin a revoked key"
sl link create 1 --to sam@client.example --require signed --signer "$sfpr" --fields host
expect_rc 0 "a link can pin an imported key"

# ---- errors
sl key import "$T/no-such-file"
expect_rc 66 "key import of no file is exit 66"
check "... and stdout stays empty" test ! -s "$T/out"
printf 'hello, this is no key\n' >"$T/nokey.txt"
sl key import "$T/nokey.txt"
expect_rc 65 "a file with no key is exit 65"
check "... naming the file" contains "$T/err" "$T/nokey.txt"
check "... and stdout stays empty" test ! -s "$T/out"
: >"$T/empty"
sl key import "$T/empty"
expect_rc 65 "an empty file is exit 65"
gpg --homedir "$T/r" --batch --pinentry-mode loopback --passphrase= \
    --armor --export-secret-keys "$rfpr" >"$T/secret.asc" 2>/dev/null
sl key import "$T/secret.asc"
expect_rc 65 "a secret key is refused"
sl key list --json
check "... and the workspace key stays the only secret one" \
    test "$(json '[k["fpr"] for k in d if k["workspace"]]')" = "['$wfpr']"
sl key export
check "... and export still works" contains "$T/out" "BEGIN PGP PUBLIC KEY BLOCK"
sl key import
expect_rc 64 "key import without a file is bad usage"
sl key list extra
expect_rc 64 "key list takes no argument"
sl_in "$T/rita.asc" key import -
expect_rc 0 "key import - reads standard input"
check "... and prints the key" test "$(sed -n 1p "$T/out")" = "$rfpr"

# ---- no home
rm -rf "$T/nohome"
"$SETUPLINK" --home "$T/nohome" key list >"$T/out" 2>"$T/err"
check "key list without a home is exit 78" test "$?" -eq 78

done_testing
