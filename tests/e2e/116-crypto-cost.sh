#!/bin/sh
# 116-crypto-cost.sh: small malformed OpenPGP blocks cost little.  Each
# is rejected (never exit 75, which would have fetchmail fetch it again
# forever) and the CPU time of the whole intake (setuplink, gpg and
# gpg-agent as its children), measured with getrusage(), stays far below
# what a wait loop spinning until gpg_timeout would burn.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
cleanup_add "gpgconf --homedir '$H/gnupg' --kill all"
sed -i 's/^#* *gpg_timeout *=.*//' "$H/setuplink.conf"
echo "gpg_timeout = 20s" >>"$H/setuplink.conf"
sed -i 's/^#* *replies_per_sender *=.*/replies_per_sender = 1000/' "$H/setuplink.conf"
sl draft new postgres --name Prod; D=$(cat "$T/out")
new_link "$D" || exit 1

# The shapes: each an armored block, inline or as PGP/MIME.
mkdir -p "$T/symhome" && chmod 700 "$T/symhome"
cleanup_add "gpgconf --homedir '$T/symhome' --kill all"
$PY - "$T" "$RA" <<'EOF'
import base64, os, subprocess, sys
T, RA = sys.argv[1], sys.argv[2]
def pkt(tag, body): return bytes([0xc0 | tag, len(body)]) + body
def arm(data, kind=b"MESSAGE"):
    return (b"-----BEGIN PGP " + kind + b"-----\n\n" + base64.encodebytes(data) +
            b"-----END PGP " + kind + b"-----\n")
sym = subprocess.run(["gpg", "--batch", "--homedir", T + "/symhome", "--symmetric", "--armor",
                      "--pinentry-mode", "loopback", "--passphrase", "x"],
                     input=b"host: sym.example\n", stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL).stdout
shapes = {
    "bare-sed": arm(pkt(9, b"")),
    "bare-seipd": arm(pkt(18, b"\x01" + b"\x00" * 10)),
    "symmetric": sym,
    "pkesk-only": arm(pkt(1, b"\x03")),
    "compressed-cut": arm(pkt(8, b"\x01\x78")),
    "partial-length": arm(b"\xcb\xe0abc"),
    "garbage": arm(bytes(range(256)) * 4),
    "sig-empty": arm(pkt(2, b""), b"SIGNATURE"),
}
for i, (name, block) in enumerate(sorted(shapes.items())):
    head = (b"From: Mallory <mallory@evil.example>\nTo: " + RA.encode() +
            b"\nSubject: x\nMessage-ID: <cost%d.%d@evil.example>\nMIME-Version: 1.0\n" % (i, os.getpid()))
    if name == "sig-empty":
        m = head + (b'Content-Type: multipart/signed; micalg=pgp-sha256; '
                    b'protocol="application/pgp-signature"; boundary=b\n\n--b\n'
                    b'Content-Type: text/plain\n\nhost: signed.example\nport: 99999\n--b\n'
                    b'Content-Type: application/pgp-signature\n\n' + block + b"--b--\n")
    elif name.startswith("bare") or name == "symmetric":
        m = head + (b'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; '
                    b'boundary=b\n\n--b\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n'
                    b'--b\nContent-Type: application/octet-stream\n\n' + block + b"--b--\n")
    else:
        m = head + b"\n" + block
    open("%s/%s.eml" % (T, name), "wb").write(m)
EOF

# cost FILE: run the intake on FILE; prints "STATUS CPU-SECONDS".
cost() {
	$PY - "$SETUPLINK" "$1" <<'EOF'
import resource, subprocess, sys
p = subprocess.run([sys.argv[1], "intake"], stdin=open(sys.argv[2], "rb"),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(p.returncode, "%.2f" % (r.ru_utime + r.ru_stime))
EOF
}

for f in "$T"/*.eml; do
	n=$(basename "$f" .eml)
	set -- $(cost "$f")
	check "$n: exit 0, never 75 (got $1)" [ "$1" -eq 0 ]
	check "$n: rejected ($(log0 "e['detail']" | cut -c1-70))" \
	    [ "$(log0 "e['outcome']")" = rejected ]
	check "$n: CPU time $2 s, under 2 s (gpg_timeout is 20 s)" \
	    $PY -c "import sys; sys.exit(0 if float(sys.argv[1]) < 2 else 1)" "$2"
done
check "the link is still pending" [ "$(link_state "$LINK")" = pending ]
check "nothing merged" [ "$(field "$D" host)" = null ]

# A reply sealed to the workspace key still goes through the new wait.
sl key export; cp "$T/out" "$T/wkey.asc"
RFPR=$(gpg_home "$T/r" "Bob Client" bob@client.example) || exit 1
printf '%s\n' "--- setup form for link $REF: keep the names left of the colons ---" \
    "host: sealed.example" "--- end of setup form ---" >"$T/body"
$PY "$FIX/pgpmime.py" encrypt --home "$T/r" --from bob@client.example --to "$RA" \
    --body "$T/body" --encrypt-to "$T/wkey.asc" >"$T/enc.eml"
set -- $(cost "$T/enc.eml")
expect_log accepted null "an honest encrypted reply is accepted"
check "... encrypted" [ "$(field "$D" host encrypted)" = true ]

done_testing
