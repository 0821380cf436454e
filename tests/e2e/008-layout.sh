#!/bin/sh
# 008-layout.sh: the direction of the house, checked rather than hoped for.
# Every source file's includes are followed by the compiler itself (cc -MM,
# so a header that includes another counts), and each folder may reach
# only what README's Layout section allows:
#
#	cmd/, tui/ -> mailer/intake -> mailer/send -> mailer/pgp
#	              mailer/intake -> mailer/mime <- mailer/send
#	all of them -> store/ -> catalog/ -> util/
#	mailer/probe (connection tests) -> catalog/, util/ only
#
# Also: no SQL outside store/, no source file over 800 lines.  The checker
# is first run on a small tree with one wrong include of each kind, which
# it must catch, so that this script cannot pass by seeing nothing.
. "$(dirname "$0")/../lib.sh"

PKGS="libetpan gpgme sqlite3 libcurl jansson libxml-2.0 inih libcrypto ncursesw libsodium libpq libssh libmariadb"
# shellcheck disable=SC2086
cflags="-std=c11 -D_GNU_SOURCE $(pkg-config --cflags $PKGS 2>/dev/null)"

# forbidden FOLDER: the project folders FOLDER's files may not include.
forbidden() {
	case $1 in
	util)		echo "catalog store mailer tui cmd" ;;
	catalog)	echo "store mailer tui cmd" ;;
	store)		echo "mailer tui cmd" ;;
	mailer/mime)	echo "store mailer/pgp mailer/send mailer/intake tui cmd" ;;
	mailer/pgp)	echo "store catalog mailer/mime mailer/send mailer/intake tui cmd" ;;
	mailer/probe)	echo "store mailer/pgp mailer/mime mailer/send mailer/intake tui cmd" ;;
	mailer/send)	echo "mailer/intake tui cmd" ;;
	mailer/intake)	echo "tui cmd" ;;
	mailer)		echo "tui cmd" ;;
	tui)		echo "cmd" ;;
	*)		echo "" ;;
	esac
}

# folder_of PATH: the folder whose rule applies to a source file.
folder_of() {
	case $1 in
	mailer/*/*)	_f=${1%/*} ;;
	*/*)		_f=${1%%/*} ;;
	*)		_f=. ;;
	esac
	echo "$_f"
}

# check_tree DIR: print one line per include that runs the wrong way, per
# SQL call outside store/, per file over 800 lines.
check_tree() {
	(cd "$1" && find util catalog store mailer tui cmd -name '*.[ch]' \
	    2>/dev/null | sort) | while read -r src; do
		dir=$(folder_of "$src")
		bad=$(forbidden "$dir")
		# shellcheck disable=SC2086
		deps=$(cd "$1" && cc $cflags -I. -MM -MG "$src" 2>/dev/null |
		    tr ' \\' '\n\n' | grep -v '^$' | sed 1d)
		for b in $bad; do
			for d in $deps; do
				case $d in
				"$b"/*) echo "$src includes $d ($dir may not reach $b)" ;;
				esac
			done
		done
		case $dir in
		store) ;;
		*) grep -l 'sqlite3_\|<sqlite3.h>' "$1/$src" >/dev/null 2>&1 &&
			echo "$src calls SQLite outside store/" ;;
		esac
		n=$(wc -l <"$1/$src")
		[ "$n" -gt 800 ] && echo "$src has $n lines (at most 800)"
	done
}

# The checker must see what is wrong in a tree made wrong on purpose.
B=$T/bad
mkdir -p "$B/util" "$B/store" "$B/mailer/mime" "$B/mailer/send" "$B/mailer/probe" \
    "$B/mailer/intake" "$B/tui" "$B/cmd"
echo '#include "mailer/intake/intake.h"' >"$B/util/u.c"
echo '#include "tui/tui.h"' >"$B/store/s.c"
echo '#include "store/store.h"' >"$B/mailer/mime/m.h"
echo '#include "mailer/mime/m.h"' >"$B/mailer/mime/m.c"
echo '#include "mailer/intake/intake.h"' >"$B/mailer/send/x.c"
echo '#include "cmd/cmd.h"' >"$B/tui/t.c"
echo '#include "store/store.h"' >"$B/mailer/probe/p.c"
echo 'int f(void) { return sqlite3_close(0); }' >"$B/tui/sql.c"
: >"$B/mailer/intake/intake.h"; : >"$B/tui/tui.h"; : >"$B/store/store.h"
: >"$B/cmd/cmd.h"
awk 'BEGIN { for (i = 0; i < 801; i++) print "/* */" }' >"$B/cmd/big.c"
check_tree "$B" >"$T/bad.out"
for want in "util/u.c includes mailer/intake/intake.h" \
    "store/s.c includes tui/tui.h" \
    "mailer/mime/m.c includes store/store.h" \
    "mailer/mime/m.h includes store/store.h" \
    "mailer/send/x.c includes mailer/intake/intake.h" \
    "tui/t.c includes cmd/cmd.h" "tui/sql.c calls SQLite outside store/" \
    "mailer/probe/p.c includes store/store.h" \
    "cmd/big.c has 801 lines"; do
	if contains "$T/bad.out" "$want"; then
		ok "the checker catches: $want"
	else
		not_ok "the checker misses: $want (it said: $(cat "$T/bad.out"))"
	fi
done

check_tree "$TOP" >"$T/tree.out"
if [ -s "$T/tree.out" ]; then
	not_ok "the tree keeps the direction: $(wc -l <"$T/tree.out") findings"
	sed 's/^/#   /' "$T/tree.out" | head -40
else
	ok "the tree keeps the direction: no upward include, no SQL outside store/, no file over 800 lines"
fi
n=$(cd "$TOP" && find mailer/mime -name '*.c' | wc -l)
if [ "$n" -gt 0 ]; then ok "mailer/mime holds $n source files, all checked"
else not_ok "mailer/mime holds no source file: the layout moved"; fi
done_testing
