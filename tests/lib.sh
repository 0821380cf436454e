# lib.sh: the small library every end-to-end script sources.  Each script
# runs in its own short temporary directory $T (GnuPG sockets must fit in
# 107 bytes), with a fresh home $H, and prints "ok - ..." / "not ok - ...".
set -u
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${SETUPLINK:=$TOP/build/setuplink}"
T=$(mktemp -d /tmp/slt.XXXXXX)
H=$T/home
export SETUPLINK_HOME=$H TZ=${TZ:-UTC}
unset SETUPLINK_NOW
_failed=0
_cleanups=
cleanup_add() { _cleanups="$1; $_cleanups"; }
_cleanup() {
	eval "$_cleanups" 2>/dev/null
	# The workspace's gpg-agent stays up between intakes on purpose.
	[ -d "$H/gnupg" ] && gpgconf --homedir "$H/gnupg" --kill all 2>/dev/null
	rm -rf "$T"
}
trap _cleanup EXIT
trap 'exit 1' INT TERM

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; _failed=$((_failed + 1)); }

# sl ARGS...: run setuplink, stdout in $T/out, stderr in $T/err, status $rc.
sl() {
	"$SETUPLINK" "$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	return 0
}
# sl_in INPUT ARGS...: the same with INPUT (a file) on stdin.
sl_in() {
	_in=$1; shift
	"$SETUPLINK" "$@" >"$T/out" 2>"$T/err" <"$_in"
	rc=$?
	return 0
}

# expect_rc CODE DESC: the last sl's status.
expect_rc() {
	if [ "$rc" -eq "$1" ]; then ok "$2"
	else not_ok "$2 (exit $rc, wanted $1; stderr: $(head -c 300 "$T/err"))"; fi
}
# check DESC CMD...: ok when CMD succeeds.
check() {
	_d=$1; shift
	if "$@"; then ok "$_d"; else not_ok "$_d"; fi
}
# contains FILE TEXT / lacks FILE TEXT: fixed-string tests on a file.
contains() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -qF -- "$2" "$1"; }
# jq-free JSON reads: json EXPR reads $T/out with Python's json module.
json() {
	/usr/bin/python3 -c "import json,sys; d=json.load(open('$T/out')); print($1)"
}

# A home ready for work: init with a fixed workspace.
init_home() {
	sl init --workspace "Acme Data" --admin "Ann Admin <ann@acme.example>" \
	    --intake setup@acme.example "$@"
	[ "$rc" -eq 0 ] || { echo "init failed: $(cat "$T/err")" >&2; return 1; }
	# A merge's credentials test (on by default) would reach out to the
	# hosts a test's replies name and mail their recipients: the scripts
	# about testing (15x) turn it on where they want it.
	sed -i 's/^test_on_merge = .*/test_on_merge = no/' "$H/setuplink.conf"
}

done_testing() {
	[ "$_failed" -eq 0 ]
	exit $?
}
