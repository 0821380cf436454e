# 123-cli.sh: the command line as git and tmux users expect it: a group
# word with -h lists its commands, COMMAND -h describes every option, a
# refused option is named, quarantine show takes --json, an unknown
# connector is 66 everywhere, tables line up by display width, one word
# (CATEGORY) for a connector's kind, and the man page covers what the
# first hour needs.
. "$(dirname "$0")/../lib.sh"
init_home || exit 1
export LANG=C.UTF-8

# ---- group words
sl draft -h
expect_rc 0 "draft -h is help, exit 0"
check "draft -h lists every draft command's usage line" sh -c \
    "grep -q '^usage: setuplink draft new CONNECTOR --name NAME' '$T/out' &&
     grep -q '^   or: setuplink draft export ID' '$T/out' &&
     grep -q '^   or: setuplink draft set ID' '$T/out'"
check "draft -h says what each does" grep -q '^  draft rm  *remove a draft' "$T/out"
check "draft -h is not 'not a setuplink command'" lacks "$T/err" "not a setuplink command"
sl link --help
check "link --help lists link create and link revoke" sh -c \
    "grep -q 'setuplink link create DRAFT_ID' '$T/out' && grep -q 'setuplink link revoke' '$T/out'"
sl link
expect_rc 64 "a group word alone is bad usage"
check "... listing the group's commands on stderr" grep -q 'setuplink link list' "$T/err"
sl draft nosuch
expect_rc 64 "an unknown command in a group is bad usage"
check "... naming the two words and where to look" contains "$T/err" "'draft nosuch' is not a setuplink command: see setuplink draft -h"

# ---- COMMAND -h describes every option, each with its help
for c in "link create" "draft show" "intake" "log"; do
	# shellcheck disable=SC2086
	"$SETUPLINK" $c -h >"$T/h" 2>&1
	sed -n '1s/ \[--home DIR\]$//p' "$T/h" | grep -oE -- '--[a-z][a-z-]*' |
	    sort -u >"$T/opts"
	bad=
	while read -r o; do
		grep -qE -- "^  (-[a-z], )?$o( [^ ]+)?  +[a-z]|^  (-[a-z], )?$o( [^ ]+)?\$" "$T/h" || bad="$bad $o"
	done <"$T/opts"
	check "$c -h describes each of its options ($(wc -l <"$T/opts") options;$bad)" test -z "$bad"
done

# ---- a refused option is named
sl draft list --bogus
expect_rc 64 "an unknown option is bad usage"
check "... and is named ($(cat "$T/err"))" contains "$T/err" "--bogus is not an option of draft list"
sl draft list -x
check "an unknown short option is named" contains "$T/err" "-x is not an option of draft list"
sl draft list --json=1
check "a value for a switch is named" contains "$T/err" "--json takes no value"
sl link create 1 --to
check "a missing value is named with what it wants" contains "$T/err" "--to needs its value (ADDRESS)"
sl draft show 1 --h
check "an ambiguous prefix says so" contains "$T/err" "--h is ambiguous"

# ---- quarantine show --json
printf 'From: stranger@else.example\nTo: setup+aaaaaaaaaaaaaaaaaaaaaaaaaa@acme.example\nSubject: hi\nMessage-ID: <q1@else.example>\n\nhost: x\n' >"$T/unk.eml"
sl_in "$T/unk.eml" intake
sl quarantine list --json
qid=$(json 'd[0]["id"]' 2>/dev/null)
sl quarantine show "$qid" --json
expect_rc 0 "quarantine show --json is accepted"
check "... one JSON object with the entry and the message" sh -c \
    "/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"id\"]==$qid and \"stranger@else.example\" in d[\"message\"] and d[\"reason\"]==\"unknown_token\"' '$T/out'"
sl quarantine show --json 1 2>/dev/null
check "quarantine show --json ID works with the option first" test "$rc" -eq 0
sl quarantine list --json
expect_rc 0 "quarantine list --json still works"

# ---- one exit code for a missing connector
sl draft new nosuch --name X
expect_rc 66 "draft new with an unknown connector is 66"
sl connector show nosuch
expect_rc 66 "connector show of an unknown one is 66 too"

# ---- tables pad by display width
sl draft new postgres --name "Zürich Café"
sl draft new postgres --name "東京 office"
sl draft new postgres --name "plain ascii"
sl draft list
grep -E '^ +[0-9]+  ' "$T/out" >"$T/rows"
cols=$(/usr/bin/python3 -c '
import sys, unicodedata
def w(s): return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
print(" ".join(str(w(l[:l.index("postgres")])) for l in open(sys.argv[1], encoding="utf-8")))
' "$T/rows")
check "draft list's CONNECTOR column starts at one display column ($cols)" \
    sh -c "[ \$(echo '$cols' | tr ' ' '\n' | sort -u | wc -l) -eq 1 ] && [ \$(echo '$cols' | wc -w) -eq 3 ]"
sl draft new postgres --name "東京東京東京東京東京東京東京東京東京東京"
sl draft list
check "a name wider than its column is cut at a character, not a byte" \
    /usr/bin/python3 -c 'import sys; open(sys.argv[1], encoding="utf-8").read()' "$T/out"

# ---- one word: CATEGORY
sl connectors
check "connectors has a CATEGORY column" grep -q '^KEY  *NAME  *CATEGORY' "$T/out"
check "the interface says CATEGORY too, not KIND" sh -c \
    "grep -q 'CATEGORY' '$TOP/tui/screen-add.c' && ! grep -q '\" CONNECTOR  *KIND' '$TOP/tui/screen-add.c'"

# ---- the man page covers what was missing
man -l "$TOP/doc/setuplink.1" >"$T/man" 2>/dev/null
for w in "--transport t sends" "--json prints one object" "--history" \
    "--limit" "XDG_DATA_HOME" "INTERFACE" "gpg-agent" "share/setuplink/connectors" \
    "setuplink group -h"; do
	check "setuplink(1) covers '$w'" grep -qF -- "$w" "$T/man"
done

done_testing
