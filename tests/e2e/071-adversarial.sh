#!/bin/sh
# 071-adversarial.sh: setuplink intake on every message of the adversarial
# corpus (tests/adversarial/make.py: deep nesting, 10,000 parts, 1 MB
# header lines, NUL bytes, broken encodings and charsets, conflicting
# boundaries, 500 recipients, signature spoofing, compression bombs,
# ciphertext without integrity protection, forged bounces, replays from
# another home, passphrase-only and nested ciphertext ...) against a home
# with real links.  Each must end as SPEC says (rejected or ignored, with one of the
# reasons its MANIFEST line allows), exit 0, be kept in quarantine/, merge
# nothing and change no link, within 20 s and bounded memory.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
PY=/usr/bin/python3
MEM_MB=${ADV_MEM_MB:-1024}

init_home || exit 1
cleanup_add "gpgconf --homedir '$H/gnupg' --kill all"
# Rejection replies are rate limited; lift the limit so every reply path runs.
sed -i 's/^#* *replies_per_sender *=.*/replies_per_sender = 100000/;
    s/^#* *replies_total *=.*/replies_total = 100000/' "$H/setuplink.conf"
sl draft new postgres --name Adversarial
D=$(cat "$T/out")

# adv_link ARGS...: link create D ARGS; sets LINK, RA (the reply
# address: the Reply-To of the setup email it queued) and REF
# (the link's REF on the email's form line).
adv_link() {
	rm -rf "$T/ob.before" "$T/ob.after"
	outbox_copy "$T/ob.before"
	sl link create "$D" --to bob@client.example "$@"
	if [ "$rc" -ne 0 ]; then
		echo "link create $* failed: $(cat "$T/err")" >&2
		return 1
	fi
	LINK=$(sed -n 1p "$T/out")
	outbox_copy "$T/ob.after"
	_new=$(ls "$T/ob.after" | while read -r f; do
		[ -e "$T/ob.before/$f" ] || echo "$f"; done | head -1)
	RA=$(sed -n 's/^Reply-To: *//p' "$T/ob.after/$_new" | head -1 |
	    tr -d '<>\r')
	REF=$($PY - "$T/ob.after/$_new" <<'EOF'
import email, re, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
for p in m.walk():
    if p.get_content_type() == "text/plain":
        t = p.get_payload(decode=True).decode("utf-8", "replace")
        r = re.search(r"^--- setup form for link ([0-9]+(-[a-z2-7]{8})?):", t, re.M)
        if r:
            print(r.group(1))
            break
EOF
)
	[ -n "$RA" ] && [ -n "$REF" ]
}

adv_link || exit 1
LA=$REF RA_A=$RA
adv_link || exit 1
LX=$REF RA_X=$RA

# Bob (the imported, pinned key), Mallory (not imported) and Mallory's
# twin of Bob (a key with Bob's user ID, imported but not pinned).
crypto=
if BOB=$(gpg_home "$T/b" "Bob Client" bob@client.example) &&
    MAL=$(gpg_home "$T/m" "Mallory" mallory@evil.example) &&
    TWIN=$(gpg_home "$T/w" "Bob Client" bob@client.example); then
	gpg --homedir "$T/b" --armor --export "$BOB" >"$T/bob.asc"
	gpg --homedir "$T/w" --armor --export "$TWIN" >"$T/twin.asc"
	sl key import "$T/bob.asc"; r1=$rc
	sl key import "$T/twin.asc"; r2=$rc
	sl key list --json
	WFPR=$($PY -c "import json; print([k['fpr'] for k in json.load(open('$T/out')) if k.get('workspace')][0])" 2>/dev/null)
	if [ "$r1" -eq 0 ] && [ "$r2" -eq 0 ] && [ -n "$WFPR" ] &&
	    adv_link --require signed --signer "$BOB" && LS=$REF RA_S=$RA &&
	    adv_link --require encrypted && LE=$REF RA_E=$RA; then
		crypto="--signed $RA_S --signed-ref $LS --encrypted $RA_E
		    --encrypted-ref $LE --bob-home $T/b --bob-fpr $BOB
		    --mallory-home $T/m --mallory-fpr $MAL --twin-home $T/w
		    --twin-fpr $TWIN --workspace-home $H/gnupg
		    --workspace-fpr $WFPR"
	fi
fi
if [ -n "$crypto" ]; then ok "keys for the signed and encrypted cases"
else not_ok "keys for the signed and encrypted cases (only plain ones run)"; fi

# shellcheck disable=SC2086
if ! $PY "$TOP/tests/adversarial/make.py" "$T/adv" --any "$RA_A" \
    --any-ref "$LA" --other "$RA_X" --other-ref "$LX" $crypto \
    >"$T/count" 2>"$T/make.err"; then
	not_ok "make.py generates the corpus: $(tail -5 "$T/make.err")"
	done_testing
fi
n=$(cat "$T/count")
check "the corpus holds at least 100 messages ($n)" [ "$n" -ge 100 ]

"$SETUPLINK" draft show "$D" --json --reveal >"$T/draft0.json"
"$SETUPLINK" link list --json >"$T/links0.json"
# newest_log: the id of the newest log entry, 0 when there is none.
newest_log() {
	"$SETUPLINK" log --json >"$T/log.json" 2>/dev/null
	$PY -c "import json; l = json.load(open('$T/log.json')); print(l[0]['id'] if l else 0)"
}
last=$(newest_log)
# A message that gets through would leave the link used and every later
# verdict wrong: the database is put back after such a failure.
cp "$H/setuplink.db" "$T/db0"
restore() {
	cp "$T/db0" "$H/setuplink.db"
	rm -f "$H/setuplink.db-wal" "$H/setuplink.db-shm"
	last=$(newest_log)
}

# ASan reserves terabytes of address space and cannot start under
# RLIMIT_AS: there the allocator's own limit stands in for ulimit -v.
if [ "${SANITIZE:-}" = 1 ]; then
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:malloc_limit_mb=$MEM_MB:allocator_may_return_null=0"
	export ASAN_OPTIONS
fi
run_intake() {
	(
		# dash and bash both have ulimit -v.
		# shellcheck disable=SC3045
		[ "${SANITIZE:-}" = 1 ] || ulimit -v $((MEM_MB * 1024))
		exec timeout 20 "$SETUPLINK" intake
	) <"$1" >"$T/out" 2>"$T/err"
	rc=$?
}

tab=$(printf '\t')
while IFS=$tab read -r file outcomes reasons what <&3; do
	[ -n "$file" ] || continue
	start=$(date +%s)
	run_intake "$T/adv/$file"
	secs=$(($(date +%s) - start))
	if [ "$rc" -ne 0 ]; then
		not_ok "$file ($what): exit $rc after ${secs}s: $(head -c 300 "$T/err")"
		continue
	fi
	"$SETUPLINK" log --json >"$T/log.json" 2>/dev/null
	"$SETUPLINK" draft show "$D" --json --reveal >"$T/draft.json" 2>/dev/null
	"$SETUPLINK" link list --json >"$T/links.json" 2>/dev/null
	# What the intake keeps: quarantine/'s files, or kept_mail's rows.
	if pg_home; then
		store_sql "SELECT name FROM kept_mail" >"$T/kept"
	else
		ls "$H/quarantine/new" "$H/quarantine/cur" >"$T/kept"
	fi
	verdict=$($PY - "$T" "$H" "$last" "$outcomes" "$reasons" <<'EOF'
import json, os, sys
t, h, last, outcomes, reasons = sys.argv[1:]
log = json.load(open(t + "/log.json"))
problems = []
e = log[0] if log else None
if e is None or e["id"] <= int(last):
    print("0|no new log entry")
    sys.exit()
if len([x for x in log if x["id"] > int(last)]) != 1:
    problems.append("more than one log entry")
if e["outcome"] not in outcomes.split(","):
    problems.append("outcome %s, wanted %s" % (e["outcome"], outcomes))
if e["reason"] not in reasons.split(","):
    problems.append("reason %s, wanted one of %s" % (e["reason"], reasons))
q = e.get("quarantine")
if not q:
    problems.append("not kept in quarantine/")
elif not any(f.split(":")[0] == q.split(":")[0]
             for f in open(t + "/kept").read().split()):
    problems.append("its quarantine file %s is missing" % q)
if json.load(open(t + "/draft.json")) != json.load(open(t + "/draft0.json")):
    problems.append("THE DRAFT CHANGED")
if json.load(open(t + "/links.json")) != json.load(open(t + "/links0.json")):
    problems.append("A LINK CHANGED")
detail = (e.get("detail") or "").replace("\n", " ")
print("%d|%s: %s%s [%s]" % (e["id"], e["outcome"], e["reason"],
                            "; " + "; ".join(problems) if problems else "",
                            detail[:100]))
sys.exit(1 if problems else 0)
EOF
)
	status=$?
	id=${verdict%%|*}
	[ "$id" -gt 0 ] 2>/dev/null && last=$id
	if [ "$status" -eq 0 ]; then
		ok "$file: ${verdict#*|} (${secs}s)"
	else
		not_ok "$file ($what): ${verdict#*|} (${secs}s)"
		case $verdict in *CHANGED*) restore ;; esac
	fi
done 3<"$T/adv/MANIFEST"

done_testing
