#!/bin/sh
# 054-intake-mda.sh: the intake behind real mail software: procmail with
# contrib/procmailrc (a 75 handed back to the MTA), fetchmail from dovecot
# with the intake as its MDA (a 75 keeps the message on the server), a
# Maildir read in batches (--maildir), and watched with inotify (--watch)
# until SIGTERM; the contrib snippets are well formed.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"
# The intake is made to wait on a SQLite write lock held by hand.
sqlite_only

init_home || exit 1
sl draft new postgres --name Prod; D=$(cat "$T/out")
# lock_db SECONDS: hold the database's write lock from another process.
lock_db() {
	$PY - "$H/setuplink.db" "$1" >"$T/lock.out" 2>&1 <<'EOF' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
c.execute("ROLLBACK")
EOF
	LOCK_PID=$!
	cleanup_add "kill $LOCK_PID"
	_i=0
	until grep -q locked "$T/lock.out" 2>/dev/null; do
		_i=$((_i + 1)); [ "$_i" -gt 50 ] && break; sleep 0.1
	done
}

# ---- procmail with contrib/procmailrc
sed -e "s|^SETUPLINK=.*|SETUPLINK=$SETUPLINK|" -e "s|^SETUPLINK_HOME=.*|SETUPLINK_HOME=$H|" \
    -e "s|^SHELL=.*|SHELL=/bin/sh\nLOGFILE=$T/procmail.log|" \
    "$TOP/contrib/procmailrc" >"$T/procmailrc"
chmod 600 "$T/procmailrc"
new_link "$D" || exit 1
{ echo "From bob@client.example Wed Nov 25 20:00:00 2026"; cat; } >"$T/pm.eml" <<EOF
Return-Path: <bob@client.example>
Delivered-To: $RA
From: Bob <bob@client.example>
To: $RA
Subject: Re: setup
Message-ID: <pm.$$@client.example>

host: db.procmail.example
EOF
procmail_deliver "$T/procmailrc" "$T/pm.eml"
check "procmail with contrib/procmailrc delivers: exit 0" [ "$?" -eq 0 ]
expect_log accepted null "procmail: the reply is accepted"
check "procmail: merged" [ "$(field "$D" host)" = db.procmail.example ]
# The database locked past db_timeout: procmail must give 75 back to the MTA.
sed -i 's/^db_timeout = .*/db_timeout = 300/' "$H/setuplink.conf"
new_link "$D" || exit 1
sed -e "s|setup+[a-z2-7]*@acme.example|$RA|g" -e "s/pm\.$$/pm2.$$/" \
    -e 's/db.procmail.example/db.procmail2.example/' "$T/pm.eml" >"$T/pm2.eml"
lock_db 4
procmail_deliver "$T/procmailrc" "$T/pm2.eml" 2>/dev/null
prc=$?
check "procmail hands the intake's 75 back to the MTA (not 73, not 0)" [ "$prc" -eq 75 ]
check "... nothing was stored" [ "$(link_state "$LINK")" = pending ]
kill "$LOCK_PID" 2>/dev/null; wait "$LOCK_PID" 2>/dev/null
procmail_deliver "$T/procmailrc" "$T/pm2.eml"
check "procmail: the MTA's retry is delivered" [ "$?" -eq 0 ]
check "... and accepted" [ "$(field "$D" host)" = db.procmail2.example ]
sed -i 's/^db_timeout = .*/db_timeout = 10000/' "$H/setuplink.conf"
# Mail to the bare intake address falls through the recipe.
{ echo "From: x@client.example"; echo "To: setup@acme.example"; echo "Subject: hi"
  echo; echo "hello"; } >"$T/bare.eml"
n0=$("$SETUPLINK" log --json | grep -c '"id"')
procmail_deliver "$T/procmailrc" "$T/bare.eml" >/dev/null 2>&1
check "procmail: mail without a token does not reach the intake" \
    [ "$("$SETUPLINK" log --json | grep -c '"id"')" -eq "$n0" ]

# ---- fetchmail from dovecot, setuplink intake as the MDA
if dovecot_start setup 'imap-pw'; then
	ok "dovecot started"
	new_link "$D" || exit 1
	reply "$T/fm.eml" <<EOF
dbname: fetched_db
EOF
	dovecot_deliver "$T/fm.eml"
	fetchmail_run setup imap-pw "$SETUPLINK --home $H intake"
	frc=$?
	[ "$frc" -eq 0 ] || cat "$FETCHMAIL_LOG" >&2
	check "fetchmail delivered through setuplink intake" [ "$frc" -eq 0 ]
	expect_log accepted null "fetchmail: accepted"
	check "fetchmail: merged" [ "$(field "$D" dbname)" = fetched_db ]
	inbox() { find "$DOVECOT_MAILDIR/new" "$DOVECOT_MAILDIR/cur" -type f | wc -l; }
	check "fetchmail: the message left the server" [ "$(inbox)" -eq 0 ]
	# A 75 keeps the message on the server; the next poll delivers it.
	new_link "$D" || exit 1
	reply "$T/fm2.eml" <<EOF
dbname: fetched_later
EOF
	dovecot_deliver "$T/fm2.eml"
	sed -i 's/^db_timeout = .*/db_timeout = 300/' "$H/setuplink.conf"
	lock_db 4
	fetchmail_run setup imap-pw "$SETUPLINK --home $H intake"
	check "fetchmail: the intake's 75 is seen" \
	    grep -q "MDA returned nonzero status 75" "$FETCHMAIL_LOG"
	check "fetchmail: the message stays on the server" [ "$(inbox)" -eq 1 ]
	check "fetchmail: nothing stored meanwhile" [ "$(link_state "$LINK")" = pending ]
	kill "$LOCK_PID" 2>/dev/null; wait "$LOCK_PID" 2>/dev/null
	sed -i 's/^db_timeout = .*/db_timeout = 10000/' "$H/setuplink.conf"
	fetchmail_run setup imap-pw "$SETUPLINK --home $H intake"
	check "fetchmail: the next poll delivers it" [ "$(field "$D" dbname)" = fetched_later ]
	check "fetchmail: ... and the server is empty" [ "$(inbox)" -eq 0 ]
	check "fetchmail: exactly one log entry for it" \
	    [ "$("$SETUPLINK" log --json | grep -c fetched)" -eq 0 ] &&
	    [ "$(log0 "e['outcome']")" = accepted ]
	# contrib/fetchmailrc, adapted, does the same.
	sed -e "s|^poll imap.example.com protocol IMAP port 993|poll 127.0.0.1 protocol IMAP port $IMAP_PORT|" \
	    -e 's|^  user "setup@acme.example" there with password "CHANGE-ME"|  user "setup" there with password "imap-pw"|' \
	    -e 's|^  ssl sslcertck|  sslproto '"''"'|' \
	    -e "s|/usr/local/bin/setuplink --home /home/setup/.local/share/setuplink|$SETUPLINK --home $H|" \
	    -e '/^set daemon/d' -e '/^set syslog/d' \
	    "$TOP/contrib/fetchmailrc" >"$T/fetchmail/contrib.rc"
	chmod 600 "$T/fetchmail/contrib.rc"
	new_link "$D" || exit 1
	reply "$T/fm3.eml" <<EOF
dbname: via_contrib_rc
EOF
	sed -i "1i Delivered-To: $RA" "$T/fm3.eml"
	dovecot_deliver "$T/fm3.eml"
	FETCHMAILHOME=$T/fetchmail fetchmail -f "$T/fetchmail/contrib.rc" --nosyslog \
	    --nodetach -i "$T/fetchmail/ids" --pidfile "$T/fetchmail/pid" \
	    </dev/null >>"$FETCHMAIL_LOG" 2>&1
	check "contrib/fetchmailrc (adapted) delivers into the intake" \
	    [ "$(field "$D" dbname)" = via_contrib_rc ]
	dovecot_stop
else
	not_ok "dovecot did not start"
fi

# ---- --maildir: a batch, each message removed (accepted) or moved to
# cur/ once stored
M=$T/Maildir
mkdir -p "$M/tmp" "$M/new" "$M/cur"
new_link "$D" || exit 1
LA=$LINK
reply "$M/new/1.a" <<EOF
user: batch_user
EOF
new_link "$D" || exit 1
LB=$LINK
reply "$M/new/2.b" <<EOF
port: notaport
EOF
reply "$M/new/3.c" <<EOF
port: 6000
EOF
RA=setup+bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb@acme.example
reply "$M/new/4.d" <<EOF
host: unknown.example
EOF
reply "$M/new/5.e" <<EOF
host: auto.example
EOF
sed -i '1i Auto-Submitted: auto-replied' "$M/new/5.e"
q0=$(quarantine_n)
sl intake --maildir "$M" -v
expect_rc 0 "--maildir: exit 0"
check "--maildir: the accepted messages removed, the others moved to cur/" \
    [ "$(ls "$M/new" | wc -l)/$(ls "$M/cur" | wc -l)" = 0/3 ] &&
    [ ! -e "$M/cur/1.a:2,S" ] && [ ! -e "$M/cur/3.c:2,S" ]
check "--maildir: cur/ names carry the seen flag" [ "$(ls "$M/cur" | grep -c ':2,S$')" -eq 3 ]
check "--maildir -v: one line per message" [ "$(grep -c . "$T/err")" -eq 5 ]
check "--maildir: link A accepted" [ "$(field "$D" user)/$(link_state "$LA")" = batch_user/used ]
check "--maildir: link B's invalid reply rejected, its next one accepted" \
    [ "$(field "$D" port)/$(link_state "$LB")" = 6000/used ]
check "--maildir: the unknown token and the auto-reply kept" [ "$(quarantine_n)" -eq $((q0 + 3)) ]
sl log --json
check "--maildir: five log entries with the right outcomes" \
    [ "$(json "sorted(e['outcome'] + '/' + str(e['reason']) for e in d[:5])")" = "['accepted/None', 'accepted/None', 'ignored/auto_reply', 'rejected/invalid', 'rejected/unknown_token']" ]
# Two good replies to one link in one batch: the second finds it used.
new_link "$D" || exit 1
LC=$LINK
reply "$M/new/7.g" <<EOF
dbname: first_in_batch
EOF
reply "$M/new/8.h" <<EOF
dbname: second_in_batch
EOF
q1=$(quarantine_n)
sl intake --maildir "$M"
expect_rc 0 "--maildir, two replies to one link: exit 0"
check "... the first is merged" [ "$(field "$D" dbname)/$(link_state "$LC")" = first_in_batch/used ]
expect_log rejected used "... the second is rejected as used"
check "... and kept in quarantine/" [ "$(quarantine_n)" -eq $((q1 + 1)) ] &&
    [ "$(log0 "e['quarantine'] is not None")" = True ]
sl intake --maildir "$M"
expect_rc 0 "--maildir again: nothing new, exit 0"
sl log --json
check "--maildir again: no new entries" [ "$(json "len(d)")" -eq "$(json "d[0]['id']")" ]
sl intake --maildir "$T/nonexistent"
check "--maildir on a folder that is not a Maildir: an error" [ "$rc" -ne 0 ]
# --dry-run over a Maildir changes nothing.
new_link "$D" || exit 1
reply "$M/new/6.f" <<EOF
user: dry_user
EOF
sl intake --maildir "$M" --dry-run
check "--maildir --dry-run prints the decision" grep -q "6.f: accepted: link $LINK" "$T/out"
check "--maildir --dry-run leaves the message in new/" [ -f "$M/new/6.f" ]
check "--maildir --dry-run stores nothing" [ "$(link_state "$LINK")" = pending ]
rm -f "$M/new/6.f"

# ---- --watch: inotify, then SIGTERM finishes and exits 0
W=$T/Watch
mkdir -p "$W/tmp" "$W/new" "$W/cur"
"$SETUPLINK" intake --maildir "$W" --watch >"$T/watch.out" 2>"$T/watch.err" &
WPID=$!
cleanup_add "kill $WPID"
sleep 0.5
check "--watch keeps running" _alive "$WPID"
new_link "$D" || exit 1
reply "$W/tmp/w1" <<EOF
user: watched_user
EOF
mv "$W/tmp/w1" "$W/new/w1"
_i=0
while [ -f "$W/new/w1" ] && [ "$_i" -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
check "--watch: a delivered message is handled within seconds" [ ! -f "$W/new/w1" ]
check "--watch: accepted" [ "$(field "$D" user)" = watched_user ]
check "--watch: the accepted message left the source" [ ! -e "$W/cur/w1:2,S" ]
new_link "$D" || exit 1
for i in 1 2 3; do
	reply "$W/tmp/m$i" <<EOF
dbname: watched_$i
EOF
	mv "$W/tmp/m$i" "$W/new/m$i"
done
_i=0
while [ "$(ls "$W/cur" | wc -l)" -lt 2 ] && [ "$_i" -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
check "--watch: three more, all handled (the two rejected in cur/)" \
    [ "$(ls "$W/new" | wc -l)/$(ls "$W/cur" | wc -l)" = 0/2 ]
check "--watch: exactly one of them took the link" \
    [ "$("$SETUPLINK" log --json | $PY -c "import json,sys; print(sum(1 for e in json.load(sys.stdin)[:3] if e['outcome'] == 'accepted'))")" -eq 1 ]
# Idle, it makes no system call at all for a second (no polling loop).
timeout 1 strace -qq -p "$WPID" -o "$T/idle.trace" 2>/dev/null
check "--watch: idle, it waits in poll() without a timeout (no polling)" \
    [ "$(grep -cv 'poll(\|resum\|restart_syscall\|detached\|+++\|---' "$T/idle.trace")" -eq 0 ] &&
    ! grep -q Timeout "$T/idle.trace"
check "--watch: waiting on inotify" \
    sh -c 'ls -l /proc/$1/fd | grep -q inotify' - "$WPID"
kill -TERM "$WPID"
_i=0
while _alive "$WPID" && [ "$_i" -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
if _alive "$WPID"; then not_ok "--watch: SIGTERM ends it"; else ok "--watch: SIGTERM ends it"; fi
wait "$WPID"
check "--watch: ... with exit 0" [ "$?" -eq 0 ]

# ---- the contrib snippets
check "contrib/procmailrc: the pipe recipe waits (w)" grep -q '^:0 w' "$TOP/contrib/procmailrc"
check "contrib/procmailrc: 75 handed back" grep -q 'EXITCODE=75' "$TOP/contrib/procmailrc"
check "contrib/fetchmailrc: mda setuplink intake" grep -q 'mda ".*setuplink.* intake"' "$TOP/contrib/fetchmailrc"
check "contrib/postfix.txt: recipient_delimiter = +" grep -q 'recipient_delimiter = +' "$TOP/contrib/postfix.txt"
check "contrib/opensmtpd.txt: an mda action for setuplink" grep -q 'setuplink .*intake --recipient %{rcpt}' "$TOP/contrib/opensmtpd.txt"
if systemd-analyze --help >/dev/null 2>&1; then
	sed -e "s|/usr/local/bin/setuplink|$SETUPLINK|" -e 's/^User=.*/User=root/' -e 's/^Group=.*/Group=root/' \
	    "$TOP/contrib/setuplink-intake.service" >"$T/setuplink-intake.service"
	# (The man page is not installed here: that complaint is not the unit's.)
	systemd-analyze verify "$T/setuplink-intake.service" 2>&1 | grep -v "Command 'man " >"$T/sa.out"
	check "contrib/setuplink-intake.service passes systemd-analyze verify" \
	    sh -c '! grep -qi "setuplink-intake.service:" "$1"' - "$T/sa.out"
	grep -i "setuplink-intake.service:" "$T/sa.out" >&2
fi
check "contrib/setuplink-intake.service runs --maildir --watch" \
    grep -q '^ExecStart=.*intake --maildir .* --watch' "$TOP/contrib/setuplink-intake.service"

done_testing
