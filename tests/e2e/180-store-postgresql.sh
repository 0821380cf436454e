#!/bin/sh
# 180-store-postgresql.sh: the store's unit tests again, on the shared
# engine: a real PostgreSQL (initdb as nobody, private socket and port),
# STORE=postgresql.  make check runs them once here, on the plain and the
# sanitizer build alike; the unit loop of tests/run.sh runs them on SQLite.
. "$(dirname "$0")/../lib.sh"; . "$TOP/tests/lib/services.sh"
. "$TOP/tests/lib/dbservices.sh"
pg_start slstore "Store-pass-$$" slstore || exit 1
export STORE=postgresql
export SETUPLINK_TEST_DATABASE="postgresql:///slstore?host=$T/pg/sock&port=$PG_PORT&user=slstore"
"$BUILD/tests/test_store" >"$T/unit.out" 2>&1
urc=$?
sed -n 's/^\(not ok\|ok\) [0-9]* - /\1 - on postgresql: /p' "$T/unit.out"
[ "$urc" -eq 0 ] || { not_ok "test_store on PostgreSQL exited $urc"; cat "$T/unit.out"; }
done_testing
