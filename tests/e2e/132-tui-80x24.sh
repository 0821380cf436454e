#!/bin/sh
# 132-tui-80x24.sh: the interface at 80x24 (tmux), as a new admin meets
# it: Sources shows the draft ids the CLI takes, links as used/pending and
# the mail waiting in outbox/; the picker sorted by name; the help key on
# every key bar; errors by field label, all at once, wrapped whole; the
# preview with From/To/Subject and REF; "queued in outbox/, not sent";
# "Sending to HOST..." with Esc to cancel; Esc on a typed form asks; the
# mailto URL alone for a mouse copy; honest OSC 52 under tmux; the whole
# WHY in Activity; the first run choosing and testing the transport.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
init_home || exit 1
export LC_ALL=C.UTF-8

TM="tmux -S $T/tmux.sock"
tui() {
	_n=$1; _h=$2; shift 2
	tmux_start "$_n" 80 24 env LC_ALL=C.UTF-8 TERM=screen-256color \
	    SETUPLINK_HOME="$_h" "$@" "$SETUPLINK"
}
keys() { tmux_keys "$@"; sleep 0.2; }
screen() { tmux_screen "$1" >"$T/screen"; }
shows() { tmux_wait "$1" "$2" "${3:-5}" 2>>"$T/waits"; }
line() { tmux_screen "$1" | sed -n "${2}p"; }
waiting() { outbox_all; }

sl draft new postgres --name "Billing DB"
sl draft new postgres --name "Second"
sl link create 2 --to rita@client.example --fields host

# ---- Sources: ids, used/pending, the outbox
tui main "$H"
check "Sources opens" shows main "Billing DB"
screen main
check "the header has the CLI's ID and USED/PEND" grep -q "^ *ID NAME .*USED/PEND" "$T/screen"
check "each row starts with the draft id" grep -Eq "^ +2 Second +postgres .* 0/1 " "$T/screen"
check "the waiting email is said, with how to send it" \
    grep -q "1 email waits in $(outbox_words), not sent: send it with setuplink" "$T/screen"
check "the key bar ends with ?:help" sh -c 'sed -n 24p "$1" | grep -q "?:help *$"' - "$T/screen"

# ---- the picker: by name
keys main a
check "a opens the picker" shows main "Type to search" 3 || shows main "CONNECTOR"
screen main
$PY - "$T/screen" <<'EOF' && ok "the picker is sorted by name (BigQuery under G)" ||
import sys
rows = [l[1:24].strip() for l in open(sys.argv[1], encoding="utf-8").read().split("\n")[2:22]]
names = [r for r in rows if r]
ok = names == sorted(names, key=str.lower) and names.index("Google BigQuery") > names.index("ClickHouse")
sys.exit(0 if ok else 1)
EOF
not_ok "the picker is sorted by name (BigQuery under G)"

# ---- Esc on a form with typed values asks
keys main -l postgres
keys main Enter
check "the add form opens" shows main "Add a PostgreSQL source"
keys main -l "Typed name"
keys main Escape
check "Esc with typed values asks first" shows main "Leave this form? What you typed here is not saved."
keys main n
check "n stays on the form" shows main "Typed name"
keys main Tab Tab C-u
keys main -l 99999
keys main Up Up Up Enter
check "a bad value is named by its label, not its key" shows main "Nothing was saved: Port:"
check "... the cursor on its row" sh -c "$TM capture-pane -p -t =main: | grep -q '^> Port'"
keys main Escape y
check "y leaves it" shows main "CONNECTOR"
keys main Escape
check "Esc on the untouched picker leaves at once" shows main "USED/PEND"

# ---- the Draft screen's key bar keeps its help key
keys main Enter
check "Enter opens a draft" shows main "Draft "
check "the Draft screen's key bar ends with its help key" \
    sh -c "$TM capture-pane -p -t =main: | sed -n 24p | grep -Eq '(\?|F1):help *$'"
keys main Escape

# ---- share: every bad field by its label, the cursor on the first
keys main /
keys main -l Billing
keys main Enter s
check "s opens the share dialog" shows main "Share a setup link for draft 1"
keys main -l "not an address"
keys main Down C-u
keys main -l 200d
keys main Down Down Down Down Down Enter
check "both problems at once, by the form's labels" \
    shows main "Recipient: must be an email address"
screen main
check "... the expiry by its label, not --expires" \
    sh -c 'grep -q "Expires in: at most 90d" "$1" && ! grep -q -- "--expires" "$1"' - "$T/screen"
check "... the cursor moved to the first bad row" grep -q "^> Recipient" "$T/screen"
check "... the long error is wrapped whole, not cut" \
    sh -c '! grep -q "~$" "$1" && grep -q "link_expiry_max in setuplink.conf" "$1"' - "$T/screen"

# ---- the preview: headers and REF
keys main C-u
keys main -l rita@client.example
keys main Down C-u
keys main -l 3d
keys main Down Down Down Down Enter
check "Preview opens" shows main "Preview: the email to rita@client.example"
screen main
check "the preview shows From, To and Subject" sh -c '
	grep -q "From: Ann Admin via Acme Data (setuplink) <setup+TOKEN@acme.example>" "$1" &&
	grep -q "^ *To: rita@client.example" "$1" &&
	grep -q "Subject: Acme Data asks for PostgreSQL settings: Billing DB" "$1"' - "$T/screen"
keys main /
keys main -l "form for link"
check "the form names REF, not link 0" shows main "setup form for link REF:"
check "... never link 0" sh -c "! $TM capture-pane -p -t =main: | grep -q 'for link 0'"
keys main Escape Escape

# ---- send with the maildir transport: queued, said so
n0=$(waiting)
keys main Down Enter
# What the result says, where 80 columns do not cut it.
queued_words() {
	if pg_home; then echo "QUEUED in the shared"; else echo "QUEUED in outbox/, NOT"; fi
}
check "the result says queued, not sent" shows main "$(queued_words)"
check "... and how to send it" shows main "setuplink outbox flush"
check "the title says it too" shows main "queued, not sent"
check "the email waits in outbox/" [ "$(waiting)" = $((n0 + 1)) ]

# ---- OSC 52 under tmux's default set-clipboard (external): honest
$TM set -s set-clipboard external
keys main y
check "y under set-clipboard external says it likely did not copy" \
    shows main "tmux drops OSC 52"
screen main
check "... and how to enable it, naming the setting it found" sh -c 'grep -q "set-clipboard on" "$1" && grep -q "it is external" "$1"' - "$T/screen"
check "... never a bare Copied" lacks "$T/screen" "Copied"

# ---- u: the URL alone, unbroken for a mouse copy
keys main u
check "u shows the URL alone" shows main "Press Enter to go back"
$TM capture-pane -p -J -t =main: >"$T/joined"
check "the URL is one unbroken line (a mouse copy takes it whole)" \
    grep -Eq "^mailto:setup\+[a-z2-7]+@acme.example\?subject=.*end%20of%20setup%20form" "$T/joined"
keys main Enter
check "Enter goes back" shows main "queued, not sent"
keys main Escape
tmux_stop_session main

# ---- a silent server: "Sending to HOST...", Esc cancels, the email stays queued
$PY - "$T/silent.port" >/dev/null 2>&1 <<'EOF' &
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(5)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
conns = []
while True:
    c, _ = s.accept(); conns.append(c)   # accept, never greet
EOF
silent=$!
cleanup_add "kill $silent"
i=0; while [ ! -s "$T/silent.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sport=$(cat "$T/silent.port")
sed -i '/^#\{0,1\}transport *=/d' "$H/setuplink.conf"
echo "transport = smtp://127.0.0.1:$sport" >>"$H/setuplink.conf"
tui slow "$H"
shows slow "Billing DB"
keys slow /
keys slow -l Second
keys slow Enter s
shows slow "Share a setup link for draft 2"
keys slow -l olga@client.example
keys slow Down Down Down Down Down Down Enter
check "before blocking it draws Sending to HOST..." shows slow "Sending to 127.0.0.1:$sport..."
screen slow
check "... saying Esc cancels" grep -q "Esc cancels" "$T/screen"
n0=$(waiting)
keys slow Escape
check "Esc cancels the send" shows slow "cancelled" 10
check "the link is made and its email queued, not lost" shows slow "$(queued_words)"
check "the email waits in outbox/" [ "$(waiting)" = $((n0 + 1)) ]
sl link list --json
check "the link stays pending" [ "$(json '[l["state"] for l in d if l["to"] == "olga@client.example"][0]')" = pending ]
tmux_stop_session slow
sed -i '/^#\{0,1\}transport *=/d' "$H/setuplink.conf"
echo "transport = maildir" >>"$H/setuplink.conf"

# ---- Activity: the whole WHY of the selected entry
printf 'From: x@client.example\nTo: setup+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@acme.example\nSubject: hi\nMessage-ID: <u1@client.example>\n\nhost: a\n' >"$T/unknown.eml"
sl_in "$T/unknown.eml" intake
tui act "$H"
shows act "Billing DB"
keys act Tab
check "Activity opens" shows act "Log ("
check "the selected entry's whole reason shows below the list" \
    shows act "-- why (message 1): unknown_token"
screen act
check "the header's WHY column starts at 55 (was 61)" \
    sh -c 'grep "^WHEN" "$1" | grep -q "^.\{55\}WHY"' - "$T/screen"
keys act Enter
check "an entry's details use local time with offset, not RFC 3339" \
    sh -c "$TM capture-pane -p -t =act: | grep -Eq 'When: +[0-9-]+ [0-9:]+ [+-][0-9]{4}'"
tmux_stop_session act

# ---- the first run: which transport, and a test of it (a sendmail
# program of our own records what it is handed)
cat >"$T/sendmail" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$T/sm.args"
cat >"$T/sm.in"
EOF
chmod 755 "$T/sendmail"
H2=$T/fresh
tui first "$H2"
check "the first run asks how mail leaves" shows first "Send mail by"
screen first
check "... the intro is wrapped whole, not cut" \
    sh -c 'grep -q "smtp sends" "$1" && ! grep -q "~$" "$1"' - "$T/screen"
keys first -l "Nord Data"
keys first Tab
keys first -l "Nina <nina@nord.example>"
keys first Tab
keys first -l "setup@nord.example"
keys first Tab Right Right
check "smtp shows the server row" shows first "Server or program"
keys first Left
check "sendmail offers the local program" shows first "/usr/sbin/sendmail"
keys first Tab C-u
keys first -l "$T/sendmail"
keys first Tab Enter
check "Test sends a test email" shows first "A test email left through sendmail:$T/sendmail" 15
check "... which the program was handed, for the admin" \
    sh -c 'tail -1 "$1" | grep -qx "nina@nord.example" && grep -q "^Subject: setuplink: a test" "$2"' \
    - "$T/sm.args" "$T/sm.in"
keys first Tab Enter
check "the home is made" shows first "The home is ready" 20
check "... with the transport chosen" grep -qx "transport = sendmail:$T/sendmail" "$H2/setuplink.conf"
tmux_stop_session first

[ -s "$T/waits" ] && cat "$T/waits" >&2
done_testing
