#!/bin/sh
# smtp.sh: emails per second through SMTP on loopback to the test suite's
# aiosmtpd: one outbox flush of N messages, N flushes of one message each
# (a process, libcurl and a connection per email), and N link creates
# (composing and signing the setup email too).  Prints figures, asserts
# nothing.  N=30 by default; BUILD or SETUPLINK pick the binary.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
case ${BUILD:=build} in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
SETUPLINK=${SETUPLINK:-$BUILD/setuplink}
export TOP SETUPLINK
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib/services.sh"
N=${N:-30}

now() { date +%s.%N; }
# rate LABEL START END: print N emails over the time between.
rate() {
	awk -v l="$1" -v n="$N" -v s="$2" -v e="$3" 'BEGIN {
	    t = e - s; printf "%-44s %4d emails in %6.2f s: %7.1f emails/s\n",
	    l, n, t, (t > 0 ? n / t : 0) }'
}
# queue: N messages in outbox/new as the maildir transport writes them.
queue() {
	body=$(awk 'BEGIN { for (i = 0; i < 40; i++) printf "%072d\r\n", i }')
	i=0
	while [ "$i" -lt "$N" ]; do
		i=$((i + 1))
		f=$(printf '%010d.bench%d.host' "$i" "$1")
		printf 'Return-Path: <setup+bench@acme.example>\r\nX-Setuplink-Rcpt: rita@client.example\r\nFrom: Acme <setup@acme.example>\r\nTo: rita@client.example\r\nSubject: bench %d\r\n\r\n%s\r\n' \
		    "$i" "$body" >"$H/outbox/new/$f"
	done
}

init_home >/dev/null || exit 1
echo "smtp_require_starttls = no" >>"$H/setuplink.conf"
smtpd_start || exit 1
URL=smtp://127.0.0.1:$SMTPD_PORT
echo "setuplink $("$SETUPLINK" --version | cut -d' ' -f2), libcurl, aiosmtpd on 127.0.0.1:$SMTPD_PORT, $N emails each"

queue 1
s=$(now)
"$SETUPLINK" outbox flush --transport "$URL" >/dev/null 2>"$T/err" || { echo "flush failed:"; cat "$T/err"; }
rate "outbox flush, one run of $N" "$s" "$(now)"

queue 2
s=$(now)
for f in "$H"/outbox/new/*; do
	mv "$f" "$T/hold.$(basename "$f")"
done
for f in "$T"/hold.*; do
	mv "$f" "$H/outbox/new/${f#"$T"/hold.}"
	"$SETUPLINK" outbox flush --transport "$URL" >/dev/null 2>"$T/err" || { echo "flush failed:"; cat "$T/err"; }
done
rate "outbox flush, $N runs of one" "$s" "$(now)"

if "$SETUPLINK" link create -h >/dev/null 2>&1; then
	d=$("$SETUPLINK" draft new postgres --name Bench 2>/dev/null)
	s=$(now)
	i=0
	while [ "$i" -lt "$N" ]; do
		i=$((i + 1))
		"$SETUPLINK" link create "$d" --to rita@client.example \
		    --transport "$URL" >/dev/null 2>&1 || echo "link create failed"
	done
	rate "link create through smtp://" "$s" "$(now)"
	s=$(now)
	i=0
	while [ "$i" -lt "$N" ]; do
		i=$((i + 1))
		"$SETUPLINK" link create "$d" --to rita@client.example \
		    >/dev/null 2>&1 || echo "link create failed"
	done
	rate "link create into outbox/ (maildir)" "$s" "$(now)"
fi
echo "spooled: $(find "$SMTPD_SPOOL" -name '*.eml' | wc -l) messages"
