#!/bin/sh
# test-on-merge.sh: how long an MDA waits for setuplink intake on a reply
# that completes a draft, with test_on_merge on (a worker is left
# parked, starts once the intake has exited and tests on its own) and off, in two homes, the runs
# interleaved so that the machine's load weighs on both alike.  The
# draft's host is 127.0.0.1, which the default test_networks refuses, so
# the workers touch no network.  Figures only: medians of N runs each.
. "$(dirname "$0")/lib.sh"
N=${N:-60}
machine
PY=/usr/bin/python3

# home DIR ON: a home with a draft missing only its password, and N
# pending links for it written straight into the schema (link create
# signs with gpg each time); their reply addresses in DIR.addrs.
home() {
	SETUPLINK_HOME=$1 "$SETUPLINK" init --workspace Bench \
	    --admin "Bench <b@bench.example>" --intake setup@bench.example \
	    >/dev/null || return 1
	sed -i "s/^test_on_merge = .*/test_on_merge = $2/" "$1/setuplink.conf"
	_d=$(SETUPLINK_HOME=$1 "$SETUPLINK" draft new postgres --name Bench)
	SETUPLINK_HOME=$1 "$SETUPLINK" draft set "$_d" host=127.0.0.1 dbname=b \
	    user=u >/dev/null
	$PY - "$1/setuplink.db" "$_d" "$N" >"$1.addrs" <<'EOF'
import base64, hashlib, os, sqlite3, sys, time
db, draft, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
c = sqlite3.connect(db)
now = int(time.time())
for i in range(n):
    tok = base64.b32encode(os.urandom(20)).decode().lower().rstrip("=")
    cur = c.execute("INSERT INTO links (draft, token_hash, recipient, created, "
        "expires, require) VALUES (?, ?, 'bob@client.example', ?, ?, 'any')",
        (draft, hashlib.sha256(tok.encode()).hexdigest(), now, now + 86400))
    c.execute("INSERT INTO link_fields (link, pos, key) VALUES (?, 0, "
        "'password')", (cur.lastrowid,))
    print("setup+%s@bench.example" % tok)
c.commit()
EOF
}
home "$B/off" no && home "$B/on" yes || exit 1

$PY - "$SETUPLINK" "$B/off" "$B/on" <<'EOF'
import os, statistics, subprocess, sys, time
sl, homes = sys.argv[1], sys.argv[2:]
addrs = {h: open(h + ".addrs").read().split() for h in homes}
times = {h: [] for h in homes}
def workers(home):
    """Is a test_on_merge worker for home still running?"""
    for pid in os.listdir("/proc"):
        try:
            argv = open("/proc/%s/cmdline" % pid, "rb").read().split(b"\0")
        except (OSError, ValueError):
            continue
        if b"--merged" in argv and home.encode() in argv:
            return True
    return False
for i in range(len(addrs[homes[0]])):
    for h in homes:
        msg = ("From: Bob <bob@client.example>\nTo: %s\nSubject: Re: setup\n"
               "Message-ID: <tom.%d.%f@client.example>\n"
               "Date: Wed, 25 Nov 2026 20:00:00 +0000\n\npassword: pw-%d\n"
               % (addrs[h][i], i, time.time(), i)).encode()
        env = dict(os.environ, SETUPLINK_HOME=h)
        t0 = time.perf_counter()
        p = subprocess.run([sl, "intake"], input=msg, capture_output=True,
                           env=env)
        times[h].append((time.perf_counter() - t0) * 1000)
        if p.returncode != 0:
            print("exit %d: %s" % (p.returncode, p.stderr.decode()),
                  file=sys.stderr)
        # The worker's own work is not the MDA's wait: let it finish
        # before the next reply, so that it does not compete (on a loaded
        # machine half a second is not always enough: wait for it).
        time.sleep(0.5)
        end = time.time() + 20
        while time.time() < end and workers(h):
            time.sleep(0.05)
med = {h: statistics.median(times[h]) for h in homes}
for h, label in zip(homes, ["test_on_merge = no", "test_on_merge = yes"]):
    print("MDA wait, %-22s median %7.2f ms  (p90 %7.2f ms, %d replies)" % (
        label, med[h], sorted(times[h])[int(len(times[h]) * 0.9)],
        len(times[h])))
print("difference at the median: %.2f ms" % (med[homes[1]] - med[homes[0]]))
EOF
