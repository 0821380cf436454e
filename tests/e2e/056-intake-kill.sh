# 056-intake-kill.sh: kill -9 at random points during 500 deliveries, each
# retried as an MTA would: every message ends merged once, or judged and
# kept; no link is merged twice or half.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
sl draft new postgres --name Crashes; D=$(cat "$T/out")
NL=20 ROUNDS=25		# 20 links, 25 replies each: 500 deliveries
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

# One delivery: killed at a random point, then retried until it is done.
rand() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }
bad=0 kills=0
for m in "$T"/msgs/*.eml; do
	"$SETUPLINK" intake <"$m" >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '0.%03d' $(( $(rand) % 40 )))"
	kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
	wait "$pid" 2>/dev/null
	tries=0
	until "$SETUPLINK" intake <"$m" >/dev/null 2>"$T/err"; do
		tries=$((tries + 1))
		if [ $tries -gt 5 ]; then
			echo "# $m: the retry fails: $(cat "$T/err")" >&2
			bad=$((bad + 1))
			break
		fi
		sleep 0.1
	done
done
check "500 deliveries, $kills killed mid-way, all retried to exit 0" [ "$bad" -eq 0 ]

q() { store_sql "$1"; }
check "every link was used once" \
    [ "$(q "SELECT count(*) FROM links WHERE state = 'used'")" -eq $NL ]
check "each link merged exactly its two fields, once" \
    [ "$(q "SELECT count(*) FROM (SELECT link, count(*) n FROM field_values WHERE link IS NOT NULL GROUP BY link) AS l WHERE n != 2")" -eq 0 ]
check "no link has two accepted messages" \
    [ "$(q "SELECT count(*) FROM (SELECT link FROM messages WHERE outcome = 'accepted' GROUP BY link HAVING count(*) != 1) AS l")" -eq 0 ]
# Passwords are sealed in the database: read every value, history too,
# through the command that opens them.
"$SETUPLINK" draft show "$D" --reveal --history >"$T/hist"
check "the merged values of a link came from one message" /usr/bin/python3 - "$T/hist" <<'EOF'
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
sys.exit(1 if bad or len(seen) != 20 else 0)
EOF
ids=$(cat "$T"/msgs/*.eml | sed -n 's/^Message-ID: <\(.*\)>/\1/p' | sort -u | wc -l)
logged=$(q "SELECT count(DISTINCT message_id) FROM messages")
check "every message has a decision in the log ($logged of $ids)" [ "$logged" -eq "$ids" ]
rejected=$(q "SELECT count(*) FROM messages m WHERE outcome = 'rejected' AND id = (SELECT max(id) FROM messages WHERE message_id = m.message_id)")
kept=$(kept_all)
check "every rejected message is kept in quarantine/ ($kept for $rejected)" [ "$kept" -ge "$rejected" ]
check "no accepted message is kept in quarantine/" \
    [ "$(q "SELECT count(*) FROM messages WHERE outcome = 'accepted' AND quarantine IS NOT NULL")" -eq 0 ]

done_testing
