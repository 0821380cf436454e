#!/bin/sh
# vault.sh: what sealing secrets at rest costs the intake per message:
# the same replies through `setuplink intake` and through a bench-only
# build with sealing compiled out (store/seal.c with SETUPLINK_NO_SEAL:
# values and quarantined mail written in the clear; the binary still
# links libsodium and reads vault.pub, so the difference is the sealing
# itself: one X25519 sealed box per process, XChaCha20-Poly1305 per value
# and per message kept).  The target is under 0.2 ms a message.  Figures
# only; also the passphrase's Argon2id cost, paid once per command that
# opens secrets.
. "$(dirname "$0")/lib.sh"
N=${N:-200}
NOSEAL=${NOSEAL:-$(dirname "$SETUPLINK")/bench/setuplink-noseal}
PY=/usr/bin/python3
[ -x "$NOSEAL" ] || { echo "no $NOSEAL: run make bench"; exit 0; }
machine
echo "# $N messages per figure, synchronous=FULL, medians of 5 rounds;"
echo "# the target: sealing adds under 0.2 ms a message"
bench_home
# The credentials test after a merge is its worker's cost, not sealing's
# (and valgrind cannot follow the clone(2) that parks that worker).
sed -i 's/^test_on_merge = .*/test_on_merge = no/' "$SETUPLINK_HOME/setuplink.conf"
D=$("$SETUPLINK" draft new postgres --name Bench)

# mail TAG COUNT [forged]: COUNT pending links written straight into the
# schema (none when forged: unknown tokens, rejected and kept) and a plain
# reply to each (two secrets among five fields) in $B/TAG/.
mail() {
	mkdir -p "$B/$1"
	$PY - "$SETUPLINK_HOME/setuplink.db" "$D" "$B/$1" "$2" "${3:-}" <<'EOF'
import base64, hashlib, os, sqlite3, sys, time
db, draft, out, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
c = sqlite3.connect(db)
now = int(time.time())
for i in range(n):
    tok = base64.b32encode(os.urandom(20)).decode().lower().rstrip("=")
    cur = None if sys.argv[5] else c.execute("INSERT INTO links (draft, token_hash, recipient, created, "
        "expires, require) VALUES (?, ?, 'bob@client.example', ?, ?, 'any')",
        (draft, hashlib.sha256(tok.encode()).hexdigest(), now, now + 86400))
    for pos, key in enumerate(["host", "port", "user", "password", "sslmode"]):
        if cur is not None: c.execute("INSERT INTO link_fields (link, pos, key) VALUES (?, ?, ?)",
                  (cur.lastrowid, pos, key))
    with open("%s/%05d" % (out, i), "w") as f:
        f.write("From: Bob <bob@client.example>\nTo: setup+%s@bench.example\n"
                "Subject: Re: setup\nMessage-ID: <v%d.%s@client.example>\n"
                "Date: Wed, 25 Nov 2026 20:00:00 +0000\n\n"
                "host: db%d.client.example\nport: 5432\nuser: reader\n"
                "password: pw-%d-%s\nsslmode: require\n"
                % (tok, i, tok[:8], i, i, tok[:6]))
c.commit()
EOF
}
# run BIN DIR: every message of DIR through BIN intake, one process each
# as an MTA runs it; prints the wall time and the processes' CPU time
# (user + system), in microseconds.  CPU time is what sealing adds; the
# wall time also carries the disk's fsyncs and the machine's load.
run() {
	$PY - "$1" "$2" <<'EOF'
import os, resource, subprocess, sys, time
binary, d = sys.argv[1], sys.argv[2]
r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
for f in sorted(os.listdir(d)):
    with open(os.path.join(d, f), "rb") as fh:
        subprocess.run([binary, "intake"], stdin=fh,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
r1, t1 = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
print("%d %d" % ((t1 - t0) * 1e6, cpu * 1e6))
EOF
}
# figure LABEL KIND [forged]: medians over 5 rounds of both binaries,
# interleaved so that the machine's load falls on both alike.
figure() {
	: >"$B/with" ; : >"$B/without"
	for r in 1 2 3 4 5; do
		mail "$2w$r" "$N" $3 && mail "$2o$r" "$N" $3
		run "$SETUPLINK" "$B/$2w$r" >>"$B/with"
		run "$NOSEAL" "$B/$2o$r" >>"$B/without"
	done
	ww=$(cut -d' ' -f1 "$B/with" | median) wc=$(cut -d' ' -f2 "$B/with" | median)
	ow=$(cut -d' ' -f1 "$B/without" | median) oc=$(cut -d' ' -f2 "$B/without" | median)
	awk -v l="$1" -v ww="$ww" -v wc="$wc" -v ow="$ow" -v oc="$oc" -v n="$N" 'BEGIN {
	    printf "%s\n  CPU  %7.3f ms/message sealed, %7.3f without: %+.3f ms\n", l,
	        wc / n / 1000, oc / n / 1000, (wc - oc) / n / 1000
	    printf "  wall %7.3f ms/message sealed, %7.3f without: %+.3f ms\n",
	        ww / n / 1000, ow / n / 1000, (ww - ow) / n / 1000 }'
}
figure "intake, accepted (2 secrets sealed)" acc
figure "intake, rejected (message kept in quarantine)" rej forged

# Instructions per accepted message, counted by valgrind: unlike the
# times above, the machine's load does not move them.
if command -v valgrind >/dev/null; then
	mail cgw 3 && mail cgo 3
	for b in w o; do
		bin=$SETUPLINK; [ $b = o ] && bin=$NOSEAL
		for f in "$B/cg$b"/*; do
			valgrind --tool=callgrind --callgrind-out-file=/dev/null \
			    "$bin" intake <"$f" 2>&1 |
			    sed -n 's/.*Collected : //p'
		done | median >"$B/ir.$b"
	done
	awk -v w="$(cat "$B/ir.w")" -v o="$(cat "$B/ir.o")" 'BEGIN {
	    if (w <= 0 || o <= 0) {
	        print "instructions per accepted message: n/a (valgrind ran no intake whole)"
	        exit }
	    printf "instructions per accepted message: %.2fM sealed, %.2fM without: +%.0fk (%+.1f%%)\n",
	        w / 1e6, o / 1e6, (w - o) / 1e3, (w - o) * 100 / o }'
fi

# Argon2id: what a command that opens secrets pays once with a passphrase.
echo pass >"$B/pass"
"$SETUPLINK" vault passphrase <"$B/pass" >/dev/null
t0=$(ms)
for i in 1 2 3 4 5; do
	SETUPLINK_VAULT_PASSPHRASE_FILE=$B/pass "$SETUPLINK" draft export "$D" >/dev/null
done
t=$(( $(ms) - t0 ))
awk -v t="$t" 'BEGIN { printf "%-44s %6.1f ms/command\n", \
    "draft export with a passphrase (Argon2id)", t / 5 }'
gpgconf --homedir "$SETUPLINK_HOME/gnupg" --kill all 2>/dev/null
exit 0
