#!/bin/sh
# intake.sh: what one message costs setuplink intake (a whole process:
# keep in quarantine/, judge, one durable commit, receipt into outbox/)
# beside procmail delivering the same message to a Maildir, and the
# throughput of --maildir, whose batches share one commit.  Figures only.
. "$(dirname "$0")/lib.sh"
N=${N:-200}
machine
echo "# filesystem of the home: $(df -T "$B" | awk 'NR==2 {print $2}'), synchronous=FULL, $N messages per figure"
bench_home
PY=/usr/bin/python3
D=$("$SETUPLINK" draft new postgres --name Bench)

# links TAG COUNT: COUNT pending links written straight into the schema
# (link create signs an email with gpg each time; this measures the
# intake, not that); their reply addresses go to $B/TAG.addrs.
links() {
	$PY - "$SETUPLINK_HOME/setuplink.db" "$D" "$1" "$2" >"$B/$1.addrs" <<'EOF'
import base64, hashlib, os, sqlite3, sys, time
db, draft, tag, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
c = sqlite3.connect(db)
now = int(time.time())
for i in range(n):
    tok = base64.b32encode(os.urandom(20)).decode().lower().rstrip("=")
    cur = c.execute("INSERT INTO links (draft, token_hash, recipient, created, "
        "expires, require) VALUES (?, ?, 'bob@client.example', ?, ?, 'any')",
        (draft, hashlib.sha256(tok.encode()).hexdigest(), now, now + 86400))
    for pos, key in enumerate(["host", "port", "dbname", "user", "password"]):
        c.execute("INSERT INTO link_fields (link, pos, key) VALUES (?, ?, ?)",
                  (cur.lastrowid, pos, key))
    print("setup+%s@bench.example" % tok)
c.commit()
EOF
}
# message ADDR I: a plain reply of a few fields, as a mail program sends it.
message() {
	cat <<EOF
Return-Path: <bob@client.example>
From: Bob Client <bob@client.example>
To: $1
Subject: Re: Bench asks for PostgreSQL settings
Message-ID: <bench.$2.$$@client.example>
Date: Wed, 25 Nov 2026 20:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hi, here you are.

host: db$2.client.example
port: 5432
dbname: analytics
user: reader
password: pw-$2

> --- setup form for link 1: keep the names left of the colons ---
> host:
EOF
}
# per LABEL DIR CMD...: run CMD once per file in DIR (stdin), print ms each.
per() {
	_label=$1 _dir=$2; shift 2
	t0=$(ms)
	for f in "$_dir"/*; do "$@" <"$f" >/dev/null 2>&1 || echo "exit $? on $f" >&2; done
	t=$(( $(ms) - t0 ))
	awk -v l="$_label" -v t="$t" -v n="$N" \
	    'BEGIN { printf "%-46s %7.2f ms/message  (%d in %d ms)\n", l, t / n, n, t }'
}

links acc "$N"
mkdir -p "$B/acc" "$B/unk" "$B/md/new" "$B/md/cur" "$B/md/tmp" "$B/pm/new" "$B/pm/cur" "$B/pm/tmp"
i=0
while read -r a; do
	i=$((i + 1))
	message "$a" "$i" >"$B/acc/$(printf %05d "$i")"
	message "setup+aaaaaaaaaaaaaaaaaaaaaaaaaa$(printf %06d "$i" | tr 0-9 a-j)@bench.example" \
	    "u$i" >"$B/unk/$(printf %05d "$i")"
done <"$B/acc.addrs"

cat >"$B/procmailrc" <<EOF
:0
$B/pm/
EOF
chmod 600 "$B/procmailrc"
per "procmail -m into a Maildir (for scale)" "$B/acc" procmail -m "$B/procmailrc"
# The floor: starting the program (loading its shared libraries) alone.
per "setuplink --version (process start only)" "$B/acc" "$SETUPLINK" --version
per "setuplink intake, accepted (plain reply)" "$B/acc" "$SETUPLINK" intake
per "setuplink intake, unknown token (rejected)" "$B/unk" "$SETUPLINK" intake
per "setuplink intake --dry-run (judging only)" "$B/unk" "$SETUPLINK" intake --dry-run

# --maildir: N replies to N fresh links, read in batches.
links md "$N"
i=0
while read -r a; do
	i=$((i + 1))
	message "$a" "m$i" >"$B/md/new/$(printf %05d "$i").bench"
done <"$B/md.addrs"
t0=$(ms)
"$SETUPLINK" intake --maildir "$B/md"
t=$(( $(ms) - t0 ))
awk -v t="$t" -v n="$N" 'BEGIN { printf "%-46s %7.2f ms/message  (%d in %d ms, %.0f messages/s)\n", \
    "setuplink intake --maildir (batched commits)", t / n, n, t, n * 1000 / (t ? t : 1) }'
acc=$("$SETUPLINK" log --json | grep -c '"accepted"')
echo "# accepted in all: $acc of $((2 * N)) replies to fresh links"

# --maildir with forged tokens: what a flood of forged mail costs.
F=${F:-5000}
mkdir -p "$B/fd/new" "$B/fd/cur" "$B/fd/tmp"
$PY - "$B/fd/new" "$F" <<'EOF'
import os, sys, base64
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    tok = base64.b32encode(os.urandom(20)).decode().lower().rstrip("=")
    with open("%s/%06d.forged" % (d, i), "w") as f:
        f.write("From: Eve <eve@forger.example>\nTo: setup+%s@bench.example\n"
                "Subject: Re: setup\nMessage-ID: <f%d.%d@forger.example>\n\n"
                "host: evil.example\npassword: x\n" % (tok, i, os.getpid()))
EOF
t0=$(ms)
"$SETUPLINK" intake --maildir "$B/fd"
t=$(( $(ms) - t0 ))
awk -v t="$t" -v n="$F" 'BEGIN { printf "%-46s %7.2f ms/message  (%d in %d ms, %.0f messages/s)\n", \
    "setuplink intake --maildir, forged tokens", t / n, n, t, n * 1000 / (t ? t : 1) }'

# One PGP/MIME signed reply: the price of gpgme, paid only for such mail.
if command -v gpg >/dev/null; then
	mkdir -p "$B/g" && chmod 700 "$B/g"
	gpg --homedir "$B/g" --batch --passphrase= --pinentry-mode loopback \
	    --quick-gen-key "Bob <bob@client.example>" ed25519 sign 0 2>/dev/null
	links sig 20
	printf 'host: signed.example\n' >"$B/body"
	mkdir -p "$B/sig"
	i=0
	while read -r a; do
		i=$((i + 1))
		$PY "$TOP/tests/fixtures/replies/pgpmime.py" sign --home "$B/g" \
		    --from bob@client.example --to "$a" --body "$B/body" \
		    --sign bob@client.example >"$B/sig/$i"
	done <"$B/sig.addrs"
	N=20 per "setuplink intake, PGP/MIME signed (gpgme)" "$B/sig" "$SETUPLINK" intake
	# gpg --verify alone on the same signed parts, for the ratio.
	mkdir -p "$B/gv" "$B/parts" && chmod 700 "$B/gv"
	gpg --homedir "$B/g" --export bob@client.example 2>/dev/null |
	    gpg --homedir "$B/gv" --batch --import 2>/dev/null
	$PY - "$B/sig" "$B/parts" <<'EOF'
import os, re, sys
src, dst = sys.argv[1], sys.argv[2]
for name in os.listdir(src):
    raw = open(os.path.join(src, name), "rb").read()
    b = re.search(rb'boundary="?([^";\r\n]+)', raw).group(1)
    parts = raw.split(b"--" + b)
    body = parts[1][parts[1].index(b"\n") + 1:]
    body = body[:-2] if body.endswith(b"\r\n") else body[:-1]
    body = re.sub(rb"(?<!\r)\n", b"\r\n", body)
    sig = parts[2][parts[2].index(b"-----BEGIN"):]
    sig = sig[:sig.index(b"-----END PGP SIGNATURE-----") + 27]
    open(os.path.join(dst, name + ".txt"), "wb").write(body)
    open(os.path.join(dst, name + ".asc"), "wb").write(sig)
EOF
	t0=$(ms)
	for f in "$B"/parts/*.txt; do
		gpg --homedir "$B/gv" --batch --verify "${f%.txt}.asc" "$f" 2>/dev/null ||
		    echo "gpg --verify failed on $f" >&2
	done
	t=$(( $(ms) - t0 ))
	awk -v t="$t" 'BEGIN { printf "%-46s %7.2f ms/message  (20 in %d ms)\n", \
	    "gpg --verify alone, same signed parts", t / 20, t }'
	gpgconf --homedir "$B/gv" --kill all
	gpgconf --homedir "$B/g" --kill all
fi
gpgconf --homedir "$SETUPLINK_HOME/gnupg" --kill all 2>/dev/null
exit 0
