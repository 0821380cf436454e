#!/bin/sh
# 112-quarantine-term.sh: an outsider's message shown on the admin's
# terminal changes nothing but the text it shows.  `quarantine show` in a
# tmux pane: escape sequences that would retitle the pane, clear the
# screen, move the cursor over earlier text, set the clipboard (OSC 52)
# or reverse a line (bidi overrides) arrive as visible text; piped into a
# file the message stays byte for byte.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
ESC=$(printf '\033') BEL=$(printf '\007')
{
	printf 'From: Mallory <mallory@evil.example>\n'
	printf 'To: setup+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@acme.example\n'
	printf 'Subject: hello %s]0;PWNED-SUBJECT%s\n' "$ESC" "$BEL"
	printf 'Message-ID: <esc.%s@evil.example>\n\n' "$$"
	printf 'title: %s]2;PWNED-TITLE%s\n' "$ESC" "$BEL"
	printf 'clear: %s[2J%s[H\n' "$ESC" "$ESC"
	printf 'clipboard: %s]52;c;UFdORUQtQ0xJUA==%s\n' "$ESC" "$BEL"
	printf 'overwrite: %s[1A%s[2KFAKE-LINE\n' "$ESC" "$ESC"
	printf 'csi8: \302\233'"2J and a raw \233"'2J\n'
	printf 'bidi: \342\200\256txet desrever\n'
	printf 'end of message\n'
} >"$T/esc.eml"
intake "$T/esc.eml"
expect_log rejected unknown_token "(the message is quarantined)"
QID=$(log0 "e['id']")

# show CMD...: run CMD in a fresh tmux pane after "before-marker", once the
# pane's title is set; wait for "after-marker".  The pane stays alive a
# while after it, so tmux's "Pane is dead" line cannot scroll the screen
# before it is read.
n=0
show() {
	n=$((n + 1))
	rm -f "$T/go"
	tmux_start "s$n" 100 40 env SETUPLINK_HOME="$H" TERM=screen sh -c \
	    "echo before-marker; while [ ! -f '$T/go' ]; do sleep 0.1; done; $*; echo after-marker; sleep 5" ||
	    return 1
	tmux -S "$T/tmux.sock" set -g set-clipboard on
	tmux -S "$T/tmux.sock" select-pane -t "=s$n:" -T keep-title
	tmux_wait "s$n" before-marker 10 || return 1
	: >"$T/go"
	tmux_wait "s$n" after-marker 20
}
title() { tmux -S "$T/tmux.sock" display -p -t "=s$n:" '#{pane_title}'; }
buffers() { tmux -S "$T/tmux.sock" list-buffers 2>/dev/null | wc -l; }

# The control: the same message written raw does what it says (the
# kept copy is sealed, so the control is the message as sent).
show "cat '$T/esc.eml'" || exit 1
check "(control) raw, the message retitles the pane" [ "$(title)" != keep-title ]
tmux_screen "s$n" >"$T/raw.screen"
check "(control) raw, it clears the screen" lacks "$T/raw.screen" "From: Mallory"
tmux_stop

b0=$(buffers)
show "'$SETUPLINK' quarantine show $QID" || exit 1
tmux_screen "s$n" >"$T/screen"
check "quarantine show: the pane's title is unchanged" [ "$(title)" = keep-title ]
check "... the screen was not cleared (what came before the clear stays)" \
    sh -c 'grep -q "^From: Mallory" "$1" && grep -q "^Message-ID: <esc" "$1"' - "$T/screen"
check "... the escapes read as text (^[]2;PWNED-TITLE^G)" \
    contains "$T/screen" "title: ^[]2;PWNED-TITLE^G"
check "... the header's too" contains "$T/screen" "hello ^[]0;PWNED-SUBJECT^G"
check "... the clear-screen sequence shows" contains "$T/screen" "clear: ^[[2J^[[H"
check "... no line was overwritten" contains "$T/screen" "overwrite: ^[[1A^[[2KFAKE-LINE"
check "... nor the clipboard written" [ "$(buffers)" -eq "$b0" ]
check "... an 8-bit CSI shows as a code point, a stray byte as hex" \
    contains "$T/screen" 'csi8: <U+009B>2J and a raw \x9b2J'
check "... a bidi override shows instead of reversing the line" \
    contains "$T/screen" "bidi: <U+202E>txet desrever"
check "... the message is shown to its end" contains "$T/screen" "end of message"
tmux_stop

# Piped, the message stays as it came.
"$SETUPLINK" quarantine show "$QID" >"$T/piped" 2>"$T/err"
check "piped: byte for byte the message" cmp -s "$T/piped" "$T/esc.eml"

done_testing
