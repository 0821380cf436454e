#!/bin/sh
# 117-nested-ciphertext.sh: ciphertext nested in ciphertext, each level
# 40 MB of plaintext compressed into kilobytes, costs a message no more
# than max_message_size of plaintext in all.  Under `ulimit -v`, an
# `intake --maildir` batch holding it and an honest reply commits: the
# honest reply is merged, the nested one rejected, naming the limit.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
cleanup_add "gpgconf --homedir '$H/gnupg' --kill all"
sl draft new postgres --name Prod; D=$(cat "$T/out")
sl key export; cp "$T/out" "$T/wkey.asc"
WFPR=$(gpg --with-colons --import-options show-only --import "$T/wkey.asc" 2>/dev/null |
    awk -F: '$1 == "fpr" { print $10; exit }')
RFPR=$(gpg_home "$T/r" "Mallory" mallory@evil.example) || exit 1
gpg --homedir "$T/r" --batch --import "$T/wkey.asc" 2>/dev/null

new_link "$D" || exit 1
L1=$LINK RA1=$RA REF1=$REF
new_link "$D" || exit 1
L2=$LINK RA2=$RA

M=$T/Maildir; mkdir -p "$M/new" "$M/cur" "$M/tmp"
# Four levels of PGP/MIME, each a multipart/encrypted whose plaintext is
# the next level and 40 MB of blank epilogue.
$PY - "$T/r" "$WFPR" "$RA1" "$REF1" >"$M/new/1.nested" <<'EOF'
import subprocess, sys
home, fpr, ra, ref = sys.argv[1:5]
PAD = 40 << 20
def enc(data):
    return subprocess.run(["gpg", "--homedir", home, "--batch", "--armor", "--trust-model",
                           "always", "--compress-level", "9", "--encrypt", "--recipient", fpr],
                          input=data, stdout=subprocess.PIPE, check=True).stdout
def wrap(inner, head=b""):
    return (head + b'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; '
            b'boundary=e\n\n--e\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n--e\n'
            b'Content-Type: application/octet-stream\n\n' + enc(inner) + b"--e--\n")
e = (b"Content-Type: text/plain\n\n--- setup form for link " + ref.encode() +
     b": keep the names left of the colons ---\nhost: nested.evil.example\n"
     b"--- end of setup form ---\n")
for _ in range(3):
    e = wrap(e + b"\n" * PAD)
sys.stdout.buffer.write(wrap(e + b"\n" * PAD,
    b"From: Mallory <mallory@evil.example>\nTo: " + ra.encode() +
    b"\nSubject: Re: setup\nMessage-ID: <nested.1@evil.example>\nMIME-Version: 1.0\n"))
EOF
check "(the nested message is small: $(wc -c <"$M/new/1.nested") bytes)" \
    [ "$(wc -c <"$M/new/1.nested")" -lt 2000000 ]
LINK=$L2 RA=$RA2
reply "$M/new/2.honest" <<EOF
user: honest_user
password: honest-pw
EOF

# The whole intake (gpg and gpg-agent too) gets 400 MB of address space.
# ASan reserves terabytes of address space and cannot start under
# RLIMIT_AS: there the allocator's own limit stands in for ulimit -v.
if [ "${SANITIZE:-}" = 1 ]; then
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:malloc_limit_mb=400:allocator_may_return_null=0"
	export ASAN_OPTIONS
fi
(
	# shellcheck disable=SC3045
	[ "${SANITIZE:-}" = 1 ] || ulimit -v 400000
	exec "$SETUPLINK" intake --maildir "$M"
) >"$T/out" 2>"$T/err"
rc=$?
expect_rc 0 "--maildir under ulimit -v: exit 0, the batch committed"
check "the honest reply in the same batch is merged" \
    [ "$(field "$D" user)/$(link_state "$L2")" = honest_user/used ]
check "the nested one merged nothing" [ "$(field "$D" host)" = null ]
check "... its link stays pending" [ "$(link_state "$L1")" = pending ]
"$SETUPLINK" log --json >"$T/log.json"
$PY - "$T/log.json" >"$T/nested.log" <<'EOF'
import json, sys
for e in json.load(open(sys.argv[1])):
    if e["message_id"] == "nested.1@evil.example":
        print(e["outcome"], e["reason"], e["detail"])
EOF
check "... rejected ($(cut -c1-60 "$T/nested.log"))" grep -q "^rejected policy" "$T/nested.log"
check "... naming the limit it passed" grep -q "max_message_size" "$T/nested.log"
check "the honest message left the source, the nested one moved to cur/" \
    [ ! -e "$M/new/2.honest" ] && [ -f "$M/cur/1.nested:2,S" ]

done_testing
