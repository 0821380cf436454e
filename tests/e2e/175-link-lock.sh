# 175-link-lock.sh: link create holds no write lock while it composes and
# signs its email.  The workspace's gpg-agent is stopped (SIGSTOP), so a
# link create that reaches the signing waits on it; meanwhile another
# process writes to the store, and the link is made once the agent runs on.
# store: both
. "$(dirname "$0")/../lib.sh"
init_home || exit 1
G=$H/gnupg
# A lock held by the link create would make the writer fail after 2 s.
sed -i 's/^db_timeout = .*/db_timeout = 2000/' "$H/setuplink.conf"
grep -q '^db_timeout = 2000' "$H/setuplink.conf" ||
    echo 'db_timeout = 2000' >>"$H/setuplink.conf"
outbox_count() { outbox_all; }

sl draft new postgres --name "Billing DB"
sl draft set 1 host=db.client.example
sl link create 1 --to rita@client.example --fields host,port
expect_rc 0 "a first link create (the agent is up)"

gpgconf --homedir "$G" --launch gpg-agent
sock=$(gpgconf --homedir "$G" --list-dirs agent-socket)
apid=$(gpg-connect-agent --homedir "$G" 'getinfo pid' /bye | sed -n 's/^D //p')
check "the workspace's gpg-agent runs" kill -0 "$apid"
kill -STOP "$apid"
cleanup_add "kill -CONT $apid"

"$SETUPLINK" link create 1 --to sam@client.example --fields host,port \
    >"$T/out2" 2>"$T/err2" </dev/null &
lpid=$!
# Waiting on the agent: a connection in its socket's accept queue.
queued() { ss -xlH src "$sock" | awk '{print $3}'; }
i=0
while [ "$(queued)" = 0 ] && kill -0 "$lpid" 2>/dev/null && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "link create waits on the stopped agent" test "$(queued)" -ge 1
check "... and has not finished" kill -0 "$lpid"

sl draft set 1 dbname=billing
expect_rc 0 "another process writes to the store meanwhile"
sl draft show 1 --json
check "... and the write is there" test "$(json '[f["value"] for f in d["fields"] if f["key"] == "dbname"][0]')" = billing

kill -CONT "$apid"
wait "$lpid"
lrc=$?
check "link create finishes once the agent runs on (exit $lrc: $(head -c 200 "$T/err2"))" test "$lrc" -eq 0
check "it printed the link's id" test "$(sed -n 1p "$T/out2")" = 2
check "two setup emails wait in the outbox" test "$(outbox_count)" -eq 2
sl link list --json
check "both links are pending" test "$(json '",".join(l["state"] for l in d)')" = "pending,pending"
done_testing
