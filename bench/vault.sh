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
echo "# $N messages per figure, synchronous=FULL, medians of 5 rounds"
bench_home
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
# run BIN DIR: ms for every message of DIR through BIN intake.
run() {
	t0=$(ms)
	for f in "$2"/*; do "$1" intake <"$f" >/dev/null 2>&1 || echo "exit $? on $f" >&2; done
	echo $(( $(ms) - t0 ))
}
# figure LABEL KIND: median over 5 rounds of both binaries, interleaved so
# that the machine's load falls on both alike.
figure() {
	: >"$B/with" ; : >"$B/without"
	for r in 1 2 3 4 5; do
		mail "$2w$r" "$N" $3 && mail "$2o$r" "$N" $3
		run "$SETUPLINK" "$B/$2w$r" >>"$B/with"
		run "$NOSEAL" "$B/$2o$r" >>"$B/without"
	done
	w=$(median <"$B/with") o=$(median <"$B/without")
	awk -v l="$1" -v w="$w" -v o="$o" -v n="$N" 'BEGIN {
	    printf "%-44s %6.3f ms/message sealed, %6.3f without: %+.3f ms\n",
	    l, w / n, o / n, (w - o) / n }'
}
figure "intake, accepted (2 secrets sealed)" acc
figure "intake, rejected (message kept in quarantine)" rej forged

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
