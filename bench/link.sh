#!/bin/sh
# link.sh: how fast setup links are made: N link creates (50 by default),
# each composing, signing and writing its email to the Maildir outbox.
# The first link after init goes through gpgme and writes the key cache
# the others sign with (crypto-fast.c); it is timed on its own.
# Target (issue 15): at least 50 links/s.  Prints the figures; asserts
# nothing.
. "$(dirname "$0")/lib.sh"
trap 'gpgconf --homedir "$SETUPLINK_HOME/gnupg" --kill all 2>/dev/null; rm -rf "$B"' EXIT
n=${N:-50}
machine
bench_home || exit 1
"$SETUPLINK" draft new postgres --name "Bench DB" >/dev/null &&
"$SETUPLINK" draft set 1 host=db.bench.example >/dev/null || exit 1

t1=$(ms)
"$SETUPLINK" link create 1 --to first@client.example \
    --fields host,port,user,password >/dev/null 2>&1 ||
    { echo "link create failed" >&2; exit 1; }
first=$(( $(ms) - t1 ))
# Throughput: the loop alone is timed (no clock read per link, which
# costs processes of its own); latency: nine more, each timed.
t0=$(ms)
i=0
while [ "$i" -lt "$n" ]; do
	"$SETUPLINK" link create 1 --to "r$i@client.example" \
	    --fields host,port,user,password >/dev/null 2>&1 ||
	    { echo "link create failed" >&2; exit 1; }
	i=$((i + 1))
done
total=$(( $(ms) - t0 ))
mails=$(( $(find "$SETUPLINK_HOME/outbox/new" -type f | wc -l) - 1 ))
bytes=$(cat "$SETUPLINK_HOME"/outbox/new/* | wc -c)
bytes=$(( bytes * mails / (mails + 1) ))
: >"$B/each"
for i in 1 2 3 4 5 6 7 8 9; do
	t1=$(ms)
	"$SETUPLINK" link create 1 --to "l$i@client.example" \
	    --fields host,port,user,password >/dev/null 2>&1
	echo $(( $(ms) - t1 )) >>"$B/each"
done
# The floor under any command: starting the program (its libraries) at
# all, timed as the links are.
t0=$(ms)
i=0
while [ "$i" -lt "$n" ]; do
	"$SETUPLINK" -h >/dev/null 2>&1
	i=$((i + 1))
done
floor=$(( $(ms) - t0 ))
awk -v n="$n" -v m="$mails" -v b="$bytes" -v ms="$total" -v f="$floor" 'BEGIN {
	s = ms / 1000
	printf "link create: %d links in %.2f s, %.1f links/s (target >= 50 links/s: %.2fx the target)\n", n, s, n / s, n / s / 50
	printf "outbox: %d emails written, %.1f emails/s, %d bytes each\n", m, m / s, b / m
	printf "setuplink -h, the start of any command (a floor): %.1f ms, %.1f/s; link create costs %.2fx that\n", f / n, n * 1000 / f, ms / f
}'
median <"$B/each" | awk '{printf "link create latency: %s ms (median of 9, whole process)\n", $1}'
echo "first link after init (gpgme, writes the key cache): $first ms"
