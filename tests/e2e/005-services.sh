#!/bin/sh
# 005-services.sh: the test library's real services work: SMTP with STARTTLS
# and AUTH, dovecot + fetchmail, procmail, tmux, mutt signing (and
# encrypting) a reply with gpg.  Every later mail test stands on these.
. "$(dirname "$0")/../lib.sh"; . "$TOP/tests/lib/services.sh"

# ---- gpg: a replier's key and a workspace key
rfpr=$(gpg_home "$T/r" "Rita Replier" rita@client.example)
wfpr=$(gpg_home "$T/w" "Acme Data" setup@acme.example)
check "gpg_home prints a fingerprint" \
    sh -c 'echo "$1" | grep -Eqx "[0-9A-F]{40}"' - "$rfpr"
check "gpg_home key signs (ed25519) and has a cv25519 encryption subkey" \
    sh -c 'gpg --homedir "$1" --with-colons -K 2>/dev/null |
	grep -q "^sec:.*:ed25519:" &&
	gpg --homedir "$1" --with-colons -K 2>/dev/null | grep -q "^ssb:.*:e:.*:cv25519:"' \
    - "$T/r"

# ---- SMTP: STARTTLS verified against SMTPD_CA, AUTH, spool
if smtpd_start --tls --auth 'sam:pa ss'; then ok "smtpd_start --tls --auth"
else not_ok "smtpd_start --tls --auth"; fi
$PY - >"$T/smtp.out" 2>&1 <<EOF
import smtplib, ssl
ctx = ssl.create_default_context(cafile="$SMTPD_CA")
# No STARTTLS yet: MAIL must be refused.
s = smtplib.SMTP("127.0.0.1", $SMTPD_PORT, timeout=10)
code, _ = s.docmd("MAIL", "FROM:<x@y>")
print("plain-mail", code)
s.starttls(context=ctx)   # verifies the certificate and 127.0.0.1
try:
    s.login("sam", "wrong")
except smtplib.SMTPAuthenticationError as e:
    print("bad-login", e.smtp_code)
s.login("sam", "pa ss")
s.sendmail("bounce+x@acme.example", ["rita@client.example", "cc@client.example"],
           b"From: a@acme.example\r\nSubject: over TLS\r\n\r\nsecret 4711\r\n.dot line\r\n")
s.quit()
print("sent")
EOF
check "smtplib: STARTTLS verified with SMTPD_CA, AUTH, message sent" contains "$T/smtp.out" sent
check "smtpd refuses MAIL before STARTTLS" contains "$T/smtp.out" "plain-mail 530"
check "smtpd refuses a wrong password" contains "$T/smtp.out" "bad-login 535"
grep -q sent "$T/smtp.out" || cat "$T/smtp.out" >&2
check "the message lands in SMTPD_SPOOL" contains "$SMTPD_SPOOL/1.eml" "secret 4711"
check "dots are unstuffed" contains "$SMTPD_SPOOL/1.eml" ".dot line"
check "the envelope is in N.env" sh -c 'grep -qx "mail_from bounce+x@acme.example" "$1" &&
	grep -qx "rcpt_to rita@client.example" "$1" &&
	grep -qx "rcpt_to cc@client.example" "$1" &&
	grep -qx "tls yes" "$1" && grep -qx "auth sam" "$1"' - "$SMTPD_SPOOL/1.env"

# ---- SMTP: 550 and 451 answers, then accepting again
smtpd_start --reject
$PY - >"$T/smtp2.out" 2>&1 <<EOF
import smtplib, time
def send(tag):
    s = smtplib.SMTP("127.0.0.1", $SMTPD_PORT, timeout=10)
    try:
        s.sendmail("a@x", ["b@y"], b"Subject: " + tag + b"\r\n\r\nbody\r\n")
        print(tag.decode(), 250)
    except smtplib.SMTPDataError as e:
        print(tag.decode(), e.smtp_code)
    s.quit()
send(b"first")
open("$T/smtpd/mode", "w").write("tempfail\n")
send(b"second")
open("$T/smtpd/mode", "w").write("accept\n")
send(b"third")
EOF
check "smtpd --reject answers 550" contains "$T/smtp2.out" "first 550"
check "smtpd_mode tempfail answers 451" contains "$T/smtp2.out" "second 451"
check "smtpd_mode accept: saved as the next file of the spool" \
    contains "$SMTPD_SPOOL/2.eml" "Subject: third"
smtpd_stop

# ---- dovecot: a real login, then fetchmail into an MDA
if dovecot_start alice 'dove"pass\1%'; then ok "dovecot_start"
else not_ok "dovecot_start"; fi
cat >"$T/in.eml" <<'EOF'
From: Rita <rita@client.example>
To: setup+tok@acme.example
Subject: fetched through dovecot
Message-ID: <fetch.1@client.example>

host: db.client.example
EOF
dovecot_deliver "$T/in.eml"
PW='dove"pass\1%' $PY - >"$T/imap.out" 2>&1 <<EOF
import imaplib, os, poplib
i = imaplib.IMAP4("127.0.0.1", $IMAP_PORT)
i.login("alice", os.environ["PW"])
typ, n = i.select("INBOX")
print("imap", typ, n[0].decode())
i.logout()
p = poplib.POP3("127.0.0.1", $POP3_PORT)
p.user("alice")
p.pass_(os.environ["PW"])
print("pop3", p.stat()[0])
p.quit()
EOF
check "IMAP login sees the delivered message" contains "$T/imap.out" "imap OK 1"
check "POP3 login sees the delivered message" contains "$T/imap.out" "pop3 1"
fetchmail_run alice 'dove"pass\1%' "cat > $T/fetched"
frc=$?
[ "$frc" -eq 0 ] || cat "$FETCHMAIL_LOG" >&2
check "fetchmail_run exits 0 having delivered" [ "$frc" -eq 0 ]
check "the MDA got the message" contains "$T/fetched" "host: db.client.example"
check "with its headers" contains "$T/fetched" "Message-ID: <fetch.1@client.example>"
inbox() { find "$DOVECOT_MAILDIR/new" "$DOVECOT_MAILDIR/cur" -type f | wc -l; }
check "no keep: the INBOX is empty afterwards" [ "$(inbox)" -eq 0 ]
fetchmail_run alice 'dove"pass\1%' "cat > $T/fetched2"
check "a second fetchmail_run finds no mail (exit 1)" [ "$?" -eq 1 ]
dovecot_deliver "$T/in.eml"
# fetchmail still exits 0 when the MDA fails: it logs it and keeps the mail.
fetchmail_run alice 'dove"pass\1%' "cat >/dev/null; exit 75"
check "an MDA's exit 75 is logged, the message not flushed" sh -c '
	grep -q "MDA returned nonzero status 75" "$1" && grep -q "not flushed" "$1"' \
    - "$FETCHMAIL_LOG"
check "... and the message stays on the server" [ "$(inbox)" -eq 1 ]
rm -f "$T/fetched"
fetchmail_run alice 'dove"pass\1%' "cat > $T/fetched"
check "the next fetchmail_run delivers it (not marked seen)" [ "$?" -eq 0 ]
check "... whole" contains "$T/fetched" "host: db.client.example"

# ---- procmail
cat >"$T/procmailrc" <<EOF
:0 w
* ^Subject: fetched
| cat > $T/procmailed
EOF
procmail_deliver "$T/procmailrc" "$T/in.eml"
check "procmail_deliver exits 0" [ "$?" -eq 0 ]
check "procmail piped the message to the command" \
    contains "$T/procmailed" "host: db.client.example"
cat >"$T/procmailrc75" <<'EOF'
:0 w
| sh -c 'cat >/dev/null; exit 75'
EXITCODE=$?
HOST
EOF
procmail_deliver "$T/procmailrc75" "$T/in.eml" 2>/dev/null
check "procmail passes an MDA's 75 on with EXITCODE=\$? + HOST" [ "$?" -eq 75 ]

# ---- tmux
tmux_start hello 80 24 sh -c 'echo hello; sleep 30'
check "tmux_wait sees the command's output" tmux_wait hello hello 10
tmux_wait hello "not on the screen" 1 2>"$T/tmux.err"
check "tmux_wait returns 1 on timeout" [ "$?" -eq 1 ]
check "... and shows the screen on stderr" contains "$T/tmux.err" hello
check "tmux_screen shows HEIGHT lines" [ "$(tmux_screen hello | wc -l)" -eq 24 ]
tmux_start keys 40 5 cat
tmux_keys keys -l 'typed: a b'; tmux_keys keys Enter
check "tmux_keys types into the pane" tmux_wait keys "typed: a b" 5
# The pane's shell and its sleep, to see them end with tmux_stop.
pane_pid=$(tmux -S "$T/tmux.sock" display -p -t =hello: '#{pane_pid}')
pane_pids="$pane_pid $(ps -o pid= --ppid "$pane_pid")"

# ---- mutt: a signed reply, then a signed and encrypted one
cat >"$T/setup.eml" <<'EOF'
From: "Ann Admin via Acme Data" <setup+abcdefgh@acme.example>
Reply-To: setup+abcdefgh@acme.example
To: rita@client.example
Subject: Setup request: PostgreSQL for "Prod"
Message-ID: <setup.1@acme.example>
Date: Wed, 25 Nov 2026 20:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

--- setup form for link 1: keep the names left of the colons ---
host:
--- end of setup form ---
EOF
printf '%s\n' '--- setup form for link 1: keep the names left of the colons ---' \
    'host: db.client.example' 'password: pässwörd' '--- end of setup form ---' \
    >"$T/body"
mutt_sign_reply "$T/r" "$T/setup.eml" "$T/body" "$T/signed.eml"
check "mutt_sign_reply sends a reply" [ "$?" -eq 0 ]
check "it is multipart/signed (PGP/MIME)" sh -c 'grep -A1 "^Content-Type: multipart/signed" "$1" |
	grep -q "application/pgp-signature"' - "$T/signed.eml"
check "to the reply address" contains "$T/signed.eml" "setup+abcdefgh@acme.example"
check "as a reply" contains "$T/signed.eml" "In-Reply-To: <setup.1@acme.example>"
check "the envelope recipient is in OUTFILE.args" \
    contains "$T/signed.eml.args" "setup+abcdefgh@acme.example"
check "the body is BODYFILE" contains "$T/signed.eml" "host: db.client.example"
check "gpg --verify accepts mutt's signature" pgpmime_verify "$T/r" "$T/signed.eml"
check "made by the replier's key" contains "$T/verify.status" "VALIDSIG $rfpr"
sed 's/db.client.example/db.evil.example/' "$T/signed.eml" >"$T/tampered.eml"
pgpmime_verify "$T/r" "$T/tampered.eml" 2>/dev/null
check "gpg --verify refuses it once changed" [ "$?" -ne 0 ]

gpg --homedir "$T/w" --armor --export "$wfpr" >"$T/wkey.asc"
gpg --homedir "$T/r" --armor --export "$rfpr" | gpg --homedir "$T/w" --batch --import 2>/dev/null
mutt_sign_reply "$T/r" "$T/setup.eml" "$T/body" "$T/enc.eml" "$T/wkey.asc"
check "mutt_sign_reply with a key file sends a reply" [ "$?" -eq 0 ]
check "it is multipart/encrypted" contains "$T/enc.eml" "Content-Type: multipart/encrypted"
gpg --homedir "$T/w" --batch --status-file "$T/dec.status" --decrypt "$T/enc.eml" \
    >"$T/dec.out" 2>/dev/null
check "the workspace key decrypts it" contains "$T/dec.status" "DECRYPTION_OKAY"
check "with integrity protection" contains "$T/dec.status" "GOODMDC"
check "and a good signature of the replier" contains "$T/dec.status" "VALIDSIG $rfpr"
check "the plaintext is BODYFILE" contains "$T/dec.out" "host: db.client.example"

# ---- everything stops: no process of ours is left
smtpd_stop; dovecot_stop; tmux_stop
gpgconf --homedir "$T/r" --kill all; gpgconf --homedir "$T/w" --kill all
sleep 0.3
# Our daemons name $T in their arguments (zombies show no arguments).
leftovers() { ps -eo pid=,args= | grep -F "$T/" | grep -v grep; }
check "no process left running in \$T" [ -z "$(leftovers)" ]
leftovers >&2
# Ended: gone, or a zombie that init has yet to reap.
check "the tmux panes' commands have ended" sh -c 'for p; do
	ps -o stat= -p "$p" | grep -q "^[^Z]" && exit 1; done; exit 0' - $pane_pids

done_testing
