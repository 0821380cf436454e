#!/bin/sh
# 151-test-postgres.sh: draft test on the shipped postgres connector
# against a real PostgreSQL (initdb as nobody, private port, TLS with a
# throwaway CA so verify-full is exercised): the right login passes; a
# wrong password, a wrong database, an unknown host and the wrong CA are
# refused (69) naming their field; a closed port is not reached (75); the
# default test_networks connects nothing to loopback.
. "$(dirname "$0")/../lib.sh"; . "$TOP/tests/lib/services.sh"
. "$TOP/tests/lib/dbservices.sh"
init_home || exit 1
PW=Pg-pass-81c3f
pg_start app "$PW" appdb || exit 1

sl draft new postgres --name Billing
id=$(cat "$T/out")
sl draft set "$id" host=localhost port="$PG_PORT" dbname=appdb user=app \
    password="$PW" sslmode=verify-full sslrootcert=@"$T/tls/ca.pem"
expect_rc 0 "a complete postgres draft"

n=$(pg_connections)
sl draft test "$id"
expect_rc 69 "loopback is refused by the default test_networks (69)"
check "the refusal is the network check" grep -q '^FAIL  *network' "$T/out"
check "the server saw no connection" test "$(pg_connections)" -eq "$n"

sed -i 's/^test_networks = .*/test_networks = public, 127.0.0.0\/8, ::1\/128/' "$H/setuplink.conf"
sl draft test "$id"
expect_rc 0 "the right login with verify-full passes (0)"
for c in resolve connect tls login query; do
	check "a $c line passed" grep -q "^ok  *$c" "$T/out"
done
check "TLS was in use" grep -q '^ok  *tls.*TLS in use' "$T/out"
check "the password is nowhere in the output" \
    sh -c "! grep -qF '$PW' '$T/out' '$T/err'"

sl draft set "$id" password=not-the-password
sl draft test "$id" --json
expect_rc 69 "a wrong password is refused (69)"
check "the login check failed" \
    test "$(json "[c['check'] for c in d if not c['ok']][0]")" = login
check "the failure names password" contains "$T/err" "password"
check "the server's words are not repeated" lacks "$T/out" "authentication failed"
sl draft show "$id" --json
check "the stored result names password" \
    test "$(json "'password' in d['test']['fields']")" = True

sl draft set "$id" password="$PW" dbname=nodb
sl draft test "$id"
expect_rc 69 "a database that does not exist is refused (69)"
check "the failure names dbname" contains "$T/err" "dbname"

openssl req -x509 -new -noenc -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$T/other.key" -out "$T/other.pem" -days 2 -subj /CN=other \
    >/dev/null 2>&1
sl draft set "$id" dbname=appdb sslrootcert=@"$T/other.pem"
sl draft test "$id"
expect_rc 69 "verify-full against the wrong CA is refused (69)"
check "the TLS check failed" grep -q '^FAIL  *tls' "$T/out"
check "the failure names the CA field" contains "$T/err" "sslrootcert"

sl draft set "$id" sslrootcert=@"$T/tls/ca.pem" host=db.no-such-host.invalid
sl draft test "$id"
expect_rc 69 "an unknown host is refused (69)"
check "the failure names host" contains "$T/err" "host"

sl draft set "$id" host=localhost port="$(free_port)"
sl draft test "$id"
expect_rc 75 "a closed port is not reached (75)"
done_testing
