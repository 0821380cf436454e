#!/bin/sh
# 154-test-mysql.sh: draft test on the shipped mysql connector against a
# real MariaDB server (as nobody, private port, TLS with a throwaway CA):
# the right login with VERIFY_IDENTITY passes; a wrong password, a
# database that does not exist and the wrong CA are refused (69) naming
# their field; a closed port is not reached (75); the default
# test_networks connects nothing to loopback.
. "$(dirname "$0")/../lib.sh"; . "$TOP/tests/lib/services.sh"
. "$TOP/tests/lib/dbservices.sh"
init_home || exit 1
PW=My-pass-7e02
my_start app "$PW" appdb || exit 1

sl draft new mysql --name Shop
id=$(cat "$T/out")
sl draft set "$id" host=127.0.0.1 port="$MY_PORT" database=appdb user=app \
    password="$PW" ssl_mode=VERIFY_IDENTITY ssl_ca=@"$T/tls/ca.pem"
expect_rc 0 "a complete mysql draft"

n=$(my_connections)
sl draft test "$id"
expect_rc 69 "loopback is refused by the default test_networks (69)"
check "MariaDB saw no connection" test "$(my_connections)" -eq "$n"

sed -i 's/^test_networks = .*/test_networks = public, 127.0.0.0\/8/' "$H/setuplink.conf"
sl draft test "$id"
expect_rc 0 "the right login with VERIFY_IDENTITY passes (0)"
check "TLS was in use and verified" grep -q '^ok  *tls.*verified' "$T/out"
check "SELECT 1 answered" grep -q '^ok  *query' "$T/out"
check "the password is nowhere in the output" \
    sh -c "! grep -qF '$PW' '$T/out' '$T/err'"

sl draft set "$id" password=not-it
sl draft test "$id"
expect_rc 69 "a wrong password is refused (69)"
check "the failure names password" contains "$T/err" "password"
check "the server's words are not repeated" lacks "$T/out" "Access denied"

sl draft set "$id" password="$PW" database=nodb
sl draft test "$id"
expect_rc 69 "a database that does not exist is refused (69)"
check "the failure names database" contains "$T/err" "database"

openssl req -x509 -new -noenc -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$T/other.key" -out "$T/other.pem" -days 2 -subj /CN=other \
    >/dev/null 2>&1
sl draft set "$id" database=appdb ssl_ca=@"$T/other.pem"
sl draft test "$id"
expect_rc 69 "the wrong CA is refused (69)"
check "the failure names ssl_ca" contains "$T/err" "ssl_ca"

sl draft set "$id" ssl_ca=@"$T/tls/ca.pem" port="$(free_port)"
sl draft test "$id"
expect_rc 75 "a closed port is not reached (75)"
done_testing
