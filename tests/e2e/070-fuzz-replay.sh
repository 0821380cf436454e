#!/bin/sh
# 070-fuzz-replay.sh: every fuzz target (fuzz/fuzz_*.c) built without
# libFuzzer, with the normal cc and fuzz/replay_main.c (and the sanitizers
# under SANITIZE=1), replaying its committed corpus (fuzz/corpus/T/), every
# crash ever found (fuzz/regressions/T/) and, for the targets that read
# whole messages, the test fixtures.  One "ok - T: N inputs" line a target;
# a failure names the inputs that crashed, broke a contract or hung.
. "$(dirname "$0")/../lib.sh"
: "${BUILD:=$TOP/build}"
CC=${CC:-cc}
PKGS="libetpan gpgme sqlite3 libcurl jansson libxml-2.0 inih libcrypto libsodium"
LIBA=$BUILD/libsetuplink.a

if [ ! -f "$LIBA" ]; then
	not_ok "fuzz replay: $LIBA is missing (make first)"
	done_testing
fi
# shellcheck disable=SC2086 # PKGS is a list
cflags="-std=c11 -D_GNU_SOURCE -I$TOP -O1 -g -Wall -Wextra -Werror
    -Wno-unused-parameter $(pkg-config --cflags $PKGS)"
[ "${SANITIZE:-}" = 1 ] && cflags="$cflags -fsanitize=address,undefined
    -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
# shellcheck disable=SC2086
libs=$(pkg-config --libs $PKGS)

targets=0
for src in "$TOP"/fuzz/fuzz_*.c; do
	[ -f "$src" ] || continue
	t=$(basename "$src" .c)
	t=${t#fuzz_}
	targets=$((targets + 1))
	bin=$T/replay_$t
	# shellcheck disable=SC2086
	if ! $CC $cflags -o "$bin" "$src" "$TOP/fuzz/replay_main.c" "$LIBA" \
	    $libs >"$T/cc.out" 2>&1; then
		not_ok "$t: the target does not build: $(head -c 600 "$T/cc.out")"
		continue
	fi
	set --
	[ -d "$TOP/fuzz/corpus/$t" ] && set -- "$@" "$TOP/fuzz/corpus/$t"
	[ -d "$TOP/fuzz/regressions/$t" ] && set -- "$@" "$TOP/fuzz/regressions/$t"
	case $t in mail|dsn|intake|token)
		[ -d "$TOP/tests/fixtures" ] && set -- "$@" "$TOP/tests/fixtures" ;;
	esac
	if [ $# -eq 0 ]; then
		not_ok "$t: no corpus in fuzz/corpus/$t"
		continue
	fi
	(cd "$T" && "$bin" "$@") >"$T/replay.out" 2>"$T/replay.err"
	status=$?
	n=$(sed -n 's/^\([0-9]*\) inputs, .*/\1/p' "$T/replay.out")
	if [ "$status" -eq 0 ] && [ -n "$n" ] && [ "$n" -gt 0 ]; then
		ok "$t: $n inputs"
	else
		not_ok "$t: $(cat "$T/replay.out") (exit $status)"
		grep -a -E '^FAILED|ERROR: AddressSanitizer|runtime error|contract broken' \
		    "$T/replay.err" | head -20 | sed 's/^/#   /'
	fi
done
check "fuzz targets found ($targets)" [ "$targets" -gt 0 ]
done_testing
