#!/bin/sh
# 180-store-postgresql.sh: the store's unit tests again, on the shared
# engine: a real PostgreSQL (initdb as nobody, private socket and port),
# STORE=postgresql.  make check runs them once here, on the plain and the
# sanitizer build alike; the unit loop of tests/run.sh runs them on SQLite.
# STORE=postgresql selects the engine for test_store run by hand (with
# SETUPLINK_TEST_DATABASE set to a database it may empty).
. "$(dirname "$0")/../lib.sh"; . "$TOP/tests/lib/services.sh"
. "$TOP/tests/lib/dbservices.sh"
# STORE=sqlite make check: the SQLite run of the unit loop alone.
[ "${STORE:-}" = sqlite ] && { ok "# skip: STORE=sqlite"; exit 0; }
pg_start slstore "Store-pass-$$" slstore || exit 1
export STORE=postgresql
export SETUPLINK_TEST_DATABASE="postgresql:///slstore?host=$T/pg/sock&port=$PG_PORT&user=slstore"
"$BUILD/tests/test_store" >"$T/unit.out" 2>&1
urc=$?
sed -n 's/^\(not ok\|ok\) [0-9]* - /\1 - on postgresql: /p' "$T/unit.out"
[ "$urc" -eq 0 ] || { not_ok "test_store on PostgreSQL exited $urc"; cat "$T/unit.out"; }
done_testing
