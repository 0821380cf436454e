#!/bin/sh
# 161-webhook-kill.sh: kill -9 between the commit that queues an event and
# its delivery, and at random points of link create and events flush: no
# event is lost, each arrives at least once and, counted once by id, in
# the order it was made.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
httpd_start || exit 1
printf 'k1ll-secret\n' >"$T/secret"
{
	echo "webhook_url = $HTTPD_URL/hook"
	echo "webhook_secret_file = $T/secret"
} >>"$H/setuplink.conf"
sl draft new postgres --name Crash; D=$(cat "$T/out")

spool_n() { ls "$HTTPD_SPOOL" | grep -c '\.json$'; }
# first_links TYPE: the link ids of TYPE events in the order their ids
# first arrived (a repeat of an id counts once).
first_links() {
	$PY - "$HTTPD_SPOOL" "$1" <<'EOF'
import json, os, sys
spool, want = sys.argv[1], sys.argv[2]
seen = set()
for n in sorted(int(x[:-5]) for x in os.listdir(spool) if x.endswith(".json")):
    e = json.loads(json.load(open(os.path.join(spool, "%d.json" % n)))["body"])
    if e["type"] == want and e["id"] not in seen:
        seen.add(e["id"])
        print(e["link"])
EOF
}
waiting() {
	"$SETUPLINK" events list --json >"$T/ev.json" 2>/dev/null
	$PY -c "import json; print(' '.join(str(e['link']) for e in json.load(open('$T/ev.json'))))"
}

# ---- killed while posting: after the commit, before the answer
httpd_mode slow-5
"$SETUPLINK" link create "$D" --to a@client.example --fields host \
    >"$T/lc.out" 2>&1 &
pid=$!
i=0
until [ "$(spool_n)" -ge 1 ] || [ $i -gt 100 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
L1=$("$SETUPLINK" link list --json | $PY -c "import json,sys; print(json.load(sys.stdin)[-1]['id'])")
check "the POST had reached the receiver when link create was killed" [ "$(spool_n)" -ge 1 ]
check "the link exists and its event still waits" [ "$(waiting)" = "$L1" ]

# events flush killed while its POST waits for an answer
"$SETUPLINK" events flush >/dev/null 2>&1 &
pid=$!
i=0
until [ "$(spool_n)" -ge 2 ] || [ $i -gt 100 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
check "events flush killed mid-POST: the event still waits" [ "$(waiting)" = "$L1" ]
httpd_mode ok
sl events flush
expect_rc 0 "the next flush delivers it"
check "it arrived again, with the same id" \
    [ "$(first_links link_created | tr '\n' ' ')" = "$L1 " ]
check "nothing waits" [ -z "$(waiting)" ]

# ---- kill -9 at random points of 20 link creates, the receiver slow
httpd_mode slow-1
rand() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }
k=0
while [ $k -lt 20 ]; do
	"$SETUPLINK" link create "$D" --to "b$k@client.example" --fields host \
	    >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '0.%03d' $(( $(rand) % 600 )))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	k=$((k + 1))
done
httpd_mode ok
sl events flush
expect_rc 0 "after 20 kills, events flush exits 0"
"$SETUPLINK" link list --json | $PY -c "
import json, sys
print('\n'.join(str(l['id']) for l in json.load(sys.stdin)))" >"$T/links"
first_links link_created >"$T/got"
check "every link that exists had its link_created delivered, in order" \
    cmp -s "$T/links" "$T/got"
check "no event for a link that does not exist" \
    [ "$(wc -l <"$T/got")" -eq "$(wc -l <"$T/links")" ]
check "nothing waits" [ -z "$(waiting)" ]

done_testing
