#!/bin/sh
# 040-transport.sh: how mail leaves.  The maildir transport's outbox with
# its recorded envelope, outbox list and flush, and sending through a real
# SMTP server (aiosmtpd: plain, STARTTLS, AUTH, 550, 451, down, implicit
# TLS behind a TLS proxy) and through a sendmail program.
. "$(dirname "$0")/../lib.sh"; . "$TOP/tests/lib/services.sh"
# Outgoing mail is put in outbox/new by hand: SQLite homes only.
sqlite_only

init_home || exit 1
OUT=$H/outbox
# Most of this script talks to a plain aiosmtpd: cleartext allowed by name
# (STARTTLS required by default is tests/e2e/115-starttls.sh).
echo "smtp_require_starttls = no" >>"$H/setuplink.conf"

# conf KEY VALUE: set a key in setuplink.conf (VALUE empty: unset it).
conf() {
	sed -i "/^#\{0,1\}$1 *=/d" "$H/setuplink.conf"
	[ -z "$2" ] || echo "$1 = $2" >>"$H/setuplink.conf"
}

# put NAME FROM RCPTS SUBJECT [DATE]: a message in outbox/new as the
# maildir transport writes it (envelope lines first, CRLF line ends, as
# composed mail has), with a body line that starts with a dot.
put() {
	printf 'Return-Path: <%s>\r\nX-Setuplink-Rcpt: %s\r\nDate: %s\r\nFrom: Acme <%s>\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@acme.example>\r\n\r\nHello %s\r\n.leading dot\r\n' \
	    "$2" "$3" "${5:-Wed, 25 Nov 2026 21:38:00 +0100}" "$2" "$3" "$4" \
	    "$1" "$1" >"$OUT/tmp/$1"
	mv "$OUT/tmp/$1" "$OUT/new/$1"
}
waiting() { find "$OUT/new" "$OUT/cur" -type f | wc -l; }
spooled() { find "$SMTPD_SPOOL" -name '*.eml' 2>/dev/null | wc -l; }
# last: the spool's newest message without its extension ($SMTPD_SPOOL/N);
# the spool outlives a restarted server, which counts on from its highest N.
last() { echo "$SMTPD_SPOOL/$(spooled)"; }

# ---- outbox list
sl outbox list --json
expect_rc 0 "outbox list --json on an empty outbox"
check "an empty outbox is []" [ "$(json 'len(d)')" = 0 ]
put 1000000001.a.host bounce+a@acme.example rita@client.example "First one"
touch -d '2026-01-01 00:00:01' "$OUT/new/1000000001.a.host"
put 1000000002.b.host bounce+b@acme.example "rob@client.example, cc@client.example" \
    "=?UTF-8?Q?Second_=C3=BCber?=" "25 Nov 2026 09:05 -0500"
touch -d '2026-01-01 00:00:02' "$OUT/new/1000000002.b.host"
sl outbox list --json
expect_rc 0 "outbox list --json"
check "outbox list: two messages, oldest first" \
    [ "$(json '[m["id"] for m in d]')" = "['1000000001.a.host', '1000000002.b.host']" ]
check "outbox list: to is the recorded envelope" \
    [ "$(json 'd[1]["to"]')" = "rob@client.example, cc@client.example" ]
check "outbox list: subject decoded" [ "$(json 'd[1]["subject"]')" = "Second über" ]
check "outbox list: date from Date:, RFC 3339 UTC" \
    [ "$(json 'd[0]["date"] + " " + d[1]["date"]')" = "2026-11-25T20:38:00Z 2026-11-25T14:05:00Z" ]
check "outbox list: size in bytes" \
    [ "$(json 'd[0]["size"]')" = "$(wc -c <"$OUT/new/1000000001.a.host")" ]
sl outbox list
expect_rc 0 "outbox list (table)"
check "outbox list table names recipients and subjects" \
    sh -c 'grep -q "rita@client.example.*First one" "$1" && grep -q "Second über" "$1"' - "$T/out"

# ---- bad transports
sl outbox flush
expect_rc 64 "flush with the maildir transport configured and no --transport"
sl outbox flush --transport maildir
expect_rc 64 "flush --transport maildir"
check "the sentence says why" contains "$T/err" "another transport than maildir"
sl outbox flush --transport 'smtp://sam:secret@127.0.0.1'
expect_rc 64 "credentials in a transport spec"
check "... and the password is not repeated" lacks "$T/err" secret
sl outbox flush --transport 'ftp://127.0.0.1'
expect_rc 64 "an unknown scheme"
sl outbox flush --transport 'smtp://127.0.0.1:99999'
expect_rc 64 "a port out of range"
sl outbox flush --transport 'sendmail:relative/path'
expect_rc 64 "sendmail:PATH wants an absolute path"
check "nothing was sent by bad usage" [ "$(waiting)" = 2 ]

# ---- SMTP, plain: envelope from the recorded lines, lines stripped
smtpd_start || { not_ok "smtpd_start"; done_testing; }
sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 0 "outbox flush through smtp://"
check "both messages arrived" [ "$(spooled)" = 2 ]
check "outbox/ is empty after the flush" [ "$(waiting)" = 0 ]
check "oldest first, envelope sender from Return-Path" \
    grep -qx "mail_from bounce+a@acme.example" "$SMTPD_SPOOL/1.env"
check "one RCPT per recorded recipient" sh -c '
	grep -qx "rcpt_to rob@client.example" "$1" &&
	grep -qx "rcpt_to cc@client.example" "$1" &&
	[ "$(grep -c ^rcpt_to "$1")" = 2 ]' - "$SMTPD_SPOOL/2.env"
check "the envelope lines are stripped before sending" \
    sh -c '! grep -q -e "^X-Setuplink-Rcpt" -e "^Return-Path" "$1"' - "$SMTPD_SPOOL/1.eml"
check "the message arrives whole (headers first, dot line intact)" sh -c '
	head -1 "$1" | grep -q "^Date: Wed, 25 Nov 2026" &&
	grep -q "^\.leading dot" "$1" && grep -q "Hello 1000000001" "$1"' \
    - "$SMTPD_SPOOL/1.eml"
check "progress lines on stderr" sh -c 'grep -q "^sent 1/2: to rita@client.example" "$1" &&
	grep -q "^sent 2/2: to rob@client.example, cc@client.example" "$1"' - "$T/err"
check "a summary on stdout" contains "$T/out" "2 sent"

# LF line ends (a hand-made message) are sent as CRLF; dots still stuffed.
printf 'Return-Path: <>\nX-Setuplink-Rcpt: rita@client.example\nSubject: lf\n\n.\nend\n' \
    >"$OUT/new/1000000003.c.host"
sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 0 "flush of an LF message with the null sender"
check "null sender (aiosmtpd writes it <>)" grep -qx "mail_from <>" "$SMTPD_SPOOL/3.env"
check "CRLF on the wire; a lone dot line survives (stuffed and unstuffed)" \
    $PY -c 'import sys
sys.exit(open(sys.argv[1], "rb").read() != b"Subject: lf\r\n\r\n.\r\nend\r\n")' \
    "$SMTPD_SPOOL/3.eml"

# A message without the recorded envelope is left alone: 65.
printf 'To: x@client.example\nSubject: stray\n\nhi\n' >"$OUT/new/1000000004.d.host"
sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 65 "a message without a recorded envelope"
check "... is named and left in outbox/" sh -c '
	grep -q "skipped 1/1: 1000000004.d.host" "$1" && [ -f "$2" ]' \
    - "$T/err" "$OUT/new/1000000004.d.host"
rm -f "$OUT/new/1000000004.d.host"

# ---- 550: refused for good, moved to outbox/.failed/, the rest goes on
put 1000000005.e.host bounce+e@acme.example nobody@client.example "Refused"
put 1000000006.f.host bounce+f@acme.example nobody2@client.example "Refused too"
smtpd_mode reject
n0=$(spooled)
sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 69 "a 550 from the server exits 69"
check "each refusal is reported with the server's words" sh -c '
	grep -q "refused 1/2: to nobody@client.example: the SMTP server 127.0.0.1:$2 refused the message for good: 550" "$1" &&
	grep -q "refused 2/2" "$1"' - "$T/err" "$SMTPD_PORT"
check "both refused messages moved to outbox/.failed/new" sh -c '
	[ -f "$1/.failed/new/1000000005.e.host" ] && [ -f "$1/.failed/new/1000000006.f.host" ]' - "$OUT"
check "nothing waits after the refusals" [ "$(waiting)" = 0 ]
check "nothing was spooled" [ "$(spooled)" = "$n0" ]

# ---- 451: temporary, the flush stops and keeps everything
put 1000000007.g.host bounce+g@acme.example rita@client.example "Later 1"
put 1000000008.h.host bounce+h@acme.example rita@client.example "Later 2"
smtpd_mode tempfail
sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 75 "a 451 from the server exits 75"
check "the sentence names the server and what it said" sh -c '
	grep -q "127.0.0.1:$2" "$1" && grep -q "451" "$1" &&
	grep -q "2 messages still wait in outbox/" "$1"' - "$T/err" "$SMTPD_PORT"
check "the flush stopped at the first message" lacks "$T/err" "2/2"
check "both messages still wait" [ "$(waiting)" = 2 ]
check "stdout stays empty on an error" [ ! -s "$T/out" ]

# ---- the server down: 75, a clear sentence, nothing lost
smtpd_mode accept
port=$SMTPD_PORT
smtpd_stop
sl outbox flush --transport "smtp://127.0.0.1:$port"
expect_rc 75 "server down exits 75"
check "the sentence names the server and the error" sh -c '
	grep -q "cannot send through the SMTP server 127.0.0.1:$2" "$1" &&
	grep -qi "connect" "$1" && grep -q "again later" "$1"' - "$T/err" "$port"
check "the messages still wait" [ "$(waiting)" = 2 ]

# ---- one flush at a time
smtpd_start
flock "$OUT" sleep 3 &
lockpid=$!
sleep 0.3
sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 75 "a second flush while one runs exits 75"
check "... saying so" contains "$T/err" "another outbox flush is running"
wait "$lockpid"
sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 0 "the flush once the other is done"
check "the two waiting messages are sent" [ "$(waiting)" = 0 ]

# ---- the configured transport is used when --transport is left out
put 1000000009.i.host bounce+i@acme.example rita@client.example "Configured"
conf transport "smtp://127.0.0.1:$SMTPD_PORT"
n0=$(spooled)
sl outbox flush
expect_rc 0 "flush through the configured smtp transport"
check "sent" [ "$(spooled)" = $((n0 + 1)) ]
conf transport maildir

# ---- STARTTLS + AUTH, the throwaway CA trusted through smtp_ca_file
smtpd_start --tls --auth 'sam:pa ss'
printf 'pa ss\n' >"$T/pw"
chmod 600 "$T/pw"
conf smtp_user sam
conf smtp_password_file "$T/pw"
conf smtp_ca_file "$SMTPD_CA"
put 1000000010.j.host bounce+j@acme.example rita@client.example "Over TLS"
sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 0 "STARTTLS + AUTH with smtp_ca_file"
check "the server saw TLS and the login" sh -c '
	grep -qx "tls yes" "$1" && grep -qx "auth sam" "$1" &&
	grep -qx "mail_from bounce+j@acme.example" "$1"' - "$(last).env"
check "no warning when the certificate is verified" lacks "$T/err" "warning"

# The password from the environment instead.
conf smtp_password_file ""
conf smtp_password_env SL_TEST_PW
put 1000000011.k.host bounce+k@acme.example rita@client.example "Env pw"
SL_TEST_PW='pa ss' sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 0 "AUTH with the password from smtp_password_env"
sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 0 "(nothing waits)"
put 1000000012.l.host bounce+l@acme.example rita@client.example "No env"
sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 78 "smtp_password_env names an unset variable: 78"
check "... and says which" contains "$T/err" "SL_TEST_PW"

# A wrong password: 78 (the configuration), never the password itself.
conf smtp_password_env ""
printf 'wrong-secret-4711\n' >"$T/pw"
conf smtp_password_file "$T/pw"
sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 78 "a refused login exits 78"
check "the sentence names the server and the user" sh -c '
	grep -q "127.0.0.1:$2 refused the login of smtp_user .sam." "$1"' - "$T/err" "$SMTPD_PORT"
check "the password appears nowhere in the output" sh -c '
	! grep -q wrong-secret-4711 "$1" "$2"' - "$T/err" "$T/out"
check "the message still waits" [ "$(waiting)" = 1 ]
printf 'pa ss\n' >"$T/pw"

# An smtp_ca_file that cannot be read: 78, the configuration.
conf smtp_ca_file "$T/no-such-ca.pem"
sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 78 "an unreadable smtp_ca_file exits 78"
check "... naming it" contains "$T/err" "$T/no-such-ca.pem (smtp_ca_file)"

# An untrusted certificate (the system store does not know our CA): 75.
conf smtp_ca_file ""
sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 75 "an untrusted certificate exits 75"
check "the sentence names the server and the certificate" sh -c '
	grep -q "127.0.0.1:$2" "$1" && grep -qi "certificate" "$1"' - "$T/err" "$SMTPD_PORT"
check "the message still waits" [ "$(waiting)" = 1 ]

# smtp_verify = no: sent, with a warning on every send.
conf smtp_verify no
put 1000000013.m.host bounce+m@acme.example rita@client.example "No verify"
sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 0 "smtp_verify = no sends"
check "... warning once per message" [ "$(grep -c 'smtp_verify is off' "$T/err")" = 2 ]
conf smtp_verify yes
conf smtp_ca_file "$SMTPD_CA"

# AUTH never goes over a plain connection: a server without STARTTLS.
smtpd_start --auth 'sam:pa ss'
n0=$(spooled) a0=$(grep -c "AUTH.*failed" "$SMTPD_LOG")
put 1000000014.n.host bounce+n@acme.example rita@client.example "No TLS"
sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 75 "AUTH configured and no STARTTLS offered: not sent"
check "... saying that the password goes only over TLS" contains "$T/err" "only over TLS"
check "no login was tried in the clear" [ "$(grep -c "AUTH.*failed" "$SMTPD_LOG")" = "$a0" ]
check "nothing spooled" [ "$(spooled)" = "$n0" ]
conf smtp_user ""
conf smtp_password_file ""
rm -f "$OUT"/new/*

# Without AUTH, STARTTLS is used when offered (opportunistic).
smtpd_start --tls
put 1000000015.o.host bounce+o@acme.example rita@client.example "Opportunistic"
sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
expect_rc 0 "STARTTLS taken when offered"
check "the server saw TLS" grep -qx "tls yes" "$(last).env"

# ---- smtps:// (implicit TLS).  aiosmtpd's smtpd.py has no implicit TLS
# listener, so a TLS proxy (Python ssl, the same throwaway certificate)
# stands in front of a plain smtpd.py.
smtpd_start
$PY - "$T/tls/chain.pem" "$T/tls/key.pem" "$SMTPD_PORT" "$T/tlsproxy.port" \
    >"$T/tlsproxy.log" 2>&1 <<'EOF' &
import asyncio, os, ssl, sys
chain, key, up, portfile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(chain, key)
async def pipe(r, w):
    try:
        while True:
            d = await r.read(65536)
            if not d:
                break
            w.write(d)
            await w.drain()
    except Exception:
        pass
    finally:
        w.close()
async def handle(r, w):
    ur, uw = await asyncio.open_connection("127.0.0.1", up)
    await asyncio.gather(pipe(r, uw), pipe(ur, w))
async def main():
    srv = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=ctx)
    open(portfile + ".tmp", "w").write("%d\n" % srv.sockets[0].getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    await srv.serve_forever()
asyncio.run(main())
EOF
proxypid=$!
cleanup_add "kill $proxypid"
i=0
while [ ! -s "$T/tlsproxy.port" ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
pport=$(cat "$T/tlsproxy.port" 2>/dev/null)
put 1000000016.p.host bounce+p@acme.example rita@client.example "Implicit TLS"
sl outbox flush --transport "smtps://127.0.0.1:$pport"
expect_rc 0 "smtps:// through the TLS proxy, CA from smtp_ca_file"
check "arrived with its envelope" grep -qx "mail_from bounce+p@acme.example" "$(last).env"
conf smtp_ca_file ""
put 1000000017.q.host bounce+q@acme.example rita@client.example "Implicit untrusted"
sl outbox flush --transport "smtps://127.0.0.1:$pport"
expect_rc 75 "smtps:// with an untrusted certificate exits 75"
check "... naming the server" contains "$T/err" "127.0.0.1:$pport"
rm -f "$OUT"/new/*
kill "$proxypid" 2>/dev/null

# ---- sendmail:PATH
cat >"$T/sendmail" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$T/sm.args"
echo "sendmail chatter on stdout"
cat >"$T/sm.in"
exit \$(cat "$T/sm.rc" 2>/dev/null || echo 0)
EOF
chmod 755 "$T/sendmail"
put 1000000018.r.host bounce+r@acme.example "rita@client.example, -x@client.example" "Piped"
sl outbox flush --transport "sendmail:$T/sendmail"
expect_rc 65 "a recipient that looks like an option is not sent"
rm -f "$OUT"/new/*
put 1000000019.s.host bounce+s@acme.example "rita@client.example, o'b\"r;\$(id)@client.example" "Piped"
tail -n +3 "$OUT/new/1000000019.s.host" >"$T/expected.in"
sl outbox flush --transport "sendmail:$T/sendmail"
expect_rc 0 "sendmail:PATH"
check "argv is -i -f SENDER -- RCPT..." [ "$(cat "$T/sm.args" | tr '\n' ' ')" = \
    "-i -f bounce+s@acme.example -- rita@client.example o'b\"r;\$(id)@client.example " ]
check "stdin is the message without the envelope lines" cmp -s "$T/sm.in" "$T/expected.in"
check "the program's stdout does not reach ours" [ "$(cat "$T/out")" = "1 sent." ]

echo 67 >"$T/sm.rc"
put 1000000020.t.host bounce+t@acme.example rita@client.example "No such user"
sl outbox flush --transport "sendmail:$T/sendmail"
expect_rc 69 "sendmail exit 67 (EX_NOUSER) is permanent: 69"
check "... named with the program and status" sh -c '
	grep -q "$2 refused the message for good (exit status 67, EX_NOUSER)" "$1"' - "$T/err" "$T/sendmail"
check "... and moved aside" [ -f "$OUT/.failed/new/1000000020.t.host" ]
sl outbox list
check "outbox list counts the refused messages set aside" \
    contains "$T/out" "3 refused messages in $OUT/.failed/"
for code in 75 1 70; do
	echo $code >"$T/sm.rc"
	put 10000000$code.u.host bounce+u@acme.example rita@client.example "Temp $code"
	sl outbox flush --transport "sendmail:$T/sendmail"
	expect_rc 75 "sendmail exit $code is temporary: 75"
	check "... named with the program and status $code" sh -c '
		grep -q "$2 failed with exit status $3" "$1"' - "$T/err" "$T/sendmail" "$code"
	rm -f "$OUT"/new/*
done
put 1000000021.v.host bounce+v@acme.example rita@client.example "Missing program"
sl outbox flush --transport "sendmail:$T/no-such-sendmail"
expect_rc 75 "a sendmail program that cannot run: 75"
check "... naming it" contains "$T/err" "cannot run the sendmail program $T/no-such-sendmail"
check "the message still waits" [ "$(waiting)" = 1 ]
rm -f "$OUT"/new/* "$T/sm.rc"

# ---- link create through the transports (once link create exists)
if "$SETUPLINK" link create -h >/dev/null 2>&1; then
	sl draft new postgres --name "Prod DB"
	draft=$(cat "$T/out")
	smtpd_start
	port=$SMTPD_PORT
	smtpd_stop
	sl link create "$draft" --to rita@client.example --transport "smtp://127.0.0.1:$port"
	expect_rc 0 "link create with the SMTP server down queues the email (exit 0)"
	check "... the warning names the server" contains "$T/err" "127.0.0.1:$port"
	check "... stdout has the id and URL" [ "$(wc -l <"$T/out")" = 2 ]
	sl link list --json
	check "... and the link stays pending" [ "$(json 'len([l for l in d if l["state"] == "pending"])')" = 1 ]
	check "... its email waits in outbox/" [ "$(waiting)" = 1 ]
	sl link revoke 1
	check "revoking it takes the email out of outbox/" [ "$(waiting)" = 0 ]

	smtpd_start
	sl link create "$draft" --to rita@client.example --transport "smtp://127.0.0.1:$SMTPD_PORT"
	expect_rc 0 "link create through smtp://"
	check "the setup email arrived, envelope sender the reply address" sh -c '
		grep -Eq "^mail_from setup\+[a-z2-7]{26,}@acme.example$" "$1.env" &&
		grep -qx "rcpt_to rita@client.example" "$1.env"' - "$(last)"

	smtpd_mode reject
	sl link create "$draft" --to rita@client.example --transport "smtp://127.0.0.1:$SMTPD_PORT"
	expect_rc 69 "link create refused with 550 exits 69"
	sl link list --json
	check "... and leaves one pending link (the first)" [ "$(json 'len([l for l in d if l["state"] == "pending"])')" = 1 ]
	smtpd_mode accept

	# maildir, then outbox flush: the envelope survives the outbox.
	sl link create "$draft" --to rob@client.example
	expect_rc 0 "link create with the maildir transport"
	check "one message waits in outbox/new" [ "$(waiting)" = 1 ]
	check "with its envelope recorded at the top" sh -c '
		f=$(ls "$1"/new/*); head -1 "$f" | grep -Eq "^Return-Path: <setup\+[a-z2-7]+@acme.example>" &&
		sed -n 2p "$f" | grep -q "^X-Setuplink-Rcpt: rob@client.example"' - "$OUT"
	sl outbox list --json
	check "outbox list shows it" [ "$(json 'd[0]["to"]')" = rob@client.example ]
	sl outbox flush --transport "smtp://127.0.0.1:$SMTPD_PORT"
	expect_rc 0 "outbox flush of the setup email"
	check "it arrived with the same envelope" sh -c '
		grep -Eq "^mail_from setup\+[a-z2-7]{26,}@acme.example$" "$1.env" &&
		grep -qx "rcpt_to rob@client.example" "$1.env" &&
		! grep -q "^X-Setuplink-Rcpt" "$1.eml"' - "$(last)"
else
	echo "# link create is not in this build: its transport tests skipped"
fi

done_testing
