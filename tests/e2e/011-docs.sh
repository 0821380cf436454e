# 011-docs.sh: the man pages cannot drift from the command table and the
# configuration table: every command in -h is in setuplink(1), and every
# option its own -h shows is in its entry there; every key init writes is
# in setuplink.conf(5); and both pages have the sections a reader looks
# for.
. "$(dirname "$0")/../lib.sh"
init_home || exit 1

"$SETUPLINK" -h | sed -n 's/^  \([a-z][a-z ]*[a-z]\)  .*/\1/p' >"$T/cmds"
check "-h lists commands" test -s "$T/cmds"
while read -r c; do
	check "setuplink(1) documents '$c'" grep -q "^\.It Ic $c\( \|$\)" "$TOP/doc/setuplink.1"
done <"$T/cmds"
# The options of COMMAND -h's usage line (--home is everyone's), each as
# "Fl -name" (or "Fl v") on one of the command's .It lines.
: >"$T/all-opts"
while read -r c; do
	# shellcheck disable=SC2086
	"$SETUPLINK" $c -h </dev/null | sed -n '1s/ \[--home DIR\]$//p' |
	    grep -oE -- '(^|[ [])--?[a-z][a-z-]*' | sed 's/^[ [|]*//' >"$T/opts"
	cat "$T/opts" >>"$T/all-opts"
	grep "^\.It Ic $c\( \|$\)" "$TOP/doc/setuplink.1" >"$T/entry"
	while read -r o; do
		check "setuplink(1) documents $c $o" \
		    grep -qE -- "Fl ${o#-}( |$)" "$T/entry"
	done <"$T/opts"
done <"$T/cmds"
check "the options were read from -h" \
    sh -c 'grep -qx -- --missing "$1" && grep -qx -- -v "$1"' - "$T/all-opts"
sed -n 's/^#\{0,1\}\([a-z_]*\) =.*/\1/p' "$H/setuplink.conf" >"$T/keys"
check "init writes every key" test "$(wc -l <"$T/keys")" -ge 20
while read -r k; do
	check "setuplink.conf(5) documents '$k'" grep -q "^\.It Ic $k " "$TOP/doc/setuplink.conf.5"
done <"$T/keys"
check "setuplink(1) has an EXIT STATUS section" grep -q '^\.Sh EXIT STATUS' "$TOP/doc/setuplink.1"
check "man renders setuplink(1)" sh -c "man -l '$TOP/doc/setuplink.1' 2>&1 | grep -q 'temporary failure'"
check "man renders setuplink.conf(5)" sh -c "man -l '$TOP/doc/setuplink.conf.5' 2>&1 | grep -q 'max_message_size'"

done_testing
