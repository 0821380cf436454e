# 010-init.sh: the home, init, help, configuration errors, the catalog
# commands and skills, through the command line as an admin types them.
. "$(dirname "$0")/../lib.sh"

sl draft list
expect_rc 78 "no home: exit 78"
check "no home: the sentence says to run setuplink init" contains "$T/err" "setuplink init"
check "no home: stdout stays empty" test ! -s "$T/out"

sl intake </dev/null
expect_rc 75 "intake with no home exits 75, not 78"

sl init --workspace Acme
expect_rc 64 "init without --admin/--intake is bad usage"
sl init --workspace Acme --admin "not a mailbox" --intake setup@acme.example
expect_rc 64 "init with a bad admin is bad usage"
check "the sentence names the mailbox" contains "$T/err" "mailbox"
sl init --workspace Acme --admin "Ann <ann@acme.example>" --intake set+up@acme.example
expect_rc 64 "an intake address with + is refused"

sl init --workspace "Acme Data" --admin "Ann Admin <ann@acme.example>" \
    --intake setup@acme.example
expect_rc 0 "init creates a home"
fpr=$(grep -oE '[0-9A-F]{40}' "$T/out" | head -1)
check "init prints the workspace key's fingerprint" test -n "$fpr"
check "the home is private (0700)" test "$(stat -c %a "$H")" = 700
check "the config is private (0600)" test "$(stat -c %a "$H/setuplink.conf")" = 600
check "the database is private (0600)" test "$(stat -c %a "$H/setuplink.db")" = 600
check "the gnupg home is private (0700)" test "$(stat -c %a "$H/gnupg")" = 700
check "outbox/ is a Maildir" test -d "$H/outbox/new" -a -d "$H/outbox/tmp"
check "quarantine/ is a Maildir" test -d "$H/quarantine/cur"
check "the config is readable text with the workspace" contains "$H/setuplink.conf" "workspace = Acme Data"
check "the config documents the transport default" contains "$H/setuplink.conf" "transport = maildir"
check "the workspace key is for the intake address" \
    sh -c "gpg --homedir '$H/gnupg' --list-keys 2>/dev/null | grep -q 'setup@acme.example'"

sl init --workspace X --admin "Ann <ann@acme.example>" --intake setup@acme.example
expect_rc 64 "a second init refuses without --force"
check "the refusal says --force" contains "$T/err" "--force"
sl init --workspace "Acme Data" --admin "Ann Admin <ann@acme.example>" \
    --intake setup@acme.example --force
expect_rc 0 "init --force starts over"
fpr2=$(grep -oE '[0-9A-F]{40}' "$T/out" | head -1)
check "--force makes a new key" test -n "$fpr2" -a "$fpr2" != "$fpr"

# Help and version need no home.
"$SETUPLINK" -h >"$T/out" 2>&1
check "-h lists the commands" contains "$T/out" "link create"
"$SETUPLINK" draft set -h >"$T/out" 2>&1
check "CMD -h shows its usage" contains "$T/out" "usage: setuplink draft set"
"$SETUPLINK" link create -h >"$T/out" 2>&1
check "CMD -h names each option with its help" \
    grep -qE '^  --missing +[a-z]' "$T/out"
check "... and the value an option takes" grep -qE '^  --to ADDRESS +[a-z]' "$T/out"
"$SETUPLINK" --version >"$T/out" 2>&1
check "--version prints a version" grep -qE '^setuplink [0-9]+\.' "$T/out"
sl frobnicate
expect_rc 64 "an unknown command is bad usage"
sl
expect_rc 64 "no command and no terminal: usage, no interface"

# A configuration error names the file, the line and the key.
cp "$H/setuplink.conf" "$T/conf.good"
printf 'max_message_size = lots\n' >>"$H/setuplink.conf"
sl draft list
expect_rc 78 "a bad config value is exit 78"
check "the error names the file and line" grep -qE 'setuplink.conf, line [0-9]+' "$T/err"
check "the error names the key" contains "$T/err" "max_message_size"
sl intake </dev/null
expect_rc 75 "intake with a bad config exits 75"
cp "$T/conf.good" "$H/setuplink.conf"
printf 'colour = blue\n' >>"$H/setuplink.conf"
sl draft list
expect_rc 78 "an unknown key is exit 78"
check "the error names the unknown key" contains "$T/err" "colour"
cp "$T/conf.good" "$H/setuplink.conf"

# --home beats $SETUPLINK_HOME.
SETUPLINK_HOME=$T/elsewhere "$SETUPLINK" --home "$H" draft list >"$T/out" 2>"$T/err"
check "--home DIR is used before SETUPLINK_HOME" test $? -eq 0

# The catalog.
sl connectors --json
expect_rc 0 "connectors --json"
n=$(json 'len(d)')
check "at least 20 connectors are shipped ($n)" test "$n" -ge 20
sl connector show postgres --json
expect_rc 0 "connector show postgres --json"
check "postgres uses libpq's names" test "$(json '",".join(f["key"] for f in d["fields"][:6])')" = "host,port,dbname,user,password,sslmode"
check "port is a required integer defaulting to 5432" test "$(json '[(f["type"],f["required"],f["default"]) for f in d["fields"] if f["key"]=="port"][0]')" = "('integer', True, '5432')"
check "sslmode is an enum with choices" test "$(json '[f["choices"] is not None for f in d["fields"] if f["key"]=="sslmode"][0]')" = True
check "every field says secret, choices, method and help" test "$(json 'all(set(["key","label","type","required","secret","default","choices","method","help"]) <= set(f) for f in d["fields"])')" = True
sl connector show bigquery --json
check "bigquery has a method field" test "$(json 'd["method_field"] is not None')" = True
check "bigquery takes a service-account key file" test "$(json 'any(f["type"]=="file" for f in d["fields"])')" = True
sl connector show nosuch
expect_rc 66 "an unknown connector is exit 66"

# An admin's own definition overrides a shipped one.
"$SETUPLINK" connector show postgres --json >"$T/pg.json" && mv "$T/pg.json" "$H/connectors/postgres.json"
sed -i 's/"PostgreSQL"/"Our Postgres"/' "$H/connectors/postgres.json"
sl connector show postgres --json
check "a definition in the home overrides the shipped one" test "$(json 'd["name"]')" = "Our Postgres"
printf '{"key": "broken", "fields": [' >"$H/connectors/broken.json"
sl connectors
expect_rc 78 "a broken definition is a configuration error"
check "the error names the file" contains "$T/err" "broken.json"
rm "$H/connectors/broken.json" "$H/connectors/postgres.json"

sl skills
expect_rc 0 "skills"
check "skills is Markdown with the workflow" contains "$T/out" "## Workflow"
check "skills lists every command" contains "$T/out" "setuplink quarantine retry"
check "skills lists the exit codes" contains "$T/out" "75 temporary failure"
check "skills lists the connectors" contains "$T/out" '`postgres` (PostgreSQL)'

done_testing
