# 060-tui.sh: the interface in a real terminal (tmux): adding a source and
# sharing its link, a reply merged by the intake from another shell showing
# up by itself, revealing and revoking, the activity view, help, resizing,
# UTF-8 and hostile names, colour off with NO_COLOR, quitting with q and
# with SIGTERM.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
init_home || exit 1
export LC_ALL=C.UTF-8	# tmux reads keys and the screen as UTF-8

TM="tmux -S $T/tmux.sock"
# An $EDITOR that writes a PEM certificate into the file it is given (a
# real one: the field declares pem_certificate, which OpenSSL checks).
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ca.key" -subj /CN=ca \
    -days 2 -out "$T/ca.pem" 2>/dev/null
CERT2=$(sed -n 2p "$T/ca.pem")
printf '#!/bin/sh\ncat "%s" >"$1"\n' "$T/ca.pem" >"$T/ed.sh"
chmod +x "$T/ed.sh"
# tui NAME [ENV...]: the interface in an 80x24 session NAME; its exit
# status lands in $T/status.NAME (tmux may be slow to reap it).
tui() {
	_n=$1; shift
	rm -f "$T/status.$_n"
	tmux_start "$_n" 80 24 sh -c 'env "$@"; echo $? >"$0"' "$T/status.$_n" \
	    LC_ALL=C.UTF-8 TERM=screen-256color SETUPLINK_HOME="$H" \
	    EDITOR="$T/ed.sh" "$@" "$SETUPLINK"
}
# tui_pid NAME: the interface's process id (the child of the pane's shell).
tui_pid() { pgrep -P "$(pane "$1" '#{pane_pid}')" | head -1; }
keys() { tmux_keys "$@"; sleep 0.15; }
screen() { tmux_screen "$1" >"$T/screen"; }
shows() { tmux_wait "$1" "$2" "${3:-5}" 2>>"$T/waits"; }
pane() { $TM display -p -t "=$1:" "$2"; }
jl() { sl link list --json; json "$1"; }
# dead NAME: the interface's exit status, once it has exited.
dead() {
	_i=0
	while [ ! -s "$T/status.$1" ] && [ $_i -lt 30 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	cat "$T/status.$1" 2>/dev/null
}

# ---- first screen, then add a source with a UTF-8 name and share it
tui main
check "the Sources screen opens, empty" shows main "No draft sources yet"
check "... with the keys on the last line at 80x24" \
    sh -c "$TM capture-pane -p -t =main: | sed -n 24p | grep -q 'q:quit'"
keys main a
check "a opens the connector picker" shows main "Type to search"
keys main -l postgres
check "typing filters the connectors" shows main "(1 of "
keys main Enter
check "Enter opens the connector's form" shows main "Add a PostgreSQL source"
check "the form shows the share button on top" shows main "[ Share setup link ]"
screen main
check "rows carry a required mark and a type hint" \
    grep -qE 'Port \*.*5432.*\(1-65535\)' "$T/screen"
keys main -l "Büro Ω 東京 DB"
keys main Tab
keys main -l db.client.example
keys main Tab Tab Tab Tab
keys main -l "s3cr3t-pw"
screen main
check "a secret is typed masked" grep -q 'Password \*  *\*\*\*\*\*\*\*\*\*' \
    "$T/screen"
check "... and its value is not on the screen" lacks "$T/screen" s3cr3t-pw
check "the focused field's help shows" contains "$T/screen" "-- Password"
# Up to the button: Password, User, Database, Port, Host, Name, Save, Share.
keys main Up Up Up Up Up Up Up
keys main Enter
check "Share setup link saves the draft and opens the dialog" \
    shows main "Share a setup link for draft 1"
sl draft show 1 --json --reveal
check "the draft holds what was typed (UTF-8 name, host, secret)" \
    test "$(json 'd["name"] + "|" + [f["value"] for f in d["fields"] if
	f["key"] == "host"][0] + "|" + [f["value"] for f in d["fields"] if
	f["key"] == "password"][0]')" = "Büro Ω 東京 DB|db.client.example|s3cr3t-pw"
keys main -l "not an address"
keys main Down Down Down Down Down Down
keys main Enter
check "a bad recipient is refused in a sentence" \
    shows main "Nothing was sent: Recipient: must be an email address"
keys main Up Up Up Up Up Up
keys main C-u
keys main -l rita@client.example
keys main Down Down Down Down Down
keys main Enter
check "Preview shows the email's text" shows main "Preview: the email to"
keys main G
check "... with its form" shows main "--- end of setup form ---"
keys main Escape
keys main Down Enter
check "Send creates link 1 and says its email is queued, not sent" shows main "Link 1 queued, not sent"
check "... the URL" shows main "mailto:setup+"
outbox_copy "$T/outbox"
check "the email lands in the outbox" \
    sh -c 'grep -l "rita@client.example" "$1"/* >/dev/null' - "$T/outbox"
check "link list shows it pending, for what is missing" \
    test "$(jl '[l["state"] for l in d if l["id"] == 1][0] + ":" +
	",".join(d[0]["fields"])')" = "pending:dbname,user"
$TM set -s set-clipboard on
keys main y
sleep 0.3
check "y copies the mailto URL through OSC 52" \
    sh -c "$TM show-buffer 2>/dev/null | grep -q '^mailto:setup+'"
keys main Escape
keys main Escape
check "back to the sources" shows main "LAST ACTIVITY"
screen main
check "the UTF-8 name is drawn whole" contains "$T/screen" "Büro Ω 東京 DB"
$PY - "$T/screen" <<'EOF' && ok "columns line up after wide characters" ||
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
head = [l for l in lines if "CONNECTOR" in l][0]
row = [l for l in lines if "Büro" in l][0]
# 東京 takes two columns each: the column is the display width before it.
import unicodedata
def col(s, sub):
    i = s.index(sub)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s[:i])
sys.exit(0 if col(head, "CONNECTOR") == col(row, "postgres") else 1)
EOF
not_ok "columns line up after wide characters"

# ---- a reply merged by the intake in another shell shows by itself
f=$(grep -l "rita@client.example" "$T"/outbox/* | head -1)
rcpt=$(sed -n 's/^Reply-To: *//Ip' "$f" | head -1 | tr -d '\r<>' |
    sed 's/.* //')
printf 'From: Rita <rita@client.example>\nTo: %s\nSubject: Re: setup\nMessage-ID: <r1@client.example>\n\n%s\ndbname: billing\nuser: rita\n' \
    "$rcpt" "--- setup form for link 1: keep the names left of the colons ---" \
    >"$T/reply.eml"
sl_in "$T/reply.eml" intake
expect_rc 0 "the intake merges the reply (another process)"
check "the Sources screen updates within 2 s, with a note" \
    shows main "Updated just now" 2
# The row may be drawn a moment after the note: wait for it, up to 3 s.
_i=0
while ! tmux_screen main | grep -q 'Büro.*complete' && [ $_i -lt 30 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
screen main
check "... the draft is complete now" grep -q 'Büro.*complete' "$T/screen"

# ---- a hostile name: escape sequences drawn as '?'
sl draft new postgres --name "Plain"
c=char	# SQLite's char(N), PostgreSQL's chr(N)
pg_home && c=chr
store_sql "UPDATE drafts SET name = 'evil' || $c(27) ||
    ']2;pwned' || $c(7) || $c(27) || '[2J' || $c(27) || '[31mRED'
    || $c(155) || 'x', updated = updated + 100 WHERE id = 2"
check "an escape sequence in a name is drawn harmlessly" \
    shows main "evil?]2;pwned??[2J?[31m" 3
check "... the terminal's title did not change" \
    sh -c "! $TM display -p -t =main: '#{pane_title}' | grep -q pwned"
screen main
check "... and the screen was not cleared by it" contains "$T/screen" \
    "LAST ACTIVITY"

# ---- reveal: masked first, the value after y
keys main /
keys main -l Büro
keys main Enter
keys main Enter
check "Enter opens the draft" shows main "Draft 1: Büro"
check "its sources are shown (the reply, the link)" shows main \
    "reply rita@client.example"
keys main j j j j
screen main
check "the secret is masked" grep -q 'password \*  *\*\*\*\*\*\*\*\*' \
    "$T/screen"
check "... its value is not on the screen" lacks "$T/screen" s3cr3t-pw
keys main r
check "r asks first" shows main "Show the value of password on the screen? (y/n)"
keys main n
screen main
check "n keeps it masked" lacks "$T/screen" s3cr3t-pw
keys main r y
check "y reveals it" shows main "s3cr3t-pw"
keys main h
check "h shows the field's history" shows main "History of password in draft 1"
keys main q

# ---- e edits a field: checked, and a file field through $EDITOR
keys main k k k k e
check "e asks for the value in the status line" shows main "Host (string): db.client"
keys main C-u
keys main -l db2.client.example
keys main Enter
check "a valid value is set" shows main "Host is set."
keys main j e C-u
keys main -l 99999
keys main Enter
check "an invalid one is refused in a sentence" shows main "Nothing was changed: port"
keys main j j j j j e
check "a file field asks for a path or ^E" shows main "CA certificate (a path"
keys main C-e
sleep 0.5
check "... ^E fills it from \$EDITOR" shows main "lines, "
keys main Enter
check "... and Enter sets it" shows main "CA certificate is set."
sl draft show 1 --json --reveal
check "the draft holds the editor's file and the new host" test "$(json '
	[f["value"] for f in d["fields"] if f["key"] == "sslrootcert"][0].split(
	"\n")[1] + "|" + [f["value"] for f in d["fields"] if f["key"] ==
	"host"][0]')" = "$CERT2|db2.client.example"

# ---- revoke: a second link, pending, revoked with R after y
sl link create 1 --to it@client.example --fields password
expect_rc 0 "a second link from the command line"
check "the draft screen lists it by itself" shows main "it@client.example" 3
keys main Tab j R
check "R asks first" shows main "Revoke link 2 to it@client.example?"
keys main y
check "... then revokes it" shows main "Link 2 is revoked"
check "link list --json shows it revoked" \
    test "$(jl '[l["state"] for l in d if l["id"] == 2][0]')" = revoked

# ---- activity and help
keys main Escape
keys main Tab
check "Tab opens the activity view" shows main "Log (1)"
check "... listing the accepted reply" shows main "accepted"
keys main '?'
check "? shows every key of the screen" shows main "Keys on the Activity screen"
screen main
check "... the retry key among them" contains "$T/screen" "run the intake"
keys main q q
check "q goes back" shows main "LAST ACTIVITY"
keys main '?'
check "help on Sources names a, s, d and /" sh -c "$TM capture-pane -p -t \
    =main: | grep -q '^ *a  ' && $TM capture-pane -p -t =main: |
    grep -q 'delete the draft'"
keys main q

# ---- d deletes a draft, after y
keys main / C-u
keys main -l evil
keys main Enter d
check "d asks first" shows main "Delete draft 2"
keys main y
check "... then deletes it" shows main "Draft 2 is deleted"
sl draft list --json
check "draft list no longer has it" test "$(json '[x["id"] for x in d]')" = "[1]"
keys main / Escape

# ---- resize
$TM resize-window -t =main: -x 60 -y 15
sleep 0.5
screen main
check "a smaller window redraws" sh -c 'sed -n 15p "$1" | grep -q "Enter:open" &&
    grep -q "^ *ID NAME" "$1"' - "$T/screen"
$TM resize-window -t =main: -x 80 -y 24
sleep 0.5
screen main
check "back at 80x24 it redraws whole" sh -c 'sed -n 24p "$1" |
    grep -q "q:quit" && grep -q "LAST ACTIVITY" "$1"' - "$T/screen"

# ---- idle: no busy loop
pid=$(tui_pid main)
t0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
sleep 3
t1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
check "idle for 3 s it uses under 0.3 s of CPU" test $((t1 - t0)) -lt 30

# ---- q quits; SIGTERM quits; nothing is left running
keys main q
sleep 0.5
check "q on Sources quits" test "$(pane main '#{pane_dead}')" = 1
st=$(dead main)
check "... with status 0 (got '$st')" test "$st" = 0
check "... leaving no process" sh -c "! kill -0 $pid 2>/dev/null ||
    ps -o stat= -p $pid | grep -q Z"
check "... and the terminal out of the interface's screen" \
    test "$(pane main '#{alternate_on}')" = 0

tui term
shows term "LAST ACTIVITY" >/dev/null
pid=$(tui_pid term)
kill -TERM "$pid"
sleep 1
check "SIGTERM quits" test "$(dead term)" = 0
check "... leaving no process" sh -c "! kill -0 $pid 2>/dev/null ||
    ps -o stat= -p $pid | grep -q Z"
check "... cleanly, the screen given back" \
    test "$(pane term '#{alternate_on}')" = 0

# ---- colour: on where the terminal has it, off with NO_COLOR
tui colour
shows colour "LAST ACTIVITY" >/dev/null
$TM capture-pane -p -e -t =colour: >"$T/colour"
check "colour on a colour terminal" grep -q "$(printf '\033')\[3[0-7]m" \
    "$T/colour"
tui nocolour NO_COLOR=1
shows nocolour "LAST ACTIVITY" >/dev/null
$TM capture-pane -p -e -t =nocolour: >"$T/nocolour"
check "no colour with NO_COLOR" sh -c "! grep -q \"$(printf '\033')\[[34][0-7]m\" \"\$1\"" \
    - "$T/nocolour"
check "... the selection still shows (reverse video)" \
    grep -qE "$(printf '\033')\[([0-9]+;)*7m" "$T/nocolour"
tui mono TERM=vt100
shows mono "LAST ACTIVITY" >/dev/null
$TM capture-pane -p -e -t =mono: >"$T/mono"
check "no colour on a terminal without it" sh -c "! grep -q \"$(printf '\033')\[[34][0-7]m\" \"\$1\"" \
    - "$T/mono"
for s in term colour nocolour mono; do tmux_stop_session "$s"; done

# ---- the first run: no home yet
H2=$T/fresh
tmux_start first 80 24 env LC_ALL=C.UTF-8 TERM=screen-256color \
    SETUPLINK_HOME="$H2" "$SETUPLINK"
check "with no home, the first-run screen asks" shows first "There is no setuplink home"
keys first -l "Nord Data"
keys first Tab
keys first -l "Nina <nina@nord.example>"
keys first Tab
keys first -l "setup@nord.example"
keys first Tab Tab Enter
check "... and makes the home, then shows the sources" \
    shows first "The home is ready" 20
check "... the same home setuplink init makes" test -f "$H2/setuplink.conf"
keys first q

[ -s "$T/waits" ] && cat "$T/waits" >&2
done_testing
