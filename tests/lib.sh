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

. "$TOP/tests/lib/pgsuite.sh"

# A home ready for work: init with a fixed workspace.  On STORE=postgresql
# the home's store is a fresh database of its own on the run's PostgreSQL
# (tests/lib/pgsuite.sh; one started for this script when the run has
# none), unless ARGS name a database already.
init_home() {
	if [ "${STORE:-}" = postgresql ]; then
		case " $* " in
		*" --database "* | *" --join "*) ;;
		*)
			_pg_ensure || return 1
			_db=$(pgsuite_db "sl_${T##*.}_$(echo "$H" | cksum | cut -d' ' -f1)") ||
			    { echo "init_home: no database on PostgreSQL" >&2; return 1; }
			set -- --database "$_db" "$@"
			;;
		esac
	fi
	sl init --workspace "Acme Data" --admin "Ann Admin <ann@acme.example>" \
	    --intake setup@acme.example "$@"
	[ "$rc" -eq 0 ] || { echo "init failed: $(cat "$T/err")" >&2; return 1; }
	# A merge's credentials test (on by default) would reach out to the
	# hosts a test's replies name and mail their recipients: the scripts
	# about testing (15x) turn it on where they want it.
	sed -i 's/^test_on_merge = .*/test_on_merge = no/' "$H/setuplink.conf"
}

# _pg_ensure: the run's PostgreSQL, or one for this script alone (a
# script run by hand with STORE=postgresql).
_pg_ensure() {
	[ -n "${SL_PG_SOCK:-}" ] && [ -S "$SL_PG_SOCK/.s.PGSQL.$SL_PG_PORT" ] &&
	    return 0
	chmod 711 "$T"
	cleanup_add pgsuite_stop
	pgsuite_start "$T/pgs"
}

# pg_home: does $H keep its store on PostgreSQL (database = postgresql://
# in its configuration)?
pg_home() { grep -q '^database = postgresql' "$H/setuplink.conf" 2>/dev/null; }

# store_sql SQL: SQL on $H's store, whichever the engine (sqlite3 on
# setuplink.db, psql on its database), rows one a line, columns split by
# "|".  For the checks that look under the program, at what it stored.
store_sql() {
	if pg_home; then
		"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -Atc "$1" \
		    "$(sed -n 's/^database = *//p' "$H/setuplink.conf" | head -1)"
	else
		sqlite3 "$H/setuplink.db" "$1"
	fi
}

# store_dump FILE [TABLE...]: the whole store as text (sqlite3 .dump,
# pg_dump), for the checks that a secret is nowhere in it; on PostgreSQL
# without the rows of each TABLE.  PostgreSQL writes byte strings in
# escape form, where text in the clear stays readable (hex would hide it
# from grep).
store_dump() {
	if pg_home; then
		_f=$1; shift
		for _t; do set -- "$@" "--exclude-table-data=$_t"; shift; done
		PGOPTIONS="-c bytea_output=escape" "$PGBIN/pg_dump" --no-owner "$@" \
		    "$(sed -n 's/^database = *//p' "$H/setuplink.conf" | head -1)" \
		    >"$_f" 2>&1
	else
		sqlite3 "$H/setuplink.db" .dump >"$1" 2>&1
	fi
}

# Mail the maildir transport queued: files in outbox/new (waiting) and
# outbox/cur (refused, set aside) of a SQLite home, rows of outbox_mail on
# PostgreSQL.  outbox_all: how many, both kinds.  outbox_copy DIR: each as
# a file in DIR, as sent.  outbox_words: where the program says they wait.
outbox_all() {
	if pg_home; then store_sql "SELECT count(*) FROM outbox_mail"
	else find "$H/outbox/new" "$H/outbox/cur" -type f | wc -l; fi
}
# outbox_waiting: how many wait to be sent (outbox/new, or rows not
# refused).
outbox_waiting() {
	if pg_home; then store_sql "SELECT count(*) FROM outbox_mail WHERE failed = 0"
	else find "$H/outbox/new" -type f | wc -l; fi
}
outbox_copy() {
	mkdir -p "$1"
	if pg_home; then
		# Through the program, as a person reads them: the rows are
		# sealed under the token key.
		for _f in "" --failed; do
			SETUPLINK_HOME=$H "$SETUPLINK" outbox list $_f --json \
			    2>/dev/null | /usr/bin/python3 -c '
import json, sys
for i in json.load(sys.stdin):
    print(i["id"])'
		done | while read -r _i; do
			SETUPLINK_HOME=$H "$SETUPLINK" outbox show "$_i" \
			    >"$1/$_i" 2>/dev/null
		done
	else
		find "$H/outbox/new" "$H/outbox/cur" -type f -exec cp {} "$1" \;
	fi
}
# kept_all: how many messages the intake keeps (quarantine/new and cur,
# or rows of kept_mail).
kept_all() {
	if pg_home; then store_sql "SELECT count(*) FROM kept_mail"
	else find "$H/quarantine/new" "$H/quarantine/cur" -type f | wc -l; fi
}
outbox_words() { if pg_home; then echo "the shared outbox"; else echo "outbox/"; fi; }

# sqlite_only: on STORE=postgresql, skip the rest of the script (one
# "ok - # skip" line).  sqlite_only DESC CMD...: check DESC CMD... on
# SQLite; on PostgreSQL the check says it is skipped.  For what only the
# SQLite store has: its file, its folders, sqlite3 on it.
sqlite_only() {
	if [ "${STORE:-}" != postgresql ]; then
		[ $# -eq 0 ] || check "$@"
	elif [ $# -eq 0 ]; then
		ok "# skip: $(basename "$0" .sh) is about the SQLite store"
		done_testing
	else
		ok "# skip: $1 (SQLite store only)"
	fi
}

done_testing() {
	[ "$_failed" -eq 0 ]
	exit $?
}
