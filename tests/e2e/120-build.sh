# 120-build.sh: make -j2 run (hence all) and the unit tests of make check
# build the first time on a machine that lacks the packages, and the
# build is quiet unless V=1.
#
# A missing package is simulated with shims first on PATH: dpkg-query
# says libjansson-dev and libxml2-dev are not installed, apt-get takes
# three seconds and then "installs" them (a marker file), and until then
# cc fails as it does without the headers and pkg-config knows nothing.
# So a compile started before apt-get has finished, or flags read from
# pkg-config before it, fail the build (the link lacks -lsqlite3 ...).
. "$(dirname "$0")/../lib.sh"

shim=$T/shim
mkdir -p "$shim"
cat >"$shim/dpkg-query" <<EOF
#!/bin/sh
for a; do
	case \$a in libjansson-dev|libxml2-dev|libcmocka-dev)
		[ -f "$T/have-\$a" ] || exit 1 ;;
	esac
done
exec /usr/bin/dpkg-query "\$@"
EOF
cat >"$shim/apt-get" <<EOF
#!/bin/sh
echo "apt-get \$*" >>"$T/log"
case \$1 in install)
	sleep 3
	for a; do touch "$T/have-\$a"; done
	echo "apt-get done" >>"$T/log" ;;
esac
exit 0
EOF
cat >"$shim/cc" <<EOF
#!/bin/sh
echo "cc" >>"$T/log"
if [ ! -f "$T/have-libjansson-dev" ]; then
	echo "cc: fatal error: jansson.h: No such file or directory" >&2
	exit 1
fi
exec /usr/bin/cc "\$@"
EOF
cat >"$shim/pkg-config" <<EOF
#!/bin/sh
echo "pkg-config \$*" >>"$T/log"
case " \$* " in *" cmocka "*)
	[ -f "$T/have-libcmocka-dev" ] || exit 1 ;;
esac
[ -f "$T/have-libxml2-dev" ] || exit 1
exec /usr/bin/pkg-config "\$@"
EOF
# deps.sh installs only as root; the test may run as anyone.
printf '#!/bin/sh\n[ "$1" = -u ] && { echo 0; exit 0; }\nexec /usr/bin/id "$@"\n' \
    >"$shim/id"
chmod +x "$shim"/*

# make -j2 run: packages, the build (all), a demo home, then the
# interface, on a terminal (tmux); q quits it.
b=$T/b
tm() { tmux -L "sl$$" "$@"; }
cleanup_add "tmux -L sl$$ kill-server"
tm new-session -d -x 100 -y 30 "cd '$TOP' && PATH='$shim:$PATH' CFLAGS=-O0 \
    make -j2 BUILD='$b' run 2>'$T/make.out'; echo \$? >'$T/make.rc'"
i=0
while [ $i -lt 1200 ] && [ ! -f "$T/make.rc" ] &&
    ! tm capture-pane -p | grep -q 'q:quit\|Esc:quit'; do
	sleep 0.5; i=$((i + 1))
done
tm capture-pane -p >"$T/pane"
check "make -j2 run on a machine missing packages opens the interface ($(tail -3 "$T/make.out"))" \
    grep -q 'Billing database' "$T/pane"
tm send-keys q
i=0
while [ $i -lt 100 ] && [ ! -f "$T/make.rc" ]; do sleep 0.1; i=$((i + 1)); done
check "q leaves it and make run ends with 0" test "$(cat "$T/make.rc" 2>/dev/null)" = 0
check "deps ran apt-get install for what was missing" \
    grep -q '^apt-get install .*libjansson-dev.*libxml2-dev' "$T/log"
# Nothing compiled and no pkg-config read before apt-get had finished.
sed -n '1,/^apt-get done/p' "$T/log" >"$T/before"
check "no compile started before the packages were in" sh -c "! grep -qx cc '$T/before'"
check "pkg-config was not read before the packages were in" \
    sh -c "! grep -q '^pkg-config' '$T/before'"
check "the binary it built runs" sh -c "'$b/setuplink' --version | grep -q '^setuplink '"

# make check's unit tests need cmocka (the check set): it comes first too.
rm -f "$T/have-libcmocka-dev"
: >"$T/log"
PATH=$shim:$PATH CFLAGS=-O0 make -C "$TOP" -j2 BUILD="$b" \
    "$b/tests/test_catalog" >"$T/make.out" 2>&1
rc=$?
check "a unit test builds when cmocka was missing (exit $rc: $(tail -3 "$T/make.out"))" \
    test "$rc" -eq 0
check "deps-check installed cmocka first" sh -c \
    "sed -n '1,/^apt-get done/p' '$T/log' | grep -q 'install .*libcmocka-dev' &&
     ! sed -n '1,/^apt-get done/p' '$T/log' | grep -q '^pkg-config .*cmocka'"

# Quiet unless V=1: one short line per step, the command line with V=1.
rm -f "$b/util/str.o"
CFLAGS=-O0 make -C "$TOP" BUILD="$b" "$b/util/str.o" >"$T/quiet" 2>&1
check "a quiet build says 'CC file'" grep -q "^  CC  *$b/util/str.o\$" "$T/quiet"
check "a quiet build hides the command" lacks "$T/quiet" "-Wall"
rm -f "$b/util/str.o"
CFLAGS=-O0 make -C "$TOP" BUILD="$b" V=1 "$b/util/str.o" >"$T/loud" 2>&1
check "V=1 shows the compiler's command line" grep -q -- "-Wall .*-c -o $b/util/str.o util/str.c" "$T/loud"

done_testing
