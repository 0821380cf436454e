#!/bin/sh
# intake.sh: what one message costs setuplink intake (a whole process:
# keep in quarantine/, judge, one durable commit, receipt into outbox/)
# beside procmail delivering the same message to a Maildir, and the
# throughput of --maildir, whose batches share one commit.  Figures only.
. "$(dirname "$0")/lib.sh"
N=${N:-200}
machine
echo "# load before: $(uptime | sed 's/.*load/load/')"
echo "# filesystem of the home: $(df -T "$B" | awk 'NR==2 {print $2}'), synchronous=FULL, $N messages per figure (--maildir: ${M:-1000} accepted, ${F:-5000} forged, ${R:-3} rounds each)"
bench_home
# The credentials test after a merge is the worker's cost, not the
# intake's (bench/test-on-merge.sh measures what it adds to the MDA's
# wait): here every reply completes the draft and would start one.
sed -i 's/^test_on_merge = .*/test_on_merge = no/' "$SETUPLINK_HOME/setuplink.conf"
PY=/usr/bin/python3
FIG=$B/figures
: >"$FIG"
# fig NAME VALUE: keep a figure for the ratios printed at the end.
fig() { echo "$1 $2" >>"$FIG"; }
# val NAME: a kept figure.
val() { awk -v n="$1" '$1 == n { v = $2 } END { print v + 0 }' "$FIG"; }
# ratio LABEL A B TARGET: A/B beside its target (a ratio at most TARGET).
ratio() {
	awk -v l="$1" -v a="$(val "$2")" -v b="$(val "$3")" -v t="$4" 'BEGIN {
	    if (b <= 0) { printf "%-46s    n/a\n", l; exit }
	    r = a / b
	    if (t == "-") { printf "%-46s %6.2fx\n", l, r; exit }
	    printf "%-46s %6.2fx  (target <= %sx: %s)\n", l, r, t,
	    r <= t + 0 ? "met" : "missed" }'
}
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
# per NAME LABEL DIR CMD...: run CMD once per file in DIR (stdin), print
# ms each, and keep the figure as NAME.
per() {
	_name=$1 _label=$2 _dir=$3; shift 3
	t0=$(ms)
	for f in "$_dir"/*; do "$@" <"$f" >/dev/null 2>&1 || echo "exit $? on $f" >&2; done
	t=$(( $(ms) - t0 ))
	awk -v l="$_label" -v t="$t" -v n="$N" \
	    'BEGIN { printf "%-46s %7.2f ms/message  (%d in %d ms)\n", l, t / n, n, t }'
	fig "$_name" "$(awk -v t="$t" -v n="$N" 'BEGIN { print t / n }')"
}
# syncs LABEL DIR TARGET: the fsync, fdatasync and syncfs calls of each
# intake of a file in DIR from a pipe, one after another, counted by
# strace -c (the process alone, not its children): the median beside
# TARGET, and the range, since a commit that fills the WAL checkpoints it
# (two or three more syncs, about every 70 replies).
syncs() {
	if ! command -v strace >/dev/null; then
		echo "# no strace: syncs not counted"; return
	fi
	for f in "$2"/*; do
		strace -c -o "$B/strace.out" "$SETUPLINK" intake <"$f" >/dev/null 2>&1
		awk '$NF == "fsync" || $NF == "fdatasync" || $NF == "syncfs" { n += $4 }
		    END { print n + 0 }' "$B/strace.out"
	done >"$B/syncs"
	awk -v l="$1" -v m="$(median <"$B/syncs")" -v t="$3" '
	    NR == 1 || $1 < lo { lo = $1 } $1 > hi { hi = $1 }
	    END { printf "%-46s %d  (range %d-%d over %d in a row; target <= %d: %s)\n",
	    l, m, lo, hi, NR, t, m <= t ? "met" : "missed" }' "$B/syncs"
}

links acc "$N"
mkdir -p "$B/acc" "$B/unk" "$B/pm/new" "$B/pm/cur" "$B/pm/tmp"
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
# Ten replies of each kind kept aside for strace.
mkdir -p "$B/sacc" "$B/sunk"
for i in $(seq $((N - 9)) "$N"); do
	mv "$B/acc/$(printf %05d "$i")" "$B/sacc/"
	mv "$B/unk/$(printf %05d "$i")" "$B/sunk/"
done
N=$((N - 10))
per procmail "procmail -m into a Maildir (for scale)" "$B/acc" procmail -m "$B/procmailrc"
# The floor of a delivery (bench/floor.c: read, write, one fsync,
# rename), alone and linked with the shared libraries setuplink loads,
# to tell what process start and dynamic linking cost from what we do.
mkdir -p "$B/fl/new" "$B/fl/cur" "$B/fl/tmp"
if cc -O2 -o "$B/floor" "$TOP/bench/floor.c" 2>/dev/null; then
	per floor "floor: read, write, fsync, rename (bench/floor.c)" "$B/acc" "$B/floor" "$B/fl"
	per floor2 "floor with 2 syncs (forged mail's, kept)" "$B/acc" "$B/floor" "$B/fl" 2
	per floor3 "floor with 3 syncs (an accepted reply's)" "$B/acc" "$B/floor" "$B/fl" 3
	# Its shared libraries only: those linked from static archives
	# (Makefile, STATIC) are inside the program, in "process start".
	libs=$(ldd "$SETUPLINK" | awk '$3 ~ /^\// { print $3 }' | tr '\n' ' ')
	# shellcheck disable=SC2086
	if cc -O2 -o "$B/floor-libs" "$TOP/bench/floor.c" -Wl,--no-as-needed $libs 2>/dev/null; then
		per floorlibs "floor linked with setuplink's shared libraries" "$B/acc" "$B/floor-libs" "$B/fl"
	fi
fi
# The floor: starting the program (loading its shared libraries) alone.
per start "setuplink --version (process start only)" "$B/acc" "$SETUPLINK" --version
per accepted "setuplink intake, accepted (plain reply)" "$B/acc" "$SETUPLINK" intake
# The same reply to the program as installed: bin/ beside
# share/setuplink/connectors, as make install and the Debian package lay
# it out.  Its intake reads the one installed definition its draft needs.
mkdir -p "$B/prefix/bin" "$B/prefix/share/setuplink/connectors" "$B/inst"
cp "$SETUPLINK" "$B/prefix/bin/setuplink"
cp "$TOP"/contrib/connectors/*.json "$B/prefix/share/setuplink/connectors/"
links inst "$N"
i=0
while read -r a; do
	i=$((i + 1))
	message "$a" "i$i" >"$B/inst/$(printf %05d "$i")"
done <"$B/inst.addrs"
NI=$i
per installed "the same, the program as installed" "$B/inst" "$B/prefix/bin/setuplink" intake
per unknown "setuplink intake, unknown token (rejected)" "$B/unk" "$SETUPLINK" intake
per dryrun "setuplink intake --dry-run (judging only)" "$B/unk" "$SETUPLINK" intake --dry-run
# The floor of a store opened by every process (bench/floor-store.c): the
# same messages, a copy of this store, SQLite linked as the Makefile
# links it (its static archive when there is one): open, schema, one
# lookup, one row, and the file with the intake's syncs.  What the
# intake spends above it is the program's own work.
sqlite_a="$(pkg-config --variable=libdir sqlite3 2>/dev/null)/libsqlite3.a"
[ -f "$sqlite_a" ] || sqlite_a=-lsqlite3
# shellcheck disable=SC2046
if cc -O2 -o "$B/floor-store" "$TOP/bench/floor-store.c" \
    $(pkg-config --cflags sqlite3 2>/dev/null) "$sqlite_a" -lm -pthread 2>/dev/null; then
	$PY - "$SETUPLINK_HOME/setuplink.db" "$B/fstore.db" <<'EOF2'
import sqlite3, sys
src, dst = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
src.backup(dst)
dst.execute("PRAGMA journal_mode=WAL")
EOF2
	mkdir -p "$B/fst/new" "$B/fst/cur" "$B/fst/tmp"
	per storeacc "floor with the store, accepted (3 syncs)" "$B/acc" "$B/floor-store" accepted "$B/fstore.db" "$B/fst"
	per storeunk "floor with the store, forged (2 syncs)" "$B/unk" "$B/floor-store" forged "$B/fstore.db" "$B/fst"
fi
syncs "syncs, accepted reply from a pipe" "$B/sacc" 3
syncs "syncs, forged token from a pipe" "$B/sunk" 2
N=$((N + 10))

# --maildir, forged then accepted: each pass beside its floor
# (bench/floor-batch.c: the file system's work alone, in the intake's
# batches, on the same messages), floor then pass, R rounds, and the
# medians.  Back to back, because on this kind of file system what ran
# just before moves a figure a lot: ext4 without a journal skips, in
# every file it creates, the inodes freed in the last 60 s (360 s while
# their table block is not written back: fs/ext4/ialloc.c,
# recently_deleted), so a figure taken after another one's removals pays
# for them.  Each round has fresh copies in fresh folders, synced before
# the clock starts, and nothing is removed between figures but what the
# passes and floors remove themselves; the forged rounds, which remove
# nothing, come first.  The targets are rates, so a pass is over 1,000
# accepted replies (16 batches of 64) and 5,000 forged ones: over a few
# batches, what a pass does once (opening the store, its last batch's
# removals) would stand for the rate.
R=${R:-3}
M=${M:-1000}
F=${F:-5000}
cc -O2 -o "$B/floor-batch" "$TOP/bench/floor-batch.c" 2>/dev/null ||
    echo "# no C compiler: the --maildir passes without their floors"
# md_round KIND K SRC: round K of KIND (forged: the copies kept, the
# messages to cur/; accepted: the messages removed) over copies of
# SRC/new; "pass_ms floor_ms" goes to $B/md.KIND.  The floor's copies go
# to a folder of the round's own: floor-batch names a copy after its
# message, so a folder of an earlier round's would have each one replace
# (and free) the last.  The pass's pile up in the home's quarantine/ and
# outbox/, as they do in use.
md_round() {
	_p=$B/$1p$2 _f=$B/$1f$2 _o=$B/$1o$2 _mode=keep _tf=0
	[ "$1" = accepted ] && _mode=drop
	mkdir -p "$_p/new" "$_p/cur" "$_p/tmp" "$_f/new" "$_f/cur" \
	    "$_o/new" "$_o/tmp"
	cp "$3"/new/* "$_p/new/"
	cp "$3"/new/* "$_f/new/"
	if [ -x "$B/floor-batch" ]; then
		sync
		t0=$(ms)
		"$B/floor-batch" "$_mode" "$_f" "$_o" ||
		    echo "# floor-batch $_mode failed" >&2
		_tf=$(( $(ms) - t0 ))
	fi
	sync
	t0=$(ms)
	"$SETUPLINK" intake --maildir "$_p"
	_tp=$(( $(ms) - t0 ))
	echo "$_tp $_tf" >>"$B/md.$1"
	awk -v kind="$1" -v k="$2" -v p="$_tp" -v f="$_tf" -v n="$(ls "$3/new" | wc -l)" 'BEGIN {
	    printf "# %s round %d: pass %d ms (%.0f/s)", kind, k, p, n * 1000 / (p ? p : 1)
	    if (f > 0) printf ", floor %d ms (%.0f/s), %.2fx", f, n * 1000 / f, p / f
	    printf "\n" }'
}
# md_figure KIND N LABEL FLOORLABEL TARGET: the medians of KIND's rounds.
md_figure() {
	_tp=$(awk '{ print $1 }' "$B/md.$1" | median)
	_tf=$(awk '{ print $2 }' "$B/md.$1" | median)
	awk -v t="$_tp" -v n="$2" -v l="$3" -v g="$5" -v r="$R" 'BEGIN {
	    x = n * 1000 / (t ? t : 1)
	    printf "%-46s %7.2f ms/message  (%d in %d ms, median of %d rounds: %.0f messages/s; target >= %d: %s)\n",
	    l, t / n, n, t, r, x, g, x >= g ? "met" : "missed" }'
	fig "md$1" "$(awk -v t="$_tp" -v n="$2" 'BEGIN { print t / n }')"
	[ "$_tf" = 0 ] && return
	awk -v t="$_tf" -v n="$2" -v l="$4" 'BEGIN {
	    printf "%-46s %7.2f ms/message  (%d in %d ms, %.0f messages/s)\n",
	    l, t / n, n, t, n * 1000 / t }'
	fig "md$1floor" "$(awk -v t="$_tf" -v n="$2" 'BEGIN { print t / n }')"
}

# Forged tokens: what a flood of forged mail costs.
mkdir -p "$B/fd/new"
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
for k in $(seq "$R"); do
	md_round forged "$k" "$B/fd"
done
# Accepted: M replies to M fresh links in each round.
for k in $(seq "$R"); do
	links "md$k" "$M"
	mkdir -p "$B/am$k/new"
	i=0
	while read -r a; do
		i=$((i + 1))
		message "$a" "m$k.$i" >"$B/am$k/new/$(printf %05d "$i").bench"
	done <"$B/md$k.addrs"
	md_round accepted "$k" "$B/am$k"
done
md_figure forged "$F" "setuplink intake --maildir, forged tokens" \
    "floor of --maildir forged: copy kept, to cur/" 5000
md_figure accepted "$M" "setuplink intake --maildir (batched commits)" \
    "floor of --maildir accepted: a file, removed" 2000
acc=$("$SETUPLINK" log --json | grep -c '"accepted"')
echo "# accepted in all: $acc of $((N + NI + M * R)) replies to fresh links"

# One PGP/MIME signed reply: the price of gpgme, paid only for such mail.
if command -v gpg >/dev/null; then
	mkdir -p "$B/g" && chmod 700 "$B/g"
	gpg --homedir "$B/g" --batch --passphrase= --pinentry-mode loopback \
	    --quick-gen-key "Bob <bob@client.example>" ed25519 sign 0 2>/dev/null
	# Bob's key in the home's keyring: the intake checks each signature
	# as gpg --verify alone does below, not only names a key it lacks.
	gpg --homedir "$B/g" --export bob@client.example 2>/dev/null |
	    gpg --homedir "$SETUPLINK_HOME/gnupg" --batch --import 2>/dev/null
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
	N=20 per signed "setuplink intake, PGP/MIME signed (one gpg run)" "$B/sig" "$SETUPLINK" intake
	# The same kind of reply, 20 to fresh links, in one --maildir batch.
	links sigmd 20
	mkdir -p "$B/smd/new" "$B/smd/cur" "$B/smd/tmp"
	i=0
	while read -r a; do
		i=$((i + 1))
		$PY "$TOP/tests/fixtures/replies/pgpmime.py" sign --home "$B/g" \
		    --from bob@client.example --to "$a" --body "$B/body" \
		    --sign bob@client.example >"$B/smd/new/$i.signed"
	done <"$B/sigmd.addrs"
	t0=$(ms)
	"$SETUPLINK" intake --maildir "$B/smd"
	t=$(( $(ms) - t0 ))
	awk -v t="$t" 'BEGIN { printf "%-46s %7.2f ms/message  (20 in %d ms)\n", \
	    "setuplink intake --maildir, PGP/MIME signed", t / 20, t }'
	fig signedmd "$(awk -v t="$t" 'BEGIN { print t / 20 }')"
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
	fig verify "$(awk -v t="$t" 'BEGIN { print t / 20 }')"

	# Signed and encrypted to the workspace key (one OpenPGP message, as
	# mutt and Enigmail send it), beside gpg --decrypt alone on the same
	# ciphertext with the same key.
	"$SETUPLINK" key export >"$B/wkey.asc" 2>/dev/null
	links enc 20
	mkdir -p "$B/enc" "$B/ct"
	i=0
	while read -r a; do
		i=$((i + 1))
		$PY "$TOP/tests/fixtures/replies/pgpmime.py" combined --home "$B/g" \
		    --from bob@client.example --to "$a" --body "$B/body" \
		    --sign bob@client.example --encrypt-to "$B/wkey.asc" >"$B/enc/$i"
	done <"$B/enc.addrs"
	for f in "$B"/enc/*; do
		$PY - "$f" >"$B/ct/$(basename "$f").asc" <<'EOF'
import re, sys
raw = open(sys.argv[1], "rb").read()
m = re.search(rb"-----BEGIN PGP MESSAGE-----.*?-----END PGP MESSAGE-----", raw, re.S)
sys.stdout.buffer.write(m.group(0).replace(b"\r\n", b"\n") + b"\n")
EOF
	done
	N=20 per encrypted "setuplink intake, PGP/MIME signed+encrypted" "$B/enc" "$SETUPLINK" intake
	t0=$(ms)
	for f in "$B"/ct/*.asc; do
		# The intake's keyring, Bob's key in it: both check the
		# signature inside; what counts here is the plaintext.
		gpg --homedir "$SETUPLINK_HOME/gnupg" --batch --trust-model always \
		    --decrypt "$f" >"$B/plain" 2>/dev/null
		[ -s "$B/plain" ] || echo "gpg --decrypt failed on $f" >&2
	done
	t=$(( $(ms) - t0 ))
	awk -v t="$t" 'BEGIN { printf "%-46s %7.2f ms/message  (20 in %d ms)\n", \
	    "gpg --decrypt alone, same ciphertexts", t / 20, t }'
	fig decrypt "$(awk -v t="$t" 'BEGIN { print t / 20 }')"
	gpgconf --homedir "$B/gv" --kill all
	gpgconf --homedir "$B/g" --kill all
fi
gpgconf --homedir "$SETUPLINK_HOME/gnupg" --kill all 2>/dev/null
echo "# load after: $(uptime | sed 's/.*load/load/')"
echo "# ratios, side by side in this run"
ratio "accepted reply / procmail" accepted procmail 2.0
ratio "... the program as installed / procmail" installed procmail 2.0
ratio "forged token / procmail" unknown procmail 1.5
ratio "process start alone / procmail (a floor)" start procmail -
ratio "floor / procmail" floor procmail -
ratio "floor + our libraries / procmail" floorlibs procmail -
ratio "floor + our libraries / floor" floorlibs floor -
ratio "floor with 3 syncs / procmail (accepted's floor)" floor3 procmail -
ratio "floor with 2 syncs / procmail (forged's floor)" floor2 procmail -
ratio "accepted reply / its floor (3 syncs)" accepted floor3 -
ratio "forged token / its floor (2 syncs)" unknown floor2 -
ratio "accepted reply / floor + our libraries" accepted floorlibs -
ratio "store floor, accepted / procmail" storeacc procmail -
ratio "store floor, forged / procmail" storeunk procmail -
ratio "accepted reply / its store floor" accepted storeacc -
ratio "forged token / its store floor" unknown storeunk -
ratio "--maildir accepted / its floor (medians)" mdaccepted mdacceptedfloor -
ratio "--maildir forged / its floor (medians)" mdforged mdforgedfloor -
ratio "PGP/MIME signed / gpg --verify" signed verify 2.5
ratio "signed+encrypted / gpg --decrypt" encrypted decrypt 2.5
ratio "--maildir signed / gpg --verify" signedmd verify 1.3
exit 0
