#!/bin/sh
# 167-webhook-watch.sh: intake --maildir --watch is a process that runs
# next: it posts the events of what it handles (merged, bounced) by
# itself, while another process may flush beside it; idle with nothing
# waiting, it still polls nothing.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
httpd_start || exit 1
printf 'w4tch-secret\n' >"$T/secret"
{
	echo "webhook_url = $HTTPD_URL/hook"
	echo "webhook_secret_file = $T/secret"
} >>"$H/setuplink.conf"
sl draft new postgres --name Watched; D=$(cat "$T/out")

# got TYPE LINK: has an event of TYPE for LINK arrived (once by id)?
got() {
	$PY - "$HTTPD_SPOOL" "$1" "$2" <<'PYEOF'
import json, os, sys
spool, t, link = sys.argv[1], sys.argv[2], int(sys.argv[3])
ids = set()
for n in os.listdir(spool):
    if n.endswith(".json"):
        e = json.loads(json.load(open(os.path.join(spool, n)))["body"])
        if e["type"] == t and e["link"] == link:
            ids.add(e["id"])
sys.exit(0 if len(ids) == 1 else 1)
PYEOF
}
wait_for() {	# wait_for TYPE LINK: up to 10 s
	_i=0
	until got "$1" "$2" || [ $_i -ge 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	got "$1" "$2"
}
waiting() {
	"$SETUPLINK" events list --json 2>/dev/null |
	    $PY -c "import json,sys; print(len(json.load(sys.stdin)))"
}

W=$T/Maildir
mkdir -p "$W/tmp" "$W/new" "$W/cur"
"$SETUPLINK" intake --maildir "$W" --watch >"$T/watch.out" 2>"$T/watch.err" &
WPID=$!
cleanup_add "kill $WPID"
sleep 0.5
check "--watch runs" _alive "$WPID"

new_link "$D" --fields host || exit 1
L1=$LINK
printf 'host: db.watched.example\n' | reply "$W/tmp/a"
mv "$W/tmp/a" "$W/new/a"
check "--watch posts the merged event of what it handled" wait_for merged "$L1"

new_link "$D" --fields port || exit 1
L2=$LINK
fill "$FIX/dsn-failed.eml" "$W/tmp/dsn"
mv "$W/tmp/dsn" "$W/new/dsn"
check "a bounce it handled: the bounced event" wait_for bounced "$L2"
check "the link is bounced" [ "$(link_state "$L2")" = bounced ]

httpd_mode down-500
new_link "$D" --fields dbname || exit 1
L3=$LINK
printf 'dbname: watched\n' | reply "$W/tmp/b"
mv "$W/tmp/b" "$W/new/b"
_i=0
while [ -f "$W/new/b" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
sleep 1
check "receiver down: the events wait, --watch still runs" \
    sh -c '[ "$1" -ge 2 ] && kill -0 "$2"' - "$(waiting)" "$WPID"
httpd_mode ok
sl events flush
expect_rc 0 "events flush beside a running --watch"
check "... the link_created event arrives, once by id" got link_created "$L3"
check "... and the merged one" got merged "$L3"
check "nothing waits" [ "$(waiting)" -eq 0 ]

# Idle with nothing waiting: no timer, as without a webhook.
sleep 0.3
timeout 1 strace -qq -p "$WPID" -o "$T/idle.trace" 2>/dev/null
check "idle, --watch makes no system call but its wait for a second (no busy loop)" \
    sh -c '[ "$(grep -cv "poll(\|resum\|restart_syscall\|detached\|+++\|---" "$1")" -eq 0 ] && ! grep -q Timeout "$1"' - "$T/idle.trace"
kill -TERM "$WPID"
_i=0
while _alive "$WPID" && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
if _alive "$WPID"; then not_ok "SIGTERM ends --watch"; else ok "SIGTERM ends --watch"; fi

done_testing
