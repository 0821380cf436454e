#!/bin/sh
# store.sh: the intake's cost on each engine of the store, side by side:
# one message per process (setuplink intake, accepted) and the throughput
# of --maildir, on the default SQLite home and on a home whose store is a
# PostgreSQL database (a throwaway server on a Unix socket, started here
# as tests/lib/pgsuite.sh starts the suite's, but with fsync on: the
# figures are a real server's).  bench/intake.sh has SQLite's other
# figures.  Figures only.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib/pgsuite.sh"
N=${N:-200}
PY=/usr/bin/python3
machine
echo "# $N messages per figure; PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on a Unix socket, same machine"

# links TAG COUNT: COUNT pending links written straight into the schema
# of the home's store (link create signs an email each time; this
# measures the intake), their reply addresses in $B/TAG.addrs, the SQL in
# $B/TAG.sql for sql() to run.
links() {
	$PY - "$1" "$2" "$B/$1.sql" >"$B/$1.addrs" <<'EOF'
import base64, hashlib, os, sys, time
tag, n, out = sys.argv[1], int(sys.argv[2]), open(sys.argv[3], "w")
now = int(time.time())
out.write("BEGIN;\n")
for i in range(n):
    tok = base64.b32encode(os.urandom(20)).decode().lower().rstrip("=")
    h = hashlib.sha256(tok.encode()).hexdigest()
    out.write("INSERT INTO links (draft, token_hash, recipient, created, "
              "expires, require) VALUES (1, '%s', 'bob@client.example', "
              "%d, %d, 'any');\n" % (h, now, now + 86400))
    for pos, key in enumerate(["host", "port", "dbname", "user", "password"]):
        out.write("INSERT INTO link_fields (link, pos, key) SELECT id, %d, "
                  "'%s' FROM links WHERE token_hash = '%s';\n" % (pos, key, h))
    print("setup+%s@bench.example" % tok)
out.write("COMMIT;\n")
EOF
	if [ -n "$URI" ]; then
		"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$URI" <"$B/$1.sql" >/dev/null
	else
		sqlite3 "$SETUPLINK_HOME/setuplink.db" <"$B/$1.sql"
	fi
}
# message ADDR I: a plain reply of a few fields.
message() {
	cat <<EOF
From: Bob Client <bob@client.example>
To: $1
Subject: Re: Bench asks for PostgreSQL settings
Message-ID: <store.$2.$$@client.example>
Date: Wed, 25 Nov 2026 20:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

host: db$2.client.example
port: 5432
dbname: analytics
user: reader
password: pw-$2
EOF
}

# engine NAME: a fresh home on NAME (sqlite or postgresql), N replies one
# process each, then N in one --maildir batch; one line per figure.
engine() {
	export SETUPLINK_HOME=$B/home-$1
	URI=
	if [ "$1" = postgresql ]; then
		pgsuite_psql "DROP DATABASE IF EXISTS bench" || return 1
		URI=$(pgsuite_db bench) || return 1
		"$SETUPLINK" init --workspace Bench --admin "Bench <b@bench.example>" \
		    --intake setup@bench.example --database "$URI" >/dev/null || return 1
	else
		bench_home || return 1
	fi
	sed -i 's/^test_on_merge = .*/test_on_merge = no/' "$SETUPLINK_HOME/setuplink.conf"
	"$SETUPLINK" draft new postgres --name Bench >/dev/null
	links "acc-$1" "$N" || return 1
	mkdir -p "$B/acc-$1" "$B/md-$1/new" "$B/md-$1/cur" "$B/md-$1/tmp"
	i=0
	while read -r a; do
		i=$((i + 1))
		message "$a" "$1$i" >"$B/acc-$1/$(printf %05d "$i")"
	done <"$B/acc-$1.addrs"
	t0=$(ms)
	for f in "$B/acc-$1"/*; do
		"$SETUPLINK" intake <"$f" >/dev/null 2>&1 || echo "exit $? on $f" >&2
	done
	t=$(( $(ms) - t0 ))
	awk -v l="$1: intake, accepted (one process each)" -v t="$t" -v n="$N" \
	    'BEGIN { printf "%-50s %7.2f ms/message  (%d in %d ms)\n", l, t / n, n, t }'
	links "md-$1" "$N" || return 1
	i=0
	while read -r a; do
		i=$((i + 1))
		message "$a" "m$1$i" >"$B/md-$1/new/$(printf %05d "$i").bench"
	done <"$B/md-$1.addrs"
	t0=$(ms)
	"$SETUPLINK" intake --maildir "$B/md-$1" >/dev/null 2>&1
	t=$(( $(ms) - t0 ))
	awk -v l="$1: intake --maildir (batched commits)" -v t="$t" -v n="$N" \
	    'BEGIN { r = n * 1000 / (t ? t : 1); printf "%-50s %7.2f ms/message  (%d in %d ms, %.0f messages/s)\n", l, t / n, n, t, r }'
	acc=$("$SETUPLINK" log --json | grep -c '"accepted"')
	echo "# $1: accepted $acc of $((2 * N))"
	gpgconf --homedir "$SETUPLINK_HOME/gnupg" --kill all 2>/dev/null
}

engine sqlite || echo "(sqlite failed)"
chmod 711 "$B"
pgsuite_start "$B/pg" || { echo "# PostgreSQL did not start"; exit 0; }
# A real server's durability, unlike the suite's throwaway one.
sed -i 's/^fsync = off$/fsync = on/; s/^synchronous_commit = off$/synchronous_commit = on/; s/^full_page_writes = off$/full_page_writes = on/' \
    "$SL_PG_DIR/data/postgresql.conf"
runuser -u nobody -- "$PGBIN/pg_ctl" -D "$SL_PG_DIR/data" -w reload >/dev/null 2>&1
echo "# postgresql: fsync $(pgsuite_psql 'SHOW fsync'), synchronous_commit $(pgsuite_psql 'SHOW synchronous_commit')"
trap 'pgsuite_stop; rm -rf "$B"' EXIT
engine postgresql || echo "(postgresql failed)"
exit 0
