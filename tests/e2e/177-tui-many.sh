#!/bin/sh
# 177-tui-many.sh: the Sources screen over a store of 5,000 drafts, read a
# screenful at a time: newest activity first, PgDn, G and g moving through
# all of them with their ids and status, Enter opening the draft moved to,
# / finding a draft far down and Esc coming back, and a change made by
# another process showing at the top with a note.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
init_home || exit 1
export LC_ALL=C.UTF-8

sl draft new postgres --name "First draft"
# 5,000 more, made as draft new makes them (updated one second apart).
store_sql "WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < 5001)
INSERT INTO drafts (id, name, connector, created, updated)
    SELECT i, 'bulk ' || i, 'postgres', 1764000000 + i, 1764000000 + i FROM n"
# PostgreSQL's sequence knows nothing of ids given by hand.
pg_home && store_sql "SELECT setval('drafts_id_seq', 5001)" >/dev/null
sl draft list --json
check "draft list sees 5,001 drafts" test "$(json 'len(d)')" = 5001

TM="tmux -S $T/tmux.sock"
keys() { tmux_keys "$@"; sleep 0.2; }
shows() { tmux_wait "$1" "$2" "${3:-5}" 2>>"$T/waits"; }
row() { tmux_screen main | sed -n "${1}p"; }
tmux_start main 80 24 env LC_ALL=C.UTF-8 TERM=screen-256color \
    SETUPLINK_HOME="$H" "$SETUPLINK"
check "Sources opens on the newest activity" shows main "First draft"
check "... then the newest bulk draft" sh -c "tmux -S '$T/tmux.sock' capture-pane -p -t =main: | sed -n 4p | grep -Eq '^ *5001 bulk 5001 '"
keys main NPage
check "PgDn moves a page down" shows main "bulk 49"
keys main G
check "G goes to the last draft, the oldest bulk one" shows main " 2 bulk 2 "
tmux_screen main >"$T/end"
check "... with its status" grep -Eq '^ +2 bulk 2 +postgres +[0-9]+ missing' "$T/end"
check "... the rows above it in order" grep -Eq '^ +3 bulk 3 ' "$T/end"
keys main Enter
check "Enter opens the draft moved to" shows main "Draft 2: bulk 2"
keys main q
check "q goes back to the same place" shows main " 2 bulk 2 "
keys main g
check "g goes back to the top" shows main "First draft"
keys main / b u l k Space 2 5 0 0
check "/ filters every draft, not just the page" shows main "bulk 2500"
check "... counting them all" shows main "of 5001)"
keys main Escape
check "Esc clears the filter, the draft found still selected" \
    sh -c "! tmux -S '$T/tmux.sock' capture-pane -p -t =main: | grep -q 'Filter: /'"
check "... the page around it" sh -c "tmux -S '$T/tmux.sock' capture-pane -p -t =main: | grep -Eq '^ *2499 bulk 2499 '"
# Another process changes a draft far from the page shown.
sl draft set 3000 host=db.client.example
check "a change by another process is noted, whatever the page" \
    shows main "Updated just now: draft 3000" 5
keys main g
check "... and it comes to the top" sh -c "tmux -S '$T/tmux.sock' capture-pane -p -t =main: | sed -n 3p | grep -Eq '^ *3000 bulk 3000 +postgres +[0-9]+ missing'"
keys main q
tmux_stop
done_testing
