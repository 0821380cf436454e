#!/bin/sh
# 164-audit.sh: setuplink audit [--json] lists what admins did (draft
# new/set/rm, link create/revoke/renew/remind, export, reveal), who and
# when, newest first, never a value; --draft and --limit.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
sl draft new postgres --name Billing; D=$(cat "$T/out")
sl draft set "$D" host=db.client.example password=Very-s3cret-PW
sl draft show "$D" --reveal
sl draft export "$D" --format env
sl link create "$D" --to bob@client.example --fields user; L1=$(sed -n 1p "$T/out")
sl link renew "$L1" --to carol@client.example; L2=$(sed -n 1p "$T/out")
sl link revoke "$L2"
sl draft new mysql --name Other; D2=$(cat "$T/out")
sl draft rm "$D2"

sl audit --json
expect_rc 0 "audit --json: exit 0"
acts=$(json "' '.join(e['action'] for e in reversed(d))")
# draft new writes the connector's defaults as a draft set of their own.
check "every admin action, in order" [ "$acts" = \
    "draft set draft new draft set reveal export link create link create link revoke link renew link revoke draft set draft new draft rm" ]
check "each names its actor" \
    [ "$(json "set(e['actor'] for e in d) == {'ann@acme.example'}")" = True ]
check "times are RFC 3339 UTC" \
    json "all(e['at'].endswith('Z') and e['at'][10] == 'T' for e in d)" >/dev/null
check "draft set names the keys" \
    [ "$(json "[e['detail'] for e in d if e['action'] == 'draft set' and e['draft'] == $D][0]")" = host,password ]
check "export names its format" \
    [ "$(json "[e['detail'] for e in d if e['action'] == 'export'][0]")" = env ]
check "link renew names the new link and the old one" \
    [ "$(json "[(e['link'], e['detail']) for e in d if e['action'] == 'link renew'][0]")" = "($L2, 'renews link $L1')" ]
check "newest first" [ "$(json "d[0]['action']")" = "draft rm" ]
check "never a value" lacks "$T/out" "Very-s3cret-PW"
check "... nor a host" lacks "$T/out" "db.client.example"

sl audit --draft "$D2" --json
check "--draft: only that draft's entries" \
    [ "$(json "' '.join(e['action'] for e in d)")" = "draft rm draft new draft set" ]
sl audit --limit 2 --json
check "--limit 2: the newest two" [ "$(json "len(d)")" = 2 ]
sl audit
expect_rc 0 "audit as a table"
check "the table has a header and one row an entry" \
    [ "$(wc -l <"$T/out")" -eq 14 ] && head -1 "$T/out" | grep -q "^WHEN .*ACTION"
check "the table never shows a value" lacks "$T/out" "Very-s3cret-PW"
sl audit --limit 0
expect_rc 64 "--limit 0: 64"
sl audit --draft x
expect_rc 64 "--draft x: 64"
sl audit extra
expect_rc 64 "an argument: 64"

done_testing
