#!/bin/sh
# 189-shared-quarantine-kill.sh: kill -9 at random points while two hosts
# keep mail in a shared store's quarantine (a real PostgreSQL, as nobody):
# 30 messages the intake does not accept, 3 of them larger than host B's
# max_message_size (kept as they are read, before they are judged), each
# delivered again as an MTA would until it exits 0.  Nothing is lost:
# every message is in the log with its row, which the other host shows
# byte for byte; no log entry names a row that is not there, and no row
# of a message judged whole is left without its entry.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/lib/dbservices.sh"
. "$TOP/tests/fixtures/replies/intake.sh"
# Once per make check, as 181: on the plain build.
[ "${SANITIZE:-}" = 1 ] && { ok "# skip: run on the plain build"; exit 0; }
[ "${STORE:-}" = sqlite ] && { ok "# skip: STORE=sqlite"; exit 0; }
. "$TOP/tests/lib/twohosts.sh"
two_hosts slqk || exit 1
echo "max_message_size = 100K" >>"$HB/setuplink.conf"

mkdir "$T/msgs"
n=1
while [ $n -le 30 ]; do
	{
		printf 'From: Mallory <m%s@evil.example>\n' "$n"
		printf 'To: setup+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@acme.example\n'
		printf 'Subject: forged %s\n' "$n"
		printf 'Message-ID: <k%s.%s@evil.example>\n\n' "$n" "$$"
		printf 'password: secret-%s\n' "$n"
		# Every eighth is oversize on host B (the even ones go there).
		[ $((n % 8)) -eq 0 ] && head -c 300000 /dev/zero | tr '\0' 'x' | fold -w 76
	} >"$T/msgs/$n.eml"
	n=$((n + 1))
done

rand() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }
bad=0 kills=0 n=1
while [ $n -le 30 ]; do
	m=$T/msgs/$n.eml
	if [ $((n % 2)) -eq 0 ]; then home=$HB; else home=$HA; fi
	SETUPLINK_HOME=$home "$SETUPLINK" intake <"$m" >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '0.%03d' $(( $(rand) % 80 )))"
	kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
	wait "$pid" 2>/dev/null
	tries=0
	until SETUPLINK_HOME=$home "$SETUPLINK" intake <"$m" >/dev/null 2>"$T/err"; do
		tries=$((tries + 1))
		if [ $tries -gt 5 ]; then
			echo "# $m: the retry fails: $(cat "$T/err")" >&2
			bad=$((bad + 1))
			break
		fi
		sleep 0.2
	done
	n=$((n + 1))
done
check "30 deliveries over two hosts, $kills killed mid-way, all retried to exit 0" [ "$bad" -eq 0 ]
check "no quarantine/ file on either host" \
    [ "$(find "$HA/quarantine" "$HB/quarantine" -type f ! -name .swept | wc -l)" -eq 0 ]
check "no log entry names a message that is not kept" \
    [ "$(psql_q "SELECT count(*) FROM messages WHERE quarantine IS NOT NULL AND quarantine NOT IN (SELECT name FROM kept_mail)")" -eq 0 ]
check "no message judged whole is kept without its log entry" \
    [ "$(psql_q "SELECT count(*) FROM kept_mail WHERE length(data) < 100000 AND name NOT IN (SELECT quarantine FROM messages WHERE quarantine IS NOT NULL)")" -eq 0 ]
check "the oversize ones are kept whole (more than host B's limit)" \
    [ "$(psql_q "SELECT count(DISTINCT m.message_id) FROM messages m JOIN kept_mail k ON k.name = m.quarantine WHERE length(k.data) > 300000")" -eq 3 ]

SETUPLINK_HOME=$HA sl quarantine list --json
cp "$T/out" "$T/q.json"
lost=0 n=1
while [ $n -le 30 ]; do
	# Shown by the host that did not take it.
	if [ $((n % 2)) -eq 0 ]; then home=$HA; else home=$HB; fi
	id=$($PY -c "import json; print([e['id'] for e in json.load(open('$T/q.json')) if e['from'] == 'm$n@evil.example'][0])" 2>/dev/null)
	if [ -z "$id" ] || ! SETUPLINK_HOME=$home "$SETUPLINK" quarantine show "$id" >"$T/shown" 2>/dev/null ||
	    ! cmp -s "$T/shown" "$T/msgs/$n.eml"; then
		echo "# message $n: not kept whole (id '$id')" >&2
		lost=$((lost + 1))
	fi
	n=$((n + 1))
done
check "every message is kept whole, and the other host shows it" [ "$lost" -eq 0 ]
done_testing
