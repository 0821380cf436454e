#!/bin/sh
# 183-shared-tui-live.sh: the interface on host A follows host B's work
# on a shared store (a real PostgreSQL, as nobody, private socket): a
# reply merged by host B's intake shows on host A's Sources screen by
# itself, through the change counter the store keeps in a table.  Run
# once, on the plain build.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/lib/dbservices.sh"
. "$TOP/tests/fixtures/replies/intake.sh"
[ "${SANITIZE:-}" = 1 ] && { ok "# skip: run on the plain build"; exit 0; }
[ "${STORE:-}" = sqlite ] && { ok "# skip: STORE=sqlite"; exit 0; }

pg_start sllive "Live-pass-$$" sllive || exit 1
URI="postgresql:///sllive?host=$T/pg/sock&port=$PG_PORT&user=sllive"
HA=$T/ha HB=$T/hb
cleanup_add "gpgconf --homedir '$HA/gnupg' --kill all; gpgconf --homedir '$HB/gnupg' --kill all"
H=$HA SETUPLINK_HOME=$HA
init_home --database "$URI" || exit 1
SETUPLINK_HOME=$HB sl init --join "$URI"
tar -C "$HA" --exclude='S.*' -cf - gnupg vault.pub vault.key token.key |
    tar -C "$HB" -xpf -
sed -i 's/^test_on_merge = .*/test_on_merge = no/' "$HB/setuplink.conf"

sl draft new postgres --name Livedraft; D=$(cat "$T/out")
new_link "$D" --fields dbname || exit 1
reply "$T/live.eml" <<EOF
dbname: livedb
EOF
tmux_start main 80 24 env LC_ALL=C.UTF-8 TERM=screen-256color \
    SETUPLINK_HOME="$HA" "$SETUPLINK"
# The draft's row: USED/PEND 0/1 while the link waits, 1/0 once used.
check "host A's interface lists the draft, its link pending" \
    tmux_wait main "Livedraft        postgres     4 missing   0/1" 10
SETUPLINK_HOME=$HB sl_in "$T/live.eml" intake
expect_rc 0 "host B's intake merges the reply"
check "host A's Sources screen shows the merge by itself within 2 s" \
    tmux_wait main "Livedraft        postgres     3 missing   1/0" 2

done_testing
