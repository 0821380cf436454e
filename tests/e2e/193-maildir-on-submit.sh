#!/bin/sh
# 193-maildir-on-submit.sh: `intake --maildir` while on_submit runs a
# command that sends mail itself (here another intake, whose rejection
# takes the lock on sending).  A pass writes a batch's answers from a
# thread while it stores the next, holding that lock meanwhile; with
# on_submit set it does them at once instead, so the command is never
# left waiting for a lock its own caller holds: the pass ends, every
# reply is merged and answered, and the command's intake is done too.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

# The lock on sending is a file in the home (a shared store's outbox
# rows are written at once anyway).
sqlite_only

init_home || exit 1
sl draft new postgres --name Hook; D=$(cat "$T/out")
M=$T/Maildir
mkdir -p "$M/tmp" "$M/new" "$M/cur"
for i in 1 2 3; do
	new_link "$D" || exit 1
	reply "$M/new/$i.reply" <<EOS
user: hook_user_$i
EOS
done
# What on_submit delivers: a reply to a token nobody made.  Its intake
# is rejected and, like every intake, then sends what is queued: it
# takes the lock on sending.
new_link "$D" || exit 1
printf 'From: Eve <eve@elsewhere.example>\nTo: %s\nSubject: Re: setup\nMessage-ID: <hook.%s@elsewhere.example>\n\nhost: evil.example\n' \
    "$(echo "$RA" | sed 's/+[^@]*@/+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@/')" "$$" \
    >"$T/forged.eml"
cat >>"$H/setuplink.conf" <<EOC
on_submit = "$SETUPLINK" intake <"$T/forged.eml" && echo ran >>"$T/hook.out"
EOC
o0=$(outbox_n)
# A hang here is the bug: bounded (SIGTERM waits for on_submit, which
# would wait forever: KILL after it), so the test says so and goes on.
timeout -k 5 60 "$SETUPLINK" intake --maildir "$M" >"$T/out" 2>"$T/err" </dev/null
rc=$?
check "--maildir with on_submit sending mail ends, exit 0 (exit $rc: $(head -c 300 "$T/err"))" \
    [ "$rc" -eq 0 ]
check "on_submit ran once per merged reply" [ "$(cat "$T/hook.out" 2>/dev/null | wc -l)" -eq 3 ]
check "every reply was decided and left new/" [ "$(ls "$M/new" | wc -l)" -eq 0 ]
check "the last merged value is in the draft" \
    sh -c 'v=$1; case $v in hook_user_[123]) exit 0;; esac; exit 1' - "$(field "$D" user)"
sl log --json
check "the three replies are logged as accepted, the hook's mail as rejected" \
    [ "$(grep -c '"outcome": *"accepted"' "$T/out")/$(grep -c 'unknown_token' "$T/out")" = 3/3 ]
check "a receipt per merged reply in outbox/" [ "$(outbox_n)" -eq $((o0 + 3)) ]

done_testing
