#!/bin/sh
# 184-shared-kill.sh: kill -9 at random points during 500 deliveries split
# over two hosts on one PostgreSQL (a real server, as nobody, private
# socket), each retried as an MTA would: every link is used once, merged
# by one message, whole, as 056 does with 500 on SQLite (under a minute).
# Run once, on the plain build.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/lib/dbservices.sh"
. "$TOP/tests/fixtures/replies/intake.sh"
[ "${SANITIZE:-}" = 1 ] && { ok "# skip: run on the plain build"; exit 0; }
[ "${STORE:-}" = sqlite ] && { ok "# skip: STORE=sqlite"; exit 0; }

pg_start slkill "Kill-pass-$$" slkill || exit 1
URI="postgresql:///slkill?host=$T/pg/sock&port=$PG_PORT&user=slkill"
HA=$T/ha HB=$T/hb
cleanup_add "gpgconf --homedir '$HA/gnupg' --kill all; gpgconf --homedir '$HB/gnupg' --kill all"
H=$HA SETUPLINK_HOME=$HA
init_home --database "$URI" || exit 1
SETUPLINK_HOME=$HB sl init --join "$URI"
tar -C "$HA" --exclude='S.*' -cf - gnupg vault.pub vault.key token.key |
    tar -C "$HB" -xpf -
sed -i 's/^test_on_merge = .*/test_on_merge = no/' "$HB/setuplink.conf"

sl draft new postgres --name Crashes; D=$(cat "$T/out")
NL=10 ROUNDS=50		# 10 links, 50 replies each: 500 deliveries
l=1
while [ $l -le $NL ]; do
	new_link "$D" --fields host,password || exit 1
	echo "$LINK $RA" >>"$T/links"
	l=$((l + 1))
done
mkdir "$T/msgs"
r=1
while [ $r -le $ROUNDS ]; do
	while read -r LINK RA; do
		reply "$T/msgs/$r.$LINK.eml" <<EOF
host: h$r-$LINK.example
password: pw-$r-$LINK
EOF
	done <"$T/links"
	r=$((r + 1))
done

rand() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }
bad=0 kills=0 n=0
for m in "$T"/msgs/*.eml; do
	n=$((n + 1))
	if [ $((n % 2)) -eq 0 ]; then home=$HA; else home=$HB; fi
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
done
check "500 deliveries over two hosts, $kills killed mid-way, all retried to exit 0" [ "$bad" -eq 0 ]

q() { "$PGBIN/psql" -X -At -h "$T/pg/sock" -p "$PG_PORT" -U slkill -d slkill -c "$1"; }
check "every link was used once" \
    [ "$(q "SELECT count(*) FROM links WHERE state = 'used'")" -eq $NL ]
check "each link merged exactly its two fields, once" \
    [ "$(q "SELECT count(*) FROM (SELECT link, count(*) n FROM field_values WHERE link IS NOT NULL GROUP BY link) x WHERE n != 2")" -eq 0 ]
check "no link has two accepted messages" \
    [ "$(q "SELECT count(*) FROM (SELECT link FROM messages WHERE outcome = 'accepted' GROUP BY link HAVING count(*) != 1) x")" -eq 0 ]
check "no message was decided twice" \
    [ "$(q "SELECT count(*) FROM (SELECT message_id FROM messages GROUP BY message_id HAVING count(*) > 1 AND sum(CASE WHEN outcome = 'accepted' THEN 1 ELSE 0 END) > 1) x")" -eq 0 ]
sl draft show "$D" --reveal --history
cp "$T/out" "$T/hist"
check "the merged values of a link came from one message" /usr/bin/python3 - "$T/hist" "$NL" <<'EOF'
import re, sys
key, seen = None, {}
for line in open(sys.argv[1]):
    m = re.match(r"  (\S+)\s+(\S+)\s+reply .*, link (\d+)", line)
    if m:
        key, value, link = m.groups()
    else:
        m = re.match(r"\s+was (\S+)  \(reply .*, link (\d+)", line)
        if not m:
            c = re.match(r"  (\S+)\s", line)
            key = c.group(1) if c else key
            continue
        value, link = m.groups()
    if key in ("host", "password"):
        seen.setdefault(link, {})[key] = value
bad = [l for l, v in seen.items()
       if v.get("host", "h?.").split(".")[0][1:] != v.get("password", "")[3:]]
sys.exit(1 if bad or len(seen) != int(sys.argv[2]) else 0)
EOF

done_testing
