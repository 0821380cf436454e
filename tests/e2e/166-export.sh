#!/bin/sh
# 166-export.sh: draft export in each form its next tool reads, fed to
# that tool with hostile values (quotes, $, `, :, @, /, ?, #, %, \, UTF-8):
# env to sh and to psql, uri and pgpass to psql, against a private
# PostgreSQL whose role has that very password; dbt and k8s to a YAML
# parser; json to a JSON parser.  Declared variable names (PGHOST...),
# CONNECTOR_KEY otherwise, never USER, HOST or PATH.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"

init_home || exit 1
PW='it'"'"'s "$HOME" `id` $(id) a:b\c @/?#% € ;&|'
US='us:er@x'"'"'"'
DB='d b/x$y'

# ---- a private PostgreSQL (run as nobody: it refuses root), scram auth
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
have_pg=
if [ -x "$PGBIN/initdb" ] && command -v psql >/dev/null; then
	P=$(free_port)
	chmod 711 "$T"
	mkdir -p "$T/pg" "$T/pgrun"
	printf 'adminpw\n' >"$T/pgrun/pw"
	chown -R nobody "$T/pg" "$T/pgrun"
	if su nobody -s /bin/sh -c "'$PGBIN/initdb' -D '$T/pg/data' -U postgres \
	    --pwfile='$T/pgrun/pw' --auth-local=trust --auth-host=scram-sha-256 \
	    >'$T/pgrun/initdb.log' 2>&1" &&
	    su nobody -s /bin/sh -c "'$PGBIN/pg_ctl' -D '$T/pg/data' -w \
	    -l '$T/pgrun/pg.log' -o \"-c listen_addresses=127.0.0.1 -p $P \
	    -k $T/pgrun\" start >/dev/null 2>&1"; then
		have_pg=1
		cleanup_add "su nobody -s /bin/sh -c \"'$PGBIN/pg_ctl' -D '$T/pg/data' -m immediate stop\" >/dev/null 2>&1"
	else
		cat "$T/pgrun/initdb.log" "$T/pgrun/pg.log" >&2 2>/dev/null
	fi
fi
check "a private PostgreSQL runs (postgresql is in tools/deps.sh)" [ -n "$have_pg" ]
# Roles and databases named as hostile as the values, made with psql's
# own quoting (:'var' and :"var").
if [ -n "$have_pg" ]; then
	psql -X -q -h "$T/pgrun" -p "$P" -U postgres -v ON_ERROR_STOP=1 \
	    -v u="$US" -v p="$PW" -v d="$DB" >"$T/pg.out" 2>&1 <<'SQL'
CREATE ROLE :"u" LOGIN PASSWORD :'p';
CREATE DATABASE :"d" OWNER :"u";
SQL
	check "role and database made with the hostile names" [ $? -eq 0 ]
fi

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/ca.key" -subj /CN=ca -days 2 -out "$T/ca.pem" 2>/dev/null
sl draft new postgres --name "Prod"; D=$(cat "$T/out")
printf '%s' "$PW" >"$T/pw"
sl draft set "$D" host=127.0.0.1 "port=${P:-5432}" "user=$US" "dbname=$DB" \
    password=@"$T/pw" sslmode=disable sslrootcert=@"$T/ca.pem"
expect_rc 0 "draft set takes the hostile values"

# ---- env, read by sh
sl draft export "$D" --format env
expect_rc 0 "export --format env"
cp "$T/out" "$T/env.sh"
check "libpq's names" sh -c 'grep -q "^PGHOST=" "$1" && grep -q "^PGPASSWORD=" "$1" && grep -q "^PGSSLROOTCERT=" "$1"' - "$T/env.sh"
check "never USER, HOST or PATH" sh -c '! grep -Eq "^(USER|HOST|PATH)=" "$1"' - "$T/env.sh"
env -i /bin/sh -c '. "$1" && printf "%s\n%s\n%s\n%s" "$PGPASSWORD" "$PGUSER" "$PGDATABASE" "$PGSSLROOTCERT"' - "$T/env.sh" >"$T/sh.out"
check "sh reads the password back byte for byte" [ "$(sed -n 1p "$T/sh.out")" = "$PW" ]
check "... the user" [ "$(sed -n 2p "$T/sh.out")" = "$US" ]
check "... the database" [ "$(sed -n 3p "$T/sh.out")" = "$DB" ]
CERT=$(sed -n 4p "$T/sh.out")
check "a file field is a path to a file the export wrote" cmp -s "$CERT" "$T/ca.pem"
check "... 0600, in the home" sh -c '[ "$(stat -c %a "$1")" = 600 ] && case $1 in "$2"/*) ;; *) exit 1;; esac' - "$CERT" "$H"
check "nothing ran while sh read it" sh -c '! grep -q "uid=" "$1"' - "$T/sh.out"
sl draft new mysql --name My; M=$(cat "$T/out")
sl draft set "$M" host=my.example user=root
sl draft export "$M" --format env
check "no declared name: CONNECTOR_KEY in capitals" \
    sh -c 'grep -q "^MYSQL_HOST=" "$1" && grep -q "^MYSQL_USER=" "$1"' - "$T/out"
check "... never USER or HOST" sh -c '! grep -Eq "^(USER|HOST)=" "$1"' - "$T/out"

# ---- env, uri and pgpass, read by psql
if [ -n "$have_pg" ]; then
	env -i PATH=/usr/bin:/bin HOME="$T" /bin/sh -c '. "$1" && psql -X -At -c "SELECT current_user || chr(124) || current_database()"' \
	    - "$T/env.sh" >"$T/psql.env" 2>&1
	check "psql logs in with the env export" [ "$(cat "$T/psql.env")" = "$US|$DB" ]
	sl draft export "$D" --format uri
	expect_rc 0 "export --format uri"
	URI=$(cat "$T/out")
	check "every part percent-encoded" sh -c 'case $1 in postgresql://us%3Aer%40x%27%22:it%27s*"@127.0.0.1:"*/d%20b%2Fx%24y?sslmode=disable) ;; *) exit 1;; esac' - "$URI"
	env -i PATH=/usr/bin:/bin HOME="$T" psql -X -At "$URI" \
	    -c "SELECT current_user || chr(124) || current_database()" >"$T/psql.uri" 2>&1
	check "psql logs in with the URI" [ "$(cat "$T/psql.uri")" = "$US|$DB" ]
	sl draft export "$D" --format pgpass
	cp "$T/out" "$T/pgpass" && chmod 600 "$T/pgpass"
	env -i PATH=/usr/bin:/bin HOME="$T" PGPASSFILE="$T/pgpass" psql -X -At \
	    -h 127.0.0.1 -p "$P" -U "$US" -d "$DB" -w \
	    -c "SELECT current_user || chr(124) || current_database()" >"$T/psql.pgpass" 2>&1
	check "psql logs in with the .pgpass line" [ "$(cat "$T/psql.pgpass")" = "$US|$DB" ]
fi

# ---- dbt and k8s, read by a YAML parser; json by a JSON parser
sl draft export "$D" --format dbt
expect_rc 0 "export --format dbt"
cp "$T/out" "$T/profiles.yml"
$PY - "$T/profiles.yml" "$PW" "$US" "$DB" <<'PYEOF' >"$T/dbt.out" 2>&1
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
(name, prof), = d.items()
o = prof["outputs"][prof["target"]]
assert o["type"] == "postgres", o
assert o["password"] == sys.argv[2], o["password"]
assert o["user"] == sys.argv[3] and o["dbname"] == sys.argv[4]
assert isinstance(o["port"], int) and o["host"] == "127.0.0.1"
assert o["schema"] == "public" and o["threads"] == 1
assert "sslrootcert" not in o
print("ok")
PYEOF
check "dbt: a profiles.yml target that YAML reads back exactly" [ "$(cat "$T/dbt.out")" = ok ]
sl draft export "$D" --format k8s
expect_rc 0 "export --format k8s"
$PY - "$T/out" "$PW" "$US" <<'PYEOF' >"$T/k8s.out" 2>&1
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
assert d["apiVersion"] == "v1" and d["kind"] == "Secret" and d["type"] == "Opaque"
assert d["metadata"]["name"] == "setuplink-postgres-1"
s = d["stringData"]
assert s["PGPASSWORD"] == sys.argv[2] and s["PGUSER"] == sys.argv[3]
assert s["PGSSLROOTCERT"].startswith("-----BEGIN CERTIFICATE-----")
assert not {"USER", "HOST", "PATH"} & set(s)
print("ok")
PYEOF
check "k8s: a v1 Secret that YAML reads back exactly" [ "$(cat "$T/k8s.out")" = ok ]
sl draft export "$D" --format json
check "json: the values exactly" \
    [ "$($PY -c "import json,sys; d = json.load(open('$T/out')); print(d['password'] == sys.argv[1] and d['user'] == sys.argv[2])" "$PW" "$US")" = True ]

sl draft set "$M" port=3306 database=shop password=@"$T/pw"
sl draft export "$M" --format dbt
$PY - "$T/out" "$PW" <<'PYEOF' >"$T/mydbt.out" 2>&1
import sys, yaml
(name, prof), = yaml.safe_load(open(sys.argv[1])).items()
o = prof["outputs"][prof["target"]]
assert o == {"type": "mysql", "server": "my.example", "port": 3306,
             "schema": "shop", "username": "root", "password": sys.argv[2]}, o
print("ok")
PYEOF
check "dbt for mysql: dbt-mysql's keys, read back exactly" [ "$(cat "$T/mydbt.out")" = ok ]
sl draft export "$M" --format uri
check "uri for mysql, every part encoded" \
    [ "$(cat "$T/out")" = "mysql://root:$($PY -c "import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe='-._~'))" "$PW")@my.example:3306/shop" ]

# ---- what a format cannot carry
sl draft new hubspot --name Hub; HB=$(cat "$T/out")
sl draft export "$HB" --format uri
expect_rc 64 "uri for a connector without a URI form: 64"
check "... saying which to use" contains "$T/err" "--format env or json"
sl draft export "$HB" --format dbt
expect_rc 64 "dbt for a connector dbt has no adapter for: 64"
printf 'line1\nline2' >"$T/nl"
sl draft set "$D" password=@"$T/nl"
expect_rc 65 "a password with a line break is refused at input"
sl audit --json
check "each export is in the audit, with its format" \
    [ "$(json "' '.join(e['detail'] for e in reversed(d) if e['action'] == 'export' and e['draft'] == $D)")" = "env uri pgpass dbt k8s json" ]

done_testing
