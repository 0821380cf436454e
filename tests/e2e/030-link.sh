# 030-link.sh: link create, list and revoke: which fields a link asks for,
# every refusal with its exit code and an empty stdout, states after
# revoke and expiry, a failed send leaving no pending link, and the token
# kept out of the database, stderr and the logs.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
init_home || exit 1
cleanup_add "gpgconf --homedir '$H/gnupg' --kill all"

# All output of every run, to look for the token in at the end.
: >"$T/all-err"
slx() { sl "$@"; cat "$T/err" >>"$T/all-err"; }
# expect_fail CODE DESC ARGS...: that exit code and nothing on stdout.
expect_fail() {
	_c=$1 _d=$2; shift 2
	slx "$@"
	expect_rc "$_c" "$_d"
	check "... and stdout stays empty ($_d)" test ! -s "$T/out"
}
jl() { sl link list --json; json "$1"; }
outbox_count() { outbox_all; }
link_count() { sl link list --json; json 'len(d)'; }

sl draft new postgres --name "Billing DB"
sl draft set 1 host=db.client.example password=hunter2-secret
sl connector show postgres --json
all_keys=$(json '",".join(f["key"] for f in d["fields"])')

# ---- create: default fields, output shape
slx link create 1 --to rita@client.example
expect_rc 0 "link create"
check "line 1 is the link id" test "$(sed -n 1p "$T/out")" = 1
check "line 2 is a mailto URL to the reply address" \
    grep -qE '^mailto:setup\+[a-z2-7]{26,}@acme\.example\?subject=' "$T/out"
check "two lines, nothing else" test "$(wc -l <"$T/out")" -eq 2
cp "$T/out" "$T/create1"
check "an email waits in the outbox" test "$(outbox_count)" -eq 1
check "without --fields the link may write every field of the connector" \
    test "$(jl '",".join(d[0]["fields"])')" = "$all_keys"
check "the link is pending" test "$(jl 'd[0]["state"]')" = pending
check "it is for the recipient" test "$(jl 'd[0]["to"]')" = rita@client.example
check "it requires nothing by default" test "$(jl 'd[0]["require"]')" = any
check "link list --json times are UTC RFC 3339" \
    sh -c "'$SETUPLINK' link list --json | grep -qE '\"expires\": \"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\"'"
# Expiry counts from the link's creation (the clock may tick in between).
check "the default expiry is 7 days" test "$(jl 'abs(__import__("calendar").timegm(__import__("time").strptime(d[0]["expires"], "%Y-%m-%dT%H:%M:%SZ")) - __import__("calendar").timegm(__import__("time").strptime(d[0]["created"], "%Y-%m-%dT%H:%M:%SZ")) - 604800) <= 1')" = True
check "the message id is recorded with the link" \
    sh -c "'$SETUPLINK' link list --json | grep -q '\"message_id\": \".*@acme.example\"'"

# ---- --fields: the connector's keys, any case, catalog order
slx link create 1 --to rita@client.example --fields PORT,host --json
expect_rc 0 "link create --fields --json"
check "--json gives an object with id and mailto" \
    test "$(json '(d["id"], d["mailto"].startswith("mailto:setup+"))')" = "(2, True)"
cp "$T/out" "$T/create2"
check "--fields: exactly those keys, as the catalog spells them" \
    test "$(jl '",".join(d[1]["fields"])')" = "host,port"
expect_fail 64 "--fields with unknown keys is bad usage" \
    link create 1 --to rita@client.example --fields host,colour,flavour
check "... naming every unknown key" sh -c "grep -q colour '$T/err' && grep -q flavour '$T/err'"
check "... and creating no link" test "$(link_count)" -eq 2
expect_fail 64 "--fields with no key is bad usage" \
    link create 1 --to rita@client.example --fields ,
expect_fail 64 "--fields and --missing together" \
    link create 1 --to rita@client.example --fields host --missing

# ---- --missing: required fields still empty
sl draft show 1 --json
missing=$(json '",".join(d["missing"])')
check "the draft misses dbname and user (host and password set, defaults kept)" \
    test "$missing" = "dbname,user"
slx link create 1 --to rita@client.example --missing
expect_rc 0 "link create --missing"
check "--missing asks for the draft's missing keys" \
    test "$(jl '",".join(d[2]["fields"])')" = "$missing"
sl draft set 1 dbname=billing user=reader
before=$(outbox_count)
expect_fail 65 "--missing on a complete draft is exit 65" \
    link create 1 --to rita@client.example --missing
check "... and nothing is sent" test "$(outbox_count)" -eq "$before"
check "... and no link is made" test "$(link_count)" -eq 3
# A draft with auth methods (sftp: password or private_key): with none
# chosen, the method field and every method's required fields; with one
# chosen, only that method's.
sl draft new sftp --name "Drop box"
mid=$(cat "$T/out")
slx link create "$mid" --to rita@client.example --missing
expect_rc 0 "--missing on a draft with auth methods"
check "... no method chosen: the method field and every method's required fields" \
    test "$(jl '",".join(d[-1]["fields"])')" = "host,username,auth_method,password,private_key"
sl draft set "$mid" auth_method=private_key host=files.client.example
slx link create "$mid" --to rita@client.example --missing
check "... private_key chosen: only what that method still needs" \
    test "$(jl '",".join(d[-1]["fields"])')" = "username,private_key"

# ---- refusals
expect_fail 64 "--to is required" link create 1
expect_fail 65 "an address that is not one is exit 65" \
    link create 1 --to not-an-address
expect_fail 65 "CR LF in --to is exit 65" \
    link create 1 --to "$(printf 'rita@client.example\r\nBcc: eve@evil.example')"
expect_fail 65 "CR LF in --note is exit 65" \
    link create 1 --to rita@client.example --note "$(printf 'hello\r\nBcc: eve@evil.example')"
expect_fail 65 "an escape sequence in --note is exit 65" \
    link create 1 --to rita@client.example --note "$(printf 'red \033[31m')"
expect_fail 66 "no such draft is exit 66" link create 99 --to rita@client.example
expect_fail 64 "a malformed draft id is bad usage" link create x1 --to rita@client.example
expect_fail 64 "a bad duration is exit 64" \
    link create 1 --to rita@client.example --expires 7x
expect_fail 64 "a duration without unit is exit 64" \
    link create 1 --to rita@client.example --expires 7
expect_fail 65 "--expires past 90 days is exit 65" \
    link create 1 --to rita@client.example --expires 91d
expect_fail 65 "--expires 2161h (past 90 days) is exit 65" \
    link create 1 --to rita@client.example --expires 2161h
expect_fail 64 "--require with an unknown value is exit 64" \
    link create 1 --to rita@client.example --require sometimes
expect_fail 64 "--transport that names none is exit 64" \
    link create 1 --to rita@client.example --transport pigeon://coop
check "no refusal made a link: one link per email" test "$(link_count)" -eq "$(outbox_count)"

# ---- --signer
rfpr=$(gpg_home "$T/r" "Rita Replier" rita@client.example)
gpg --homedir "$T/r" --armor --export "$rfpr" >"$T/rita.asc" 2>/dev/null
expect_fail 64 "a malformed fingerprint is exit 64" \
    link create 1 --to rita@client.example --require signed --signer 1234ABCD
expect_fail 66 "a fingerprint of a key not imported is exit 66" \
    link create 1 --to rita@client.example --require signed --signer "$rfpr"
check "... saying to import it" contains "$T/err" "key import"
sl key import "$T/rita.asc"
expect_fail 64 "--signer without a signed requirement is exit 64" \
    link create 1 --to rita@client.example --signer "$rfpr"
expect_fail 64 "--signer with --require encrypted is exit 64" \
    link create 1 --to rita@client.example --require encrypted --signer "$rfpr"
lower=$(echo "$rfpr" | tr 'A-F' 'a-f')
slx link create 1 --to rita@client.example --require signed+encrypted --signer "$lower" --expires 90d --note "Rita, the billing DB please"
expect_rc 0 "--require signed+encrypted --signer (lower case), --expires 90d"
sid=$(sed -n 1p "$T/out")
check "the signer is kept, upper case" test "$(jl "[l['signer'] for l in d if l['id']==$sid][0]")" = "$rfpr"
check "the requirement is kept" test "$(jl "[l['require'] for l in d if l['id']==$sid][0]")" = signed+encrypted
check "the note is kept" test "$(jl "[l['note'] for l in d if l['id']==$sid][0]")" = "Rita, the billing DB please"
check "90 days is allowed" test "$(jl "[l['state'] for l in d if l['id']==$sid][0]")" = pending

# ---- link list: table and --draft
sl link list
expect_rc 0 "link list (table)"
check "the table has a header and a row per link" \
    test "$(wc -l <"$T/out")" -eq $(($(link_count) + 1))
sl link list --draft 1 --json
check "--draft filters by draft" test "$(json 'sorted(set(l["draft"] for l in d))')" = "[1]"
sl link list --draft 98 --json
check "--draft with no links gives []" test "$(json 'd')" = "[]"

# ---- revoke
slx link revoke 1
expect_rc 0 "link revoke"
check "revoke prints nothing" test ! -s "$T/out"
check "the link reads revoked" test "$(jl 'd[0]["state"]')" = revoked
check "the others stay pending" test "$(jl 'd[1]["state"]')" = pending
expect_fail 65 "revoking it again is exit 65" link revoke 1
check "... naming its state" contains "$T/err" revoked
expect_fail 66 "revoking no such link is exit 66" link revoke 999
expect_fail 64 "revoke without an id is bad usage" link revoke

# ---- expiry: a faked clock, and a real 2 s link
now=$(date +%s)
SETUPLINK_NOW=$((now + 8 * 86400)) sl link list --json
check "8 days on, a 7-day link reads expired" test "$(json 'd[1]["state"]')" = expired
check "... a revoked one stays revoked" test "$(json 'd[0]["state"]')" = revoked
check "... a 90-day one stays pending" test "$(json "[l['state'] for l in d if l['id']==$sid][0]")" = pending
SETUPLINK_NOW=$((now + 8 * 86400)) slx link revoke 2
expect_rc 65 "revoking an expired link is exit 65"
check "... naming its state" contains "$T/err" expired
# On the clock SETUPLINK_NOW sets, so a loaded machine cannot age it.
export SETUPLINK_NOW=$now
slx link create 1 --to rita@client.example --expires 2s --fields host
expect_rc 0 "link create --expires 2s"
xid=$(sed -n 1p "$T/out")
check "it starts pending" test "$(jl "[l['state'] for l in d if l['id']==$xid][0]")" = pending
export SETUPLINK_NOW=$((now + 3))
check "3 s later it reads expired" test "$(jl "[l['state'] for l in d if l['id']==$xid][0]")" = expired
unset SETUPLINK_NOW

# ---- a send that fails leaves no pending link
printf '#!/bin/sh\ncat >/dev/null\nexit 67\n' >"$T/sendmail-refuse"
printf '#!/bin/sh\ncat >/dev/null\nexit 75\n' >"$T/sendmail-later"
chmod 755 "$T/sendmail-refuse" "$T/sendmail-later"
n=$(link_count)
expect_fail 69 "a permanent refusal is exit 69" \
    link create 1 --to rita@client.example --transport "sendmail:$T/sendmail-refuse"
check "... and the error says the link is revoked" contains "$T/err" "is revoked"
check "... the link it made is revoked" test "$(jl 'd[-1]["state"]')" = revoked
# A temporary failure keeps the email queued in outbox/ and the link
# pending (SPEC: "delivery": "queued", a warning), so that "try again
# later" is an outbox flush, not a new link.
q=$(outbox_count)
slx link create 1 --to rita@client.example --transport "sendmail:$T/sendmail-later"
expect_rc 0 "a temporary failure still makes the link (exit 0)"
check "... prints its id and URL" test "$(wc -l <"$T/out")" -eq 2
check "... warns that the email is queued" contains "$T/err" "queued in $(outbox_words)"
check "... the link it made stays pending" test "$(jl 'd[-1]["state"]')" = pending
check "... its email waits in outbox/" test "$(outbox_count)" -eq $((q + 1))
check "two links were made" test "$(link_count)" -eq $((n + 2))

# ---- the token: in the email and the URL, nowhere else
outbox_copy "$T/outbox"
for f in "$T"/outbox/*; do
	sed -n 's/^Return-Path: <setup+\([a-z2-7]*\)@.*/\1/p' "$f"
done | sort -u >"$T/tokens"
check "the tokens were found (one per email in the outbox)" \
    test "$(wc -l <"$T/tokens")" -eq "$(outbox_count)"
grep -ohE 'setup\+[a-z2-7]+@' "$T/create1" "$T/create2" | sed 's/setup+//; s/@//' >>"$T/tokens"
sort -u "$T/tokens" -o "$T/tokens"
check "tokens are at least 128 bits of base32 (26+ characters)" \
    sh -c "! grep -vqE '^[a-z2-7]{26,}$' '$T/tokens'"
# On PostgreSQL the setup emails waiting to be sent are rows of
# outbox_mail, sealed under the token key: the dump holds them too.
store_dump "$T/dump"
check "the database dump is readable" contains "$T/dump" "CREATE TABLE"
t1=$(head -1 "$T/tokens")
h1=$(printf '%s' "$t1" | sha256sum | cut -d' ' -f1)
check "the database holds the token's SHA-256" grep -q "$h1" "$T/dump"
while read -r tok; do
	check "the database never holds a token (${tok%"${tok#????}"}...)" lacks "$T/dump" "$tok"
	check "no stderr ever held it (${tok%"${tok#????}"}...)" lacks "$T/all-err" "$tok"
done <"$T/tokens"
sl log --json
check "nor the log" sh -c "! grep -qFf '$T/tokens' '$T/out'"
outbox_copy "$T/outbox"
check "the secret never went into an email" sh -c "! grep -rq hunter2-secret '$T/outbox'"

done_testing
