# pgsuite.sh: one throwaway PostgreSQL for a run of the e2e suite on
# STORE=postgresql.  tests/run.sh starts it once for the whole run (its
# PostgreSQL pass, or every test with STORE=postgresql); lib.sh's
# init_home then gives each home a database of its own on it.  A script
# run by hand with STORE=postgresql and no server exported starts its own
# (lib.sh).  Sourced by run.sh and lib.sh; needs nothing else.
#
# The server runs as nobody (postgres refuses root) from a private
# directory, listens on its Unix socket only (no TCP, so the port is only
# the socket's name), trusts local logins, and has fsync and
# synchronous_commit off: it is thrown away when the run ends, and a
# crash of the machine mid-run loses nothing worth keeping.  The homes'
# databases belong to the role setuplink (no superuser), as in a real
# deployment.
#
# Exported for the tests: SL_PG_DIR (the server's directory), SL_PG_SOCK
# (its socket directory), SL_PG_PORT.

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

# pgsuite_start DIR: initdb as nobody in DIR (made here, owned by
# nobody), start the server, make the role setuplink; 1 on failure with
# the server's words on stderr.
pgsuite_start() {
	_pgs=$1
	mkdir -p "$_pgs/sock" || return 1
	chown -R nobody:nogroup "$_pgs" && chmod 700 "$_pgs" || return 1
	runuser -u nobody -- "$PGBIN/initdb" -D "$_pgs/data" -U postgres \
	    -A trust --no-sync >"$_pgs/initdb.log" 2>&1 ||
	    { cat "$_pgs/initdb.log" >&2; return 1; }
	cat >>"$_pgs/data/postgresql.conf" <<EOF
listen_addresses = ''
port = 5432
unix_socket_directories = '$_pgs/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
logging_collector = off
EOF
	runuser -u nobody -- "$PGBIN/pg_ctl" -D "$_pgs/data" \
	    -l "$_pgs/server.log" -w -t 60 start >"$_pgs/ctl.log" 2>&1 ||
	    { cat "$_pgs/ctl.log" "$_pgs/server.log" >&2; return 1; }
	SL_PG_DIR=$_pgs SL_PG_SOCK=$_pgs/sock SL_PG_PORT=5432
	export SL_PG_DIR SL_PG_SOCK SL_PG_PORT
	pgsuite_psql "CREATE ROLE setuplink LOGIN" >/dev/null
}

# pgsuite_stop: stop the server pgsuite_start started and remove its
# directory.
pgsuite_stop() {
	[ -n "${SL_PG_DIR:-}" ] && [ -d "$SL_PG_DIR/data" ] || return 0
	runuser -u nobody -- "$PGBIN/pg_ctl" -D "$SL_PG_DIR/data" -m immediate \
	    -w stop >/dev/null 2>&1
	rm -rf "$SL_PG_DIR"
}

# pgsuite_psql SQL [DB]: SQL as the server's superuser (on database
# postgres unless DB), tuples only, unaligned; stops at the first error.
pgsuite_psql() {
	PGOPTIONS="-c client_min_messages=warning" \
	    "$PGBIN/psql" -X -q -h "$SL_PG_SOCK" -p "$SL_PG_PORT" -U postgres \
	    -d "${2:-postgres}" -v ON_ERROR_STOP=1 -Atc "$1"
}

# pgsuite_db NAME: a fresh, empty database NAME owned by setuplink (one
# of that name before is dropped); prints its URI for setuplink.
pgsuite_db() {
	pgsuite_psql "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" &&
	    pgsuite_psql "CREATE DATABASE \"$1\" OWNER setuplink" || return 1
	echo "postgresql:///$1?host=$SL_PG_SOCK&port=$SL_PG_PORT&user=setuplink"
}
