# 122-readme.sh: README's "Five minutes" runs as written.  Its indented
# block is extracted (continuation lines joined by the shell itself) and
# run with sh -e, from the top of the tree, in a temporary HOME with no
# setuplink on PATH, on a terminal (tmux) so that the password prompt is
# answered as a person would.
. "$(dirname "$0")/../lib.sh"

# The block: the indented lines after the heading, up to the first
# paragraph.
awk '/^## Five minutes/ { on = 1; next }
     on && /^## / { exit }
     on && /^    / { print substr($0, 5); seen = 1; next }
     on && seen && /^[^ ]/ { exit }' "$TOP/README.md" >"$T/five"
check "README has a Five minutes block" grep -q '^setuplink init' "$T/five"
check "the block puts setuplink on PATH before using it" \
    sh -c "sed -n '1,/^setuplink init/p' '$T/five' | grep -q PATH="
{
	echo 'set -e'
	cat "$T/five"
	echo 'echo FIVE-MINUTES-DONE'
} >"$T/five.sh"

home=$T/h
mkdir -p "$home"
path=/usr/sbin:/usr/bin:/sbin:/bin
check "no setuplink on the fresh PATH" sh -c "! PATH=$path command -v setuplink"
tm() { tmux -L "sl$$" "$@"; }
cleanup_add "tmux -L sl$$ kill-server"
tm new-session -d -x 100 -y 20 \
    "cd '$TOP' && env -i HOME='$home' PATH=$path TERM=xterm LANG=C.UTF-8 \
     sh '$T/five.sh' >'$T/five.out' 2>&1; echo \$? >'$T/five.rc'; sleep 60"
# Answer the password prompt when it comes (make may build first).
i=0
while [ $i -lt 1200 ] && ! grep -q 'password): ' "$T/five.out" 2>/dev/null &&
    [ ! -f "$T/five.rc" ]; do
	sleep 0.5; i=$((i + 1))
done
tm send-keys -l 'S3cret-Five-Minutes'
tm send-keys Enter
i=0
while [ $i -lt 240 ] && [ ! -f "$T/five.rc" ]; do sleep 0.5; i=$((i + 1)); done
tm capture-pane -p >"$T/pane"
rc=$(cat "$T/five.rc" 2>/dev/null || echo none)
check "the Five minutes block runs to its end (exit $rc: $(grep -v '^  ' "$T/five.out" | tail -4))" \
    sh -c "[ '$rc' = 0 ] && grep -q FIVE-MINUTES-DONE '$T/five.out'"
check "it installed setuplink under ~/.local/bin" test -x "$home/.local/bin/setuplink"
check "the password was asked for" grep -q 'password): ' "$T/five.out"
check "the password never shows (output, screen)" sh -c \
    "! grep -q S3cret '$T/five.out' '$T/pane'"
check "draft show masks the secret" grep -q '\*\*\*\*\*\*\*\*' "$T/five.out"
check "the setup email waits in outbox/new" \
    test "$(ls "$home/setuplink-try/outbox/new" | wc -l)" -eq 1
check "link list shows the pending link" grep -q 'pending  *it@client.example' "$T/five.out"
export SETUPLINK_HOME=$home/setuplink-try
sl draft export 1 --format env
check "the password typed at the prompt is the draft's" contains "$T/out" "S3cret-Five-Minutes"

done_testing
