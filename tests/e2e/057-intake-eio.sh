# 057-intake-eio.sh: every open, write, fsync and rename of a clean
# intake run is failed in turn, with EIO and then ENOSPC (an LD_PRELOAD
# shim, tests/lib/failat.c): each run must exit 75 with nothing changed,
# or 0 with the whole effect (merged, link used, logged).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"
# The shim fails the calls on the home's files, SQLite's among them.
sqlite_only

cc -shared -fPIC -O1 -o "$T/failat.so" "$TOP/tests/lib/failat.c" -ldl ||
    { not_ok "cannot build the shim"; done_testing; }
# Under AddressSanitizer its runtime must come first in the preload list.
PRE=$T/failat.so
if ldd "$SETUPLINK" | grep -q libasan; then
	PRE="$(cc -print-file-name=libasan.so) $T/failat.so"
fi
init_home || exit 1
sl draft new postgres --name Faults; D=$(cat "$T/out")
new_link "$D" --fields host,password || exit 1
reply "$T/reply.eml" <<EOF
host: db.eio.example
password: eio-secret
EOF
gpgconf --homedir "$H/gnupg" --kill all 2>/dev/null
cp -a "$H" "$T/pristine"

# state: what a run that fails must leave as it was.
state() {
	{ "$SETUPLINK" log --json; "$SETUPLINK" link list --json
	  "$SETUPLINK" draft show "$D" --json --reveal
	  find "$H/quarantine" "$H/outbox" -type f ! -name .swept | sort; } 2>&1
}
state >"$T/before"

# A clean run under the shim, counting the calls.
FAILAT_COUNT=$T/count LD_PRELOAD="$PRE" "$SETUPLINK" intake \
    <"$T/reply.eml" >/dev/null 2>&1
check "a clean run under the shim is accepted" \
    sh -c "'$SETUPLINK' log --json | grep -q '\"accepted\"'"
n=$(cat "$T/count")
check "the shim counted the run's calls ($n)" [ "${n:-0}" -gt 5 ]

bad=0 runs=0 tf=0 whole=0
for e in EIO ENOSPC; do
	i=1
	while [ "$i" -le "$n" ]; do
		rm -rf "$H"
		cp -a "$T/pristine" "$H"
		FAILAT_N=$i FAILAT_ERRNO=$e LD_PRELOAD="$PRE" \
		    "$SETUPLINK" intake <"$T/reply.eml" >/dev/null 2>"$T/err.$i"
		code=$?
		runs=$((runs + 1))
		case $code in
		75)
			tf=$((tf + 1))
			state >"$T/after"
			if ! cmp -s "$T/before" "$T/after"; then
				echo "# $e at call $i: exit 75 but the state changed" >&2
				diff "$T/before" "$T/after" | head -10 >&2
				bad=$((bad + 1))
			fi
			;;
		0)
			whole=$((whole + 1))
			"$SETUPLINK" draft show "$D" --json --reveal >"$T/out"
			if ! grep -q db.eio.example "$T/out" ||
			    ! grep -q eio-secret "$T/out" ||
			    ! "$SETUPLINK" link list --json | grep -q '"used"'; then
				echo "# $e at call $i: exit 0 without the whole effect" >&2
				bad=$((bad + 1))
			fi
			;;
		*)
			echo "# $e at call $i: exit $code: $(head -c 200 "$T/err.$i")" >&2
			bad=$((bad + 1))
			;;
		esac
		if grep -q eio-secret "$T/err.$i"; then
			echo "# $e at call $i: the secret reached stderr" >&2
			bad=$((bad + 1))
		fi
		i=$((i + 1))
	done
done
check "$runs runs, each call failed in turn with EIO and ENOSPC: every one ended 75 with nothing changed ($tf) or 0 with the whole effect ($whole)" [ "$bad" -eq 0 ]
check "some failures were temporary (exit 75)" [ "$tf" -gt 0 ]

done_testing
