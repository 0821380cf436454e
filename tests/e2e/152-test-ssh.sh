#!/bin/sh
# 152-test-ssh.sh: draft test on the shipped sftp connector against a real
# OpenSSH sshd with a throwaway host key: password and key-with-passphrase
# logins pass; a wrong password or passphrase is refused naming its
# field; a host key that is not the one in host_key_fingerprint is
# refused (69) before any login is tried.
. "$(dirname "$0")/../lib.sh"; . "$TOP/tests/lib/services.sh"
. "$TOP/tests/lib/dbservices.sh"
init_home || exit 1
sshd_start || exit 1
sed -i 's/^test_networks = .*/test_networks = public, 127.0.0.0\/8/' "$H/setuplink.conf"

sl draft new sftp --name Files
id=$(cat "$T/out")
sl draft set "$id" host=127.0.0.1 port="$SSHD_PORT" username="$SSHD_USER" \
    auth_method=password password="$SSHD_PASSWORD" host_key_fingerprint="$SSHD_FPR"
expect_rc 0 "a complete sftp draft with a password"
sl draft test "$id"
expect_rc 0 "the right password passes (0)"
check "the host key matched" grep -q '^ok  *host_key' "$T/out"
check "the login passed" grep -q '^ok  *login' "$T/out"
check "the password is nowhere in the output" \
    sh -c "! grep -qF '$SSHD_PASSWORD' '$T/out' '$T/err'"

sl draft set "$id" password=Wrong-ssh-pass
sl draft test "$id"
expect_rc 69 "a wrong password is refused (69)"
check "the failure names password" contains "$T/err" "password"

sl draft set "$id" auth_method=private_key private_key=@"$T/ssh/id" \
    passphrase="$SSHD_PASSPHRASE"
sl draft test "$id"
expect_rc 0 "a key with its passphrase passes (0)"
check "the key login passed" grep -q '^ok  *login.*key' "$T/out"
check "the passphrase is nowhere in the output" \
    sh -c "! grep -qF '$SSHD_PASSPHRASE' '$T/out' '$T/err'"

sl draft set "$id" passphrase=not-the-phrase
sl draft test "$id"
expect_rc 69 "a wrong passphrase is refused (69)"
check "the failure names passphrase" contains "$T/err" "passphrase"

sl draft set "$id" passphrase="$SSHD_PASSPHRASE" \
    host_key_fingerprint=SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
n=$(grep -c 'Accepted' "$SSHD_LOG")
sl draft test "$id"
expect_rc 69 "a host key that is not the one given is refused (69)"
check "the failure names host_key_fingerprint" contains "$T/err" "host_key_fingerprint"
check "no login was made to the impostor" test "$(grep -c 'Accepted' "$SSHD_LOG")" -eq "$n"
done_testing
