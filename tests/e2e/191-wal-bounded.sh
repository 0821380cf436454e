# 191-wal-bounded.sh: one intake per message, as an MTA runs it, keeps
# SQLite's WAL short: it is copied back and started over, so it neither
# grows with the mail nor makes each later start read megabytes of it.
# Before, once the WAL passed 1,000 pages every intake copied it whole
# (two more syncs) and none started it over: it only grew.  An accepted
# reply, whose receipt is marked sent in a second commit, starts it over
# in place (that commit writes its new header): the file keeps its
# blocks.  A forged one, whose one commit is the one that copies it back,
# truncates it as it ends, or the next intake would take every old frame
# for a new one (7.6 MB after these 400).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
if shared_home; then
	ok "# skip: the store is PostgreSQL, which has no WAL file here"
	exit 0
fi
sl draft new postgres --name Wal; D=$(cat "$T/out")
new_link "$D" --fields host,password || exit 1
REAL=$RA
RA="setup+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@${RA#*@}"
max=0 bad=0 i=0
while [ $i -lt 400 ]; do
	FROM=eve$i@forger.example reply "$T/m" <<EOF
host: h$i.example
password: pw-$i
EOF
	"$SETUPLINK" intake <"$T/m" >/dev/null 2>&1 || bad=$((bad + 1))
	s=$(stat -c %s "$H/setuplink.db-wal" 2>/dev/null || echo 0)
	[ "$s" -gt "$max" ] && max=$s
	i=$((i + 1))
done
check "400 forged replies, each its own intake, all taken (exit 0)" [ "$bad" -eq 0 ]
check "the WAL never passed 1 MB (largest: $max bytes)" [ "$max" -lt 1048576 ]
sl log --json
check "every forged reply is in the log" \
    [ "$(grep -c '"unknown_token"' "$T/out")" -eq 400 ]
RA=$REAL FROM=bob@client.example
reply "$T/m" <<EOF
host: db.client.example
password: right-$$
EOF
"$SETUPLINK" intake <"$T/m"
check "a reply to the link after them is taken (exit 0)" [ $? -eq 0 ]
sl draft show "$D"
check "its value is there" grep -q "db.client.example" "$T/out"
# 40 accepted replies, a link each: about three rounds of the WAL.
# (link create between them, one commit of its own, may truncate it.)
wal() { stat -c %s "$H/setuplink.db-wal" 2>/dev/null || echo 0; }
i=0 max=0 bad=0 shrank=0
while [ $i -lt 40 ]; do
	new_link "$D" --fields host,password || exit 1
	reply "$T/m" <<EOF
host: a$i.example
password: acc-$i
EOF
	before=$(wal)
	"$SETUPLINK" intake <"$T/m" >/dev/null 2>&1 || bad=$((bad + 1))
	s=$(wal)
	[ "$s" -gt "$max" ] && max=$s
	[ "$s" -lt "$before" ] && shrank=$((shrank + 1))
	i=$((i + 1))
done
check "40 accepted replies, all taken (exit 0)" [ "$bad" -eq 0 ]
check "... the WAL never passed 1 MB (largest: $max bytes)" [ "$max" -lt 1048576 ]
check "... it went round (largest: $max bytes)" [ "$max" -gt 409600 ]
check "... and an intake started it over in place, never truncated ($shrank times)" \
    [ "$shrank" -eq 0 ]
sl draft show "$D" --reveal
check "... the last one's values are the draft's" grep -q "acc-39" "$T/out"
done_testing
