#!/bin/sh
# 102-one-line.sh: only file fields hold several lines.  A host with a
# continuation line (once a new .pgpass entry with a wildcard host) or a
# password with a control character makes the reply invalid; draft set
# refuses them; and every export format escapes what its reader treats as
# syntax, checked by the readers themselves (sh for env, Python's json, a
# .pgpass reader with libpq's rules), for values stored before the rule too.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
sed -i 's/^replies_per_sender = .*/replies_per_sender = 1000/' "$H/setuplink.conf"
sl draft new postgres --name Prod; D=$(cat "$T/out")
sl draft set "$D" host=db.client.example user=app dbname=billing
expect_rc 0 "draft set of one-line values"

# ---- replies: a continued host, a control character
new_link "$D" || exit 1
L1=$LINK
reply "$T/multi.eml" <<EOF
host: db.evil.example
  *:*:*:postgres:hunter2
password: ok-password
EOF
intake "$T/multi.eml"
expect_log rejected invalid "a host with a continuation line: rejected as invalid"
check "... the detail names the field and the line break" \
    sh -c 'echo "$1" | grep -q "host: the value holds a line break"' - "$(log0 "e['detail']")"
check "... nothing merged (not even the valid password)" [ "$(field "$D" password)" = null ]
check "... the host is as it was" [ "$(field "$D" host)" = db.client.example ]
check "... the link stays pending" [ "$(link_state "$L1")" = pending ]
decoded "$(newest_out)" >"$T/rej.txt"
check "... the answer says to give it on one line" contains "$T/rej.txt" "give it on one line"
check "... never the value" lacks "$T/rej.txt" "hunter2"
reply "$T/ctl.eml" <<EOF
password: pass$(printf '\033')[2Jword
EOF
intake "$T/ctl.eml"
expect_log rejected invalid "a password with an escape character: rejected as invalid"
check "... naming control characters" \
    sh -c 'echo "$1" | grep -q "password: the value holds control characters"' - "$(log0 "e['detail']")"
reply "$T/tab.eml" <<EOF
user: app	admin
EOF
intake "$T/tab.eml"
expect_log rejected invalid "a user with a tab inside: rejected as invalid"
reply "$T/file-ok.eml" <<EOF
host: db.client2.example
EOF
intake "$T/file-ok.eml"
expect_log accepted null "the same link then takes a one-line host"

# ---- draft set refuses several lines outside a file field
sl draft set "$D" "host=db.example
*"
expect_rc 65 "draft set of a host with a line break: 65"
check "... says so" contains "$T/err" "host: the value holds a line break"
printf 'a\nb\n' >"$T/two-lines"
sl draft set "$D" "password=@$T/two-lines"
expect_rc 65 "draft set of a password of two lines from a file: 65"
printf 'from-file\n' >"$T/one-line"
sl draft set "$D" "password=@$T/one-line"
expect_rc 0 "... one line with its line end from a file is fine"

# ---- exports: hostile one-line values, read back by their readers
PW="it's \$(touch $T/pwned) \`touch $T/pwned2\` \\ : \"q\" \$HOME ;x"
sl draft set "$D" "password=$PW" "user=a:b\\c" "dbname=d b#"
expect_rc 0 "draft set of values full of shell and .pgpass syntax"
# env: sourced by sh with an empty environment; which names it uses is
# the export's business, the values must come back exactly.
"$SETUPLINK" draft export "$D" --format env >"$T/env"
env -i sh -c 'set -a; . "$1"; env -0' - "$T/env" >"$T/env.out" 2>"$T/env.err"
check "sh reads the env export without an error" [ ! -s "$T/env.err" ]
check "... and runs none of it" [ ! -e "$T/pwned" ] && [ ! -e "$T/pwned2" ]
$PY - "$T/env.out" "$PW" <<'EOF' >"$T/env.check"
import sys
vals = [v.split("=", 1)[1] for v in open(sys.argv[1], "rb").read().decode().split("\0") if "=" in v]
print("password", sys.argv[2] in vals)
print("user", "a:b\\c" in vals)
print("dbname", "d b#" in vals)
EOF
check "... the password comes back exactly" contains "$T/env.check" "password True"
check "... and the user and dbname" sh -c 'grep -q "user True" "$1" && grep -q "dbname True" "$1"' - "$T/env.check"
"$SETUPLINK" draft export "$D" --format json >"$T/exp.json"
check "the JSON export reads back exactly" \
    $PY -c "import json,sys; d=json.load(open('$T/exp.json')); sys.exit(d['password'] != sys.argv[1] or d['user'] != 'a:b\\\\c')" "$PW"
# .pgpass: one line, five fields, split as libpq does (":" separates,
# "\" escapes the next character).
"$SETUPLINK" draft export "$D" --format pgpass >"$T/pgpass"
$PY - "$T/pgpass" "$PW" <<'EOF' >"$T/pgpass.check"
import sys
lines = open(sys.argv[1]).read().split("\n")
print("lines", len(lines) - 1)
fields, cur, i, s = [], "", 0, lines[0]
while i < len(s):
    if s[i] == "\\" and i + 1 < len(s):
        cur += s[i + 1]; i += 2; continue
    if s[i] == ":":
        fields.append(cur); cur = ""
    else:
        cur += s[i]
    i += 1
fields.append(cur)
print("fields", len(fields))
print("match", fields == ["db.client2.example", "5432", "d b#", "a:b\\c", sys.argv[2]])
EOF
check "the .pgpass export is one line" contains "$T/pgpass.check" "lines 1"
check "... of five fields" contains "$T/pgpass.check" "fields 5"
check "... each read back exactly by libpq's rules" contains "$T/pgpass.check" "match True"

# ---- a value stored before values were held to one line
if pg_home; then
	v="convert_to('db.example' || chr(10) || 'INJECTED=1', 'UTF8')"
else
	v="CAST('db.example' || char(10) || 'INJECTED=1' AS BLOB)"
fi
store_sql "UPDATE field_values SET value = $v WHERE key = 'host' AND current = 1" 2>"$T/sql.err"
sl draft export "$D" --format pgpass
expect_rc 65 "pgpass export of a stored host with a line break: 65, not a second entry"
check "... nothing on stdout" [ ! -s "$T/out" ]
check "... says why and what to do" contains "$T/err" "host holds a line break"
"$SETUPLINK" draft export "$D" --format env >"$T/env"
env -i sh -c 'set -a; . "$1"; env -0' - "$T/env" >"$T/env.out" 2>/dev/null
check "env export: the line break stays inside the value, no variable added" \
    $PY -c "import sys; v=open('$T/env.out','rb').read().decode().split('\0'); sys.exit(any(x.startswith('INJECTED=') for x in v) or not any(x.endswith('=db.example\nINJECTED=1') for x in v))"

done_testing
