#!/bin/sh
# 163-tui-lifecycle.sh: links over time in the interface (tmux, 80x24):
# n on a link in the Draft screen renews it (asks first), and the
# Activity view's Audit lists what admins did, never a value.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
init_home || exit 1
export LC_ALL=C.UTF-8

sl draft new postgres --name Billing; D=$(cat "$T/out")
sl draft set "$D" host=db.client.example password=Sup3r-s3cret
sl link create "$D" --to bob@client.example --fields user,password \
    --require encrypted
L1=$(sed -n 1p "$T/out")

tmux_start main 80 24 env LC_ALL=C.UTF-8 TERM=screen-256color \
    SETUPLINK_HOME="$H" "$SETUPLINK"
keys() { tmux_keys "$@"; sleep 0.2; }
shows() { tmux_wait "$1" "$2" "${3:-5}" 2>>"$T/waits"; }
jl() { sl link list --json; json "$1"; }

check "the Sources screen lists the draft" shows main "Billing"
keys main Enter
check "Enter opens the Draft screen with its link" shows main "bob@client.example"
keys main Tab n
check "n on a link asks before renewing" \
    shows main "Renew link $L1 to bob@client.example"
keys main y
check "... then renews it" shows main "Link $L1 is renewed as link $((L1 + 1))"
check "... and says where its email waits" shows main "queued in $(outbox_words)"
check "the old link is revoked" \
    test "$(jl "[l['state'] for l in d if l['id'] == $L1][0]")" = revoked
check "the new one is pending, same fields and requirement" \
    test "$(jl "[(l['state'], ','.join(l['fields']), l['require']) for l in d if l['id'] == $((L1 + 1))][0]")" = "('pending', 'user,password', 'encrypted')"
keys main Tab n
check "n on the fields still means a link for what is missing" \
    shows main "Share a setup link for draft $D"
keys main Escape
check "back on the Draft screen" shows main "bob@client.example"

# ---- reveal is audited; the Activity view's Audit tab lists it
keys main Escape
check "back on the Sources" shows main "LAST ACTIVITY"
keys main Tab
check "Tab opens the activity view, with an Audit tab" shows main "Audit ("
keys main Tab Tab
check "Tab twice: the audit log" shows main "[ Audit ("
check "... with the renewal" shows main "link renew"
check "... and the link it made" shows main "link create"
tmux_screen main >"$T/screen"
check "... never a value" lacks "$T/screen" "Sup3r-s3cret"
keys main /
keys main -l renew
keys main Enter
keys main Enter
check "Enter reads the entry" shows main "Action: link renew"
check "... naming the link it renews" shows main "renews link $L1"
keys main q q

done_testing
