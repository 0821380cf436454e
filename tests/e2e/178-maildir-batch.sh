#!/bin/sh
# 178-maildir-batch.sh: `intake --maildir` over a folder of 300 mixed
# messages (accepted, forged, duplicate, bad form), stored in batches that
# share one commit and their syncs: every message is decided once (one
# log entry each, every accepted link used, one answer each in outbox/),
# the decided ones leave new/, the kept ones are in quarantine/.  Then the
# same with a kill -9 in the middle of a batch's removals (strace injects
# SIGKILL at the Nth unlink, after that batch's commit): the run after it
# only finishes the removals it finds noted, and the final state is the
# same as without the kill -- nothing judged, logged or answered twice.
# And a batch whose syncs fail is stored again a message at a time; what
# a kill leaves in tmp/ is swept.  Last, a kill while a batch's removals
# and answers lag behind the commit of the next batch.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

# Links written into the SQLite file by hand; 190 is the shared store's.
sqlite_only

init_home || exit 1
sl draft new postgres --name Batch; D=$(cat "$T/out")

# mailbox DIR TAG: 120 replies to fresh links, 60 duplicates of some of
# them, 60 bad forms to fresh links, 60 forged tokens, in one folder (the
# names shuffled, so that each kind is spread over the batches).
mailbox() {
	mkdir -p "$1/new" "$1/cur" "$1/tmp"
	$PY - "$H/setuplink.db" "$D" "$1/new" "$2" <<'PYEOF'
import base64, hashlib, os, random, sqlite3, sys, time
db, draft, new, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
c = sqlite3.connect(db)
now = int(time.time())
def link():
    tok = base64.b32encode(os.urandom(20)).decode().lower().rstrip("=")
    cur = c.execute("INSERT INTO links (draft, token_hash, recipient, "
        "created, expires, require) VALUES (?, ?, 'bob@client.example', ?, "
        "?, 'any')", (draft, hashlib.sha256(tok.encode()).hexdigest(), now,
        now + 86400))
    for pos, key in enumerate(["host", "port", "dbname", "user", "password"]):
        c.execute("INSERT INTO link_fields (link, pos, key) VALUES (?, ?, ?)",
                  (cur.lastrowid, pos, key))
    return "setup+%s@acme.example" % tok
def mail(to, mid, body):
    return ("From: Bob Client <bob@client.example>\nTo: %s\n"
        "Subject: Re: setup\nMessage-ID: <%s>\n"
        "Date: Wed, 25 Nov 2026 20:00:00 +0000\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n\n%s" % (to, mid, body))
msgs = []
for i in range(120):
    m = mail(link(), "%s.a%d@client.example" % (tag, i),
        "host: db%d.client.example\nport: 5432\ndbname: %s_%d\n"
        "user: reader\npassword: pw-%s-%d\n" % (i, tag, i, tag, i))
    msgs.append(m)
    if i % 2 == 0:
        msgs.append(m)          # the same message delivered twice
for i in range(60):
    msgs.append(mail(link(), "%s.b%d@client.example" % (tag, i),
        "port: notaport%d\n" % i))
for i in range(60):
    tok = base64.b32encode(os.urandom(20)).decode().lower().rstrip("=")
    msgs.append(mail("setup+%s@acme.example" % tok,
        "%s.f%d@forger.example" % (tag, i), "host: evil.example\n"))
c.commit()
random.seed(178)
random.shuffle(msgs)
for i, m in enumerate(msgs):
    with open("%s/%d.%04d.%s" % (new, now, i, tag), "w") as f:
        f.write(m)
PYEOF
}

# state: what the store and the folders say, one line to compare.
state() {
	$PY - "$H/setuplink.db" "$H/outbox/new" <<'PYEOF'
import os, re, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
q = lambda sql: c.execute(sql).fetchone()[0]
mids = []
for f in os.listdir(sys.argv[2]):
    m = re.search(r"^Message-ID: *(\S+)", open(os.path.join(sys.argv[2], f),
        errors="replace").read(), re.M | re.I)
    mids.append(m.group(1).strip("<>") if m else f)
rows = [r[0].strip("<>") for r in c.execute("SELECT message_id FROM outmail")]
print("log=%d twice=%d accepted=%d duplicate=%d used=%d unsent=%d "
    "outbox_twice=%d outbox_is_queue=%s notes=%d" % (
    q("SELECT count(*) FROM messages"),
    q("SELECT count(*) FROM (SELECT message_id FROM messages WHERE "
      "reason IS NOT 'duplicate' GROUP BY message_id HAVING count(*) > 1)"),
    q("SELECT count(*) FROM messages WHERE outcome = 'accepted'"),
    q("SELECT count(*) FROM messages WHERE reason = 'duplicate'"),
    q("SELECT count(*) FROM links WHERE state = 'used'"),
    q("SELECT count(*) FROM outmail WHERE sent IS NULL"),
    len(mids) - len(set(mids)), sorted(mids) == sorted(rows),
    q("SELECT count(*) FROM settings WHERE key LIKE 'maildir-decided %'")))
PYEOF
}
files() { find "$1" -type f | wc -l; }

# ---- A clean run ----
M=$T/Maildir
mailbox "$M" one
check "300 messages in new/" [ "$(files "$M/new")" -eq 300 ]
sl intake --maildir "$M"
expect_rc 0 "--maildir: exit 0"
S=$(state)
want1="log=300 twice=0 accepted=120 duplicate=60 used=120 unsent=0 outbox_twice=0 outbox_is_queue=True notes=0"
check "each message decided once, each answer in outbox/ once ($S)" \
    [ "$S" = "$want1" ]
check "new/ is empty" [ "$(files "$M/new")" -eq 0 ]
check "the 120 kept (forged, bad form) moved to cur/" \
    [ "$(files "$M/cur")" -eq 120 ]
check "... and have their copy in quarantine/" [ "$(quarantine_n)" -eq 120 ]
check "no accepted message left in the source" \
    sh -c '! grep -rqF "password: pw-one-" "$1"' - "$M"
# An answer per accepted message, and the few rejections not held back
# (answers to one sender are rate-limited); that each is there once is
# outbox_is_queue and outbox_twice above.
out1=$(files "$H/outbox/new")
check "an answer per accepted message in outbox/ ($out1)" [ "$out1" -ge 120 ]
check "a merged value is in the draft" [ "$(field "$D" dbname | cut -c1-4)" = one_ ]
check "tmp/ folders hold nothing" \
    [ "$(files "$H/quarantine/tmp")/$(files "$H/outbox/tmp")" = 0/0 ]

# ---- kill -9 between a batch's commit and the end of its removals ----
M2=$T/Maildir2
mailbox "$M2" two
# The 40th unlink falls in a batch's removals after its commit (a batch
# of 64 holds about 26 messages to remove): SIGKILL on entry to it.
strace -f -o /dev/null -e trace=unlink -e inject=unlink:signal=KILL:when=40 \
    "$SETUPLINK" intake --maildir "$M2" >"$T/out" 2>"$T/err" </dev/null
rc=$?
check "the intake was killed (exit $rc)" [ "$rc" -eq 137 ]
S=$(state)
log_after_kill=$(echo "$S" | sed 's/^log=\([0-9]*\).*/\1/')
check "some messages were decided before the kill, not all ($S)" \
    [ "$log_after_kill" -gt 300 ] && [ "$log_after_kill" -lt 600 ]
check "decided messages are noted and still in new/ ($S)" \
    sh -c 'echo "$1" | grep -q "notes=[1-9]"' - "$S"
sl intake --maildir "$M2"
expect_rc 0 "--maildir after the kill: exit 0"
S=$(state)
want2="log=600 twice=0 accepted=240 duplicate=120 used=240 unsent=0 outbox_twice=0 outbox_is_queue=True notes=0"
check "the same final state as without the kill ($S)" [ "$S" = "$want2" ]
check "an answer per accepted message in outbox/ after the kill too" \
    [ "$(files "$H/outbox/new")" -ge $((out1 + 120)) ]
check "new/ is empty" [ "$(files "$M2/new")" -eq 0 ]
check "the 120 kept moved to cur/" [ "$(files "$M2/cur")" -eq 120 ]
check "... with their copies in quarantine/" [ "$(quarantine_n)" -eq 240 ]
check "no accepted message left in the source" \
    sh -c '! grep -rqF "password: pw-two-" "$1"' - "$M2"

# ---- a batch that cannot be stored is done again a message at a time ----
# The first syncfs (the quarantine copies of the first batch) fails with
# EIO: that batch is rolled back, then each of its messages is stored in
# its own transaction; the run ends as a clean one.
M3=$T/Maildir3
mailbox "$M3" three
# The kill above may have come while the next batch's quarantine copies
# were being written (a batch is stored while the last one's removals
# run): those stay in quarantine/tmp/ until the sweep (the last section).
# Only a stray of this run's own counts here.
tmp0=$(files "$H/quarantine/tmp")
strace -f -o "$T/strace3" -e trace=syncfs -e inject=syncfs:error=EIO:when=1 \
    "$SETUPLINK" intake --maildir "$M3" >"$T/out" 2>"$T/err" </dev/null
rc=$?
check "--maildir with the first syncfs failing: exit 0 ($(head -c 300 "$T/err"))" \
    [ "$rc" -eq 0 ]
check "... a syncfs did fail" grep -q "EIO.*INJECTED" "$T/strace3"
S=$(state)
want3="log=900 twice=0 accepted=360 duplicate=180 used=360 unsent=0 outbox_twice=0 outbox_is_queue=True notes=0"
check "every message decided once all the same ($S)" [ "$S" = "$want3" ]
check "new/ is empty, the 120 kept in cur/" \
    [ "$(files "$M3/new")/$(files "$M3/cur")" = 0/120 ]
check "... with their copies in quarantine/, no stray one" \
    [ "$(quarantine_n)/$(files "$H/quarantine/tmp")" = "360/$tmp0" ]

# ---- what a kill leaves in tmp/ goes with the hourly sweep, after 36 h ----
echo stale >"$H/quarantine/tmp/1.stale"
echo stale >"$H/outbox/tmp/1.stale"
echo fresh >"$H/quarantine/tmp/2.fresh"
touch -d '-40 hours' "$H/quarantine/tmp/1.stale" "$H/outbox/tmp/1.stale"
rm -f "$H/quarantine/.swept"
sl intake --maildir "$M3"
expect_rc 0 "--maildir over an empty folder: exit 0"
check "files left in tmp/ 40 hours ago are gone" \
    [ ! -e "$H/quarantine/tmp/1.stale" ] && [ ! -e "$H/outbox/tmp/1.stale" ]
check "... a fresh one stays (a delivery may be under way)" \
    [ -e "$H/quarantine/tmp/2.fresh" ]

# ---- kill -9 while a batch's tail lags behind the next batch ----
# A batch's tail (its messages leaving new/, its answers written to
# outbox/) is done by a thread of its own while the next batch is judged
# and stored.  strace holds that thread at its first unlink (counted per
# thread: no other thread removes a file before then), so the second
# batch is stored while the first is still in new/, and the intake is
# killed then: both batches are logged and noted, nothing has left new/,
# no answer of theirs is written.  The run after it finishes both, once.
M4=$T/Maildir4
mailbox "$M4" four
out0=$(files "$H/outbox/new")
strace -f -o /dev/null -e trace=unlink \
    -e inject=unlink:delay_enter=30000000:when=1 \
    "$SETUPLINK" intake --maildir "$M4" >"$T/out" 2>"$T/err" </dev/null &
tracer=$!
logged() { $PY -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM messages").fetchone()[0])' "$H/setuplink.db"; }
i=0
while [ "$(logged)" -lt 1028 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5	# a third batch would be logged by now, were it not held
pid=$(pgrep -P $tracer setuplink)
S=$(state)
# The intake, then strace (which would sit out its timer): gone at once.
kill -9 $pid $tracer
wait $tracer
i=0
while kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "two batches stored while the first's tail was held ($S)" \
    sh -c 'echo "$1" | grep -q "^log=1028 .* notes=128$"' - "$S"
check "... none of their messages has left new/" [ "$(files "$M4/new")" -eq 300 ]
check "... none of their answers is written" [ "$(files "$H/outbox/new")" -eq "$out0" ]
sl intake --maildir "$M4"
expect_rc 0 "--maildir after the kill: exit 0"
S=$(state)
want4="log=1200 twice=0 accepted=480 duplicate=240 used=480 unsent=0 outbox_twice=0 outbox_is_queue=True notes=0"
check "every message decided once, every answer written once ($S)" \
    [ "$S" = "$want4" ]
check "new/ is empty, the 120 kept in cur/" \
    [ "$(files "$M4/new")/$(files "$M4/cur")" = 0/120 ]
check "... with their copies in quarantine/" [ "$(quarantine_n)" -eq 480 ]
check "an answer per accepted message in outbox/" \
    [ "$(files "$H/outbox/new")" -ge $((out0 + 120)) ]

done_testing
