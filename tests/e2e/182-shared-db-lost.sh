#!/bin/sh
# 182-shared-db-lost.sh: a shared store whose PostgreSQL goes away.  With
# the server stopped, the intake exits 75 and changes nothing; stopped in
# the middle of 24 deliveries (4 at a time), every intake exits 0 or 75;
# restarted, the retries of those that got 75 succeed, and every message
# is decided exactly once (one acceptance; the retry of a commit whose
# answer the stop cut off is a duplicate).  A real PostgreSQL, as nobody,
# private socket.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/lib/dbservices.sh"
. "$TOP/tests/fixtures/replies/intake.sh"
# Once per make check: the sanitizer pass runs the store's unit tests on
# PostgreSQL (180), not this again.
[ "${SANITIZE:-}" = 1 ] && { ok "# skip: run on the plain build"; exit 0; }
[ "${STORE:-}" = sqlite ] && { ok "# skip: STORE=sqlite"; exit 0; }

pg_start sllost "Lost-pass-$$" sllost || exit 1
URI="postgresql:///sllost?host=$T/pg/sock&port=$PG_PORT&user=sllost"
init_home --database "$URI" || exit 1
cleanup_add "gpgconf --homedir '$H/gnupg' --kill all"
sl draft new postgres --name Lost; D=$(cat "$T/out")
log_n() { "$SETUPLINK" log --json | grep -c '"outcome"'; }
state() {
	{ "$SETUPLINK" log --json; "$SETUPLINK" link list --json
	  "$SETUPLINK" draft show "$D" --json --reveal
	  find "$H/quarantine" "$H/outbox" -type f ! -name .swept | sort; } 2>&1
}

# ---- the server down: 75, nothing changed
new_link "$D" || exit 1
reply "$T/down.eml" <<EOF
host: db.down.example
password: down-pw
EOF
state >"$T/before"
pg_stop
intake "$T/down.eml"
expect_rc 75 "PostgreSQL stopped: the intake exits 75"
check "... saying the shared database cannot be reached" contains "$T/err" "shared database"
check "... and never a secret" lacks "$T/err" "down-pw"
pg_resume || exit 1
state >"$T/after"
check "... nothing changed (log, links, draft, quarantine/, outbox/)" cmp -s "$T/before" "$T/after"
intake "$T/down.eml"
expect_rc 0 "restarted: the retry exits 0"
expect_log accepted null "... and is accepted"

# ---- stopped in the middle of 24 deliveries, 4 at a time
for i in $(seq 1 24); do
	new_link "$D" --fields port || exit 1
	reply "$T/m$i.eml" <<EOF
port: $((6000 + i))
EOF
	echo "$MID" >>"$T/mids"
done
n0=$(log_n)
export T SETUPLINK
seq 1 24 | xargs -P 4 -I @ sh -c '"$SETUPLINK" intake <"$T/m@.eml" \
    >/dev/null 2>"$T/m@.err"; echo $? >"$T/m@.rc"' &
XPID=$!
until [ "$(ls "$T"/m*.rc 2>/dev/null | wc -l)" -ge 6 ]; do sleep 0.05; done
pg_stop
wait "$XPID"
check "mid-run: every intake exited 0 or 75" \
    [ "$(cat "$T"/m*.rc | grep -cvx '0\|75')" -eq 0 ]
cat "$T"/m*.rc | sort | uniq -c | sed "s/^/# rc: /"; for f in "$T"/m*.rc; do grep -qx "0\|75" "$f" || sed "s/^/# $(basename "$f"): /" "${f%.rc}.err"; done
failed=$(grep -lx 75 "$T"/m*.rc | wc -l)
check "mid-run: some intakes met the stopped server ($failed)" [ "$failed" -gt 0 ]
pg_resume || exit 1
for f in $(grep -lx 75 "$T"/m*.rc); do
	i=$(basename "$f" .rc)
	"$SETUPLINK" intake <"$T/$i.eml" >/dev/null 2>"$T/$i.err"
	echo $? >"$f"
done
check "restarted: every retry exits 0" \
    [ "$(cat "$T"/m*.rc | grep -cvx 0)" -eq 0 ]
"$SETUPLINK" log --json >"$T/log.json"
# A COMMIT the server made but whose answer the stop cut off reads as
# 75 to the intake; its retry finds the Message-ID merged and ignores it
# (reason duplicate).  Decided once: one acceptance each, any other row a
# duplicate.
check "every message decided exactly once (one acceptance, else duplicates)" \
    [ "$($PY -c "
import json, sys
mids = open('$T/mids').read().split()
log = json.load(open('$T/log.json'))
good = 0
for m in mids:
    rows = [(e['outcome'], e.get('reason')) for e in log if e['message_id'] == m]
    if rows.count(('accepted', None)) == 1 and all(r == ('accepted', None) or r[1] == 'duplicate' for r in rows):
        good += 1
        if len(rows) > 1:
            print('# %s: committed, its answer lost, retried: %s' % (m, rows), file=sys.stderr)
    else:
        print('# %s: %s' % (m, rows), file=sys.stderr)
print(good)")" -eq 24 ]
check "... all 24 accepted" \
    [ "$($PY -c "
import json
mids = set(open('$T/mids').read().split())
print(sum(1 for e in json.load(open('$T/log.json')) if e['message_id'] in mids and e['outcome'] == 'accepted'))")" -eq 24 ]

done_testing
