# 020-draft.sh: draft new, list, show, set, rm and export, with the JSON
# shapes and exit codes of SPEC, and secrets that never show unasked.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
init_home || exit 1

sl draft new postgres --name "Billing DB"
expect_rc 0 "draft new"
check "draft new prints the id alone" test "$(cat "$T/out")" = 1
sl draft new postgres --name "Second" --json
check "draft new --json gives an object with id" test "$(json 'd["id"]')" = 2
sl draft new nosuch --name X
expect_rc 66 "draft new with an unknown connector is exit 66, as connector show is"
sl draft new postgres
expect_rc 64 "draft new without --name is bad usage"

sl draft show 1 --json
expect_rc 0 "draft show --json"
check "defaults are set as admin writes" test "$(json '[(f["value"],f["source"]["kind"]) for f in d["fields"] if f["key"]=="port"][0]')" = "('5432', 'admin')"
check "a field never set has value and source null" test "$(json '[(f["value"],f["source"]) for f in d["fields"] if f["key"]=="host"][0]')" = "(None, None)"
check "a new draft is incomplete" test "$(json 'd["status"]')" = incomplete
check "the source's from is the admin's address" test "$(json '[f["source"]["from"] for f in d["fields"] if f["key"]=="port"][0]')" = ann@acme.example
check "times are UTC RFC 3339" grep -qE '"at": "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z"' "$T/out"

sl draft set 1 host=db.client.example port=6543 dbname=billing
expect_rc 0 "draft set several pairs"
sl draft show 1 --json
check "values are set" test "$(json '[f["value"] for f in d["fields"] if f["key"] in ("host","port","dbname")]')" = "['db.client.example', '6543', 'billing']"

sl draft set 1 host=other.example port=99999 sslmode=sometimes
expect_rc 65 "an invalid value is exit 65"
check "every bad key is listed" sh -c "grep -q port '$T/err' && grep -q sslmode '$T/err'"
check "the rule is named" contains "$T/err" "between 1 and 65535"
sl draft show 1 --json
check "all or none: the valid host was not set" test "$(json '[f["value"] for f in d["fields"] if f["key"]=="host"][0]')" = db.client.example

sl draft set 1 colour=blue flavour=x host=y
expect_rc 64 "an unknown key is exit 64"
check "every unknown key is listed" sh -c "grep -q colour '$T/err' && grep -q flavour '$T/err'"
sl draft set 99 host=x
expect_rc 66 "no such draft is exit 66"

# Secrets: from a file, from stdin, masked unless revealed.
printf 'correct horse\n' >"$T/pw"
sl draft set 1 password=@"$T/pw"
expect_rc 0 "KEY=@FILE"
sl draft show 1 --json
check "a secret is masked" test "$(json '[f["value"] for f in d["fields"] if f["key"]=="password"][0]')" = "********"
check "the secret is nowhere in the output" lacks "$T/out" "correct horse"
sl draft show 1 --json --reveal
check "--reveal shows it (file's newline dropped)" test "$(json '[f["value"] for f in d["fields"] if f["key"]=="password"][0]')" = "correct horse"
sl draft show 1
check "the table masks it too" lacks "$T/out" "correct horse"
printf 'from stdin' | "$SETUPLINK" draft set 1 password=@- 2>"$T/err"
check "KEY=@- reads standard input" sh -c "'$SETUPLINK' draft show 1 --json --reveal | grep -q 'from stdin'"
sl draft set 1 password=@"$T/missing-file"
expect_rc 66 "KEY=@FILE with no such file is exit 66"
sl draft set 1 user=@@admin
sl draft show 1 --json
check "@@ stands for a literal @" test "$(json '[f["value"] for f in d["fields"] if f["key"]=="user"][0]')" = "@admin"
sl draft set 1 password
expect_rc 64 "a bare KEY with no terminal is exit 64"
printf 'zq9\033[2Jword' >"$T/ctl"
sl draft set 1 password=@"$T/ctl"
expect_rc 65 "a secret with control characters is invalid"
check "the error never shows the secret" lacks "$T/err" "zq9"

# A bare KEY on a terminal prompts without echo.
tmux_start pw 80 10 "$SETUPLINK" draft set 1 password
tmux_wait pw "(password):" 10
tmux_keys pw "typed-secret" Enter
sleep 1
check "the prompt did not echo the secret" sh -c "! tmux -S '$T/tmux.sock' capture-pane -p -t pw | grep -q typed-secret"
check "the prompted value was set" sh -c "'$SETUPLINK' draft show 1 --json --reveal | grep -q typed-secret"

# KEY= clears a field; history keeps the old value.
sl draft set 1 dbname=
sl draft show 1 --json
check "KEY= clears a field" test "$(json '[f["value"] for f in d["fields"] if f["key"]=="dbname"][0]')" = None
sl draft show 1 --history
check "the history shows the old value" contains "$T/out" "was billing"

# Completeness and the list.
sl draft set 1 dbname=billing user=reader sslmode=Require
sl draft show 1 --json
check "an enum is canonical (Require -> require)" test "$(json '[f["value"] for f in d["fields"] if f["key"]=="sslmode"][0]')" = require
check "every required field set: complete" test "$(json 'd["status"]')" = complete
sl draft list --json
expect_rc 0 "draft list --json"
check "draft list is a bare array" test "$(json 'type(d).__name__')" = list
check "a list item has missing and no fields" test "$(json '[("missing" in x, "fields" in x) for x in d if x["id"]==2][0]')" = "(True, False)"
check "draft 2 misses host" test "$(json '"host" in [x for x in d if x["id"]==2][0]["missing"]')" = True
check "draft 1 is complete in the list" test "$(json '[x["status"] for x in d if x["id"]==1][0]')" = complete
sl draft list
check "the table shows the name" contains "$T/out" "Billing DB"

# Booleans come out as "true"/"false" whatever was typed.
bool=$("$SETUPLINK" connectors --json | /usr/bin/python3 -c '
import json,subprocess,sys,os
for c in json.load(sys.stdin):
    s=json.loads(subprocess.run([os.environ["SETUPLINK"],"connector","show",c["key"],"--json"],capture_output=True).stdout)
    for f in s["fields"]:
        if f["type"]=="boolean" and f["method"] is None:
            print(c["key"], f["key"]); sys.exit()')
if [ -n "$bool" ]; then
	set -- $bool
	bid=$("$SETUPLINK" draft new "$1" --name booltest)
	sl draft set "$bid" "$2=yes"
	sl draft show "$bid" --json
	check "a boolean typed yes reads \"true\"" test "$(json "[f['value'] for f in d['fields'] if f['key']=='$2'][0]")" = true
	sl draft set "$bid" "$2=0"
	sl draft show "$bid" --json
	check "a boolean typed 0 reads \"false\"" test "$(json "[f['value'] for f in d['fields'] if f['key']=='$2'][0]")" = false
else
	not_ok "no connector has a boolean field to test"
fi

# Export, values revealed.
sl draft set 1 password="it's secret"
sl draft export 1
check "export env is shell-quoted" contains "$T/out" "PASSWORD='it'\\''s secret'"
sl draft export 1 --format json
check "export json has the value" test "$(json 'd["password"]')" = "it's secret"
sl draft export 1 --format pgpass
check "export pgpass is one .pgpass line" test "$(cat "$T/out")" = "db.client.example:6543:billing:reader:it's secret"
sl draft export 1 --format yaml
expect_rc 64 "an unknown export format is bad usage"

# rm keeps nothing secret behind.
sl draft rm 1
expect_rc 0 "draft rm"
sl draft show 1
expect_rc 66 "a removed draft is gone"
check "no value of the removed draft is left in the database" \
    test "$(store_sql "SELECT count(*) FROM field_values WHERE draft = 1 AND value IS NOT NULL")" = 0
check "the audit keeps the removal" \
    test "$(store_sql "SELECT count(*) FROM audit WHERE draft = 1 AND action = 'draft rm'")" = 1
check "the audit never holds a value" \
    test "$(store_sql "SELECT count(*) FROM audit WHERE detail LIKE '%secret%'")" = 0
sl draft new postgres --name Third
check "ids are never reused" test "$(cat "$T/out")" -gt 2
sl draft rm 1
expect_rc 66 "removing twice is exit 66"

done_testing
