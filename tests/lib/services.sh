# services.sh: real mail components on loopback for the end-to-end tests
# (an SMTP server, dovecot, fetchmail, procmail, tmux, mutt, gpg).  Source it
# after tests/lib.sh, which gives $T, $TOP and cleanup_add:
#
#	. "$(dirname "$0")/../lib.sh"; . "$TOP/tests/lib/services.sh"
#
# Every server listens on 127.0.0.1 only, keeps its files under $T and is
# stopped by the cleanup that lib.sh runs on exit.  Nothing here is a mock.
# Python helpers run with /usr/bin/python3: the python3 first on PATH may
# be another one that does not see Debian's python3-aiosmtpd.

PY=/usr/bin/python3
_svc_n=0

# _svc_seq: a new number on each call, for names unique within the script.
# (It sets _svc_n rather than printing, since $(...) would run in a subshell.)
_svc_seq() { _svc_n=$((_svc_n + 1)); }

# free_port: print a TCP port on 127.0.0.1 that nothing listens on now.
# The kernel picks it (bind to port 0); a server should bind it soon after.
free_port() {
	$PY -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# _wait_port PORT [SECONDS]: wait until 127.0.0.1:PORT accepts a connection
# (polling every 0.1 s, 10 s by default); 1 on timeout.
_wait_port() {
	$PY - "$1" "${2:-10}" <<'EOF'
import socket, sys, time
port, end = int(sys.argv[1]), time.time() + float(sys.argv[2])
while True:
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
        sys.exit(0)
    except OSError:
        if time.time() > end:
            sys.exit(1)
        time.sleep(0.1)
EOF
}

# _alive PID: PID runs (a zombie, dead but not yet reaped by init, does not).
_alive() {
	ps -o stat= -p "$1" 2>/dev/null | grep -q '^[^Z]'
}

# _pid_gone PID [SECONDS]: wait until PID has exited (TERM was sent), then
# KILL it if it has not after SECONDS (5 by default).  A daemon's zombie
# counts as gone: init here may take seconds to reap it.
_pid_gone() {
	_i=0
	while _alive "$1"; do
		_i=$((_i + 1))
		if [ "$_i" -gt $((${2:-5} * 10)) ]; then
			kill -KILL "$1" 2>/dev/null
			break
		fi
		sleep 0.1
	done
	wait "$1" 2>/dev/null	# reap it if it is our child
	return 0
}

# ---------------------------------------------------------------- gpg

# gpg_home DIR NAME EMAIL: a throwaway GnuPG home at DIR (0700) holding a
# passphrase-less ed25519 signing key with a cv25519 encryption subkey for
# "NAME <EMAIL>"; prints the primary key's fingerprint.  Keep DIR short and
# free of spaces: the agent's sockets live in it and a socket path must fit
# in 107 bytes.  The cleanup kills its gpg-agent.
gpg_home() {
	mkdir -p "$1" && chmod 700 "$1" || return 1
	cleanup_add "gpgconf --homedir '$1' --kill all"
	_g="gpg --homedir $1 --batch --passphrase= --pinentry-mode loopback"
	$_g --quick-gen-key "$2 <$3>" ed25519 sign 0 2>"$1/gen.log" || {
		cat "$1/gen.log" >&2; return 1; }
	_fpr=$($_g --with-colons --list-secret-keys "<$3>" 2>/dev/null |
	    awk -F: '$1 == "fpr" { print $10; exit }')
	$_g --quick-add-key "$_fpr" cv25519 encr 0 2>>"$1/gen.log" || {
		cat "$1/gen.log" >&2; return 1; }
	echo "$_fpr"
}

# pgpmime_verify GNUPGHOME FILE: check a PGP/MIME signature (RFC 3156): the
# first part of FILE's multipart/signed, byte for byte with CRLF line ends,
# against its application/pgp-signature part, with gpg --verify in GNUPGHOME.
# Returns gpg's status (0: good signature); gpg's status lines are left in
# $T/verify.status.  FILE may be the top-level message or have the
# multipart/signed anywhere inside it (not inside an encryption).
pgpmime_verify() {
	rm -f "$T/verify.data" "$T/verify.sig"
	$PY - "$2" "$T/verify.data" "$T/verify.sig" <<'EOF' || return 1
import email, email.policy, re, sys
raw = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n")
msg = email.message_from_bytes(raw, policy=email.policy.compat32)
for part in msg.walk():
    if part.get_content_type() == "multipart/signed":
        break
else:
    sys.exit("pgpmime_verify: no multipart/signed part in " + sys.argv[1])
b = part.get_boundary().encode()
# The signed part is the raw bytes between the first two delimiter lines; the
# line break before a delimiter belongs to the delimiter (RFC 2046 5.1.1).  A
# boundary occurs nowhere else in the message, nested parts included.
delim = re.compile(rb"(?:^|\n)--" + re.escape(b) + rb"(--)?[ \t]*\n")
m = list(delim.finditer(raw))
if len(m) < 2:
    sys.exit("pgpmime_verify: cannot find the parts' boundaries")
signed = raw[m[0].end():m[1].start()]
open(sys.argv[2], "wb").write(signed.replace(b"\n", b"\r\n"))
sig = part.get_payload()[1]
if sig.get_content_type() != "application/pgp-signature":
    sys.exit("pgpmime_verify: second part is " + sig.get_content_type())
open(sys.argv[3], "wb").write(sig.get_payload(decode=True))
EOF
	gpg --homedir "$1" --batch --status-file "$T/verify.status" \
	    --verify "$T/verify.sig" "$T/verify.data" 2>"$T/verify.log"
	_rc=$?
	[ "$_rc" -eq 0 ] || cat "$T/verify.log" >&2
	return "$_rc"
}

# ---------------------------------------------------------------- TLS

# _tls_certs: once per script, a throwaway CA ($T/tls/ca.pem) and a server
# certificate it signed for localhost and 127.0.0.1 (cert.pem, key.pem,
# chain.pem = cert + CA).  A real CA and a leaf, so strict TLS libraries
# (GnuTLS, Python) accept them as they would a real server's.
_tls_certs() {
	[ -s "$T/tls/chain.pem" ] && return 0
	mkdir -p "$T/tls" && (
	cd "$T/tls" || exit 1
	cat >ca.cnf <<'EOF'
[req]
distinguished_name = dn
x509_extensions = ext
prompt = no
[dn]
CN = setuplink test CA
[ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
	cat >leaf.cnf <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
	openssl req -x509 -new -noenc -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -keyout ca.key -out ca.pem -days 7 -config ca.cnf &&
	openssl req -new -noenc -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -keyout key.pem -out req.pem -subj /CN=localhost &&
	openssl x509 -req -in req.pem -CA ca.pem -CAkey ca.key -set_serial "0x$(
	    od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" -days 7 \
	    -extfile leaf.cnf -out cert.pem &&
	cat cert.pem ca.pem >chain.pem
	) >"$T/tls.log" 2>&1 || { cat "$T/tls.log" >&2; return 1; }
}

# ---------------------------------------------------------------- SMTP

# smtpd_start [--tls] [--auth USER:PASS] [--reject|--tempfail]: start
# tests/lib/smtpd.py (aiosmtpd) on 127.0.0.1 and wait until it answers.
# --tls offers STARTTLS and refuses mail without it; --auth requires AUTH
# PLAIN or LOGIN (only after STARTTLS when --tls is given); --reject answers
# every message 550, --tempfail 451 (smtpd_mode changes that later).
# Exports SMTPD_PORT, SMTPD_SPOOL (N.eml + N.env per message, see smtpd.py),
# SMTPD_CA (the CA that signed the server's certificate; made even without
# --tls), SMTPD_LOG and SMTPD_PID.  One server per script at a time.
smtpd_start() {
	_tls='' _auth='' _mode=''
	while [ $# -gt 0 ]; do
		case $1 in
		--tls) _tls=1 ;;
		--auth) _auth=$2; shift ;;
		--reject|--tempfail) _mode=$1 ;;
		*) echo "smtpd_start: unknown option $1" >&2; return 64 ;;
		esac
		shift
	done
	smtpd_stop
	_tls_certs || return 1
	_sd=$T/smtpd
	mkdir -p "$_sd/spool" && rm -f "$_sd/port" "$_sd/mode"
	set -- --spool "$_sd/spool" --port-file "$_sd/port" --mode-file "$_sd/mode"
	[ -n "$_tls" ] && set -- "$@" --cert "$T/tls/chain.pem" --key "$T/tls/key.pem"
	[ -n "$_auth" ] && set -- "$@" --auth "$_auth"
	[ -n "$_mode" ] && set -- "$@" "$_mode"
	$PY "$TOP/tests/lib/smtpd.py" "$@" </dev/null >>"$_sd/log" 2>&1 &
	SMTPD_PID=$!
	cleanup_add smtpd_stop
	_i=0
	until [ -s "$_sd/port" ]; do
		_i=$((_i + 1))
		if [ "$_i" -gt 100 ] || ! _alive "$SMTPD_PID"; then
			echo "smtpd_start: the server did not start:" >&2
			cat "$_sd/log" >&2
			smtpd_stop
			return 1
		fi
		sleep 0.1
	done
	SMTPD_PORT=$(cat "$_sd/port")
	SMTPD_SPOOL=$_sd/spool SMTPD_CA=$T/tls/ca.pem SMTPD_LOG=$_sd/log
	export SMTPD_PORT SMTPD_SPOOL SMTPD_CA SMTPD_LOG SMTPD_PID
	_wait_port "$SMTPD_PORT" 10 || { cat "$_sd/log" >&2; return 1; }
}

# smtpd_mode accept|reject|tempfail: change what the running server answers
# from the next message on (250, 550 or 451).
smtpd_mode() {
	echo "$1" >"$T/smtpd/mode"
}

# smtpd_stop: stop the server (TERM, then wait); the spool stays.
smtpd_stop() {
	[ -n "${SMTPD_PID:-}" ] || return 0
	kill "$SMTPD_PID" 2>/dev/null
	_pid_gone "$SMTPD_PID"
	SMTPD_PID=
}

# ---------------------------------------------------------------- HTTP

# httpd_start [--tls]: start tests/lib/httpd.py (Python's http.server) on
# 127.0.0.1, HTTPS with a certificate of the test CA when --tls is given.
# Exports HTTPD_PORT, HTTPD_URL (http(s)://127.0.0.1:PORT), HTTPD_SPOOL
# (N.json per request, see httpd.py), HTTPD_CA, HTTPD_LOG and HTTPD_PID.
# httpd_mode ok|down-500|slow-S changes what it answers from then on.
httpd_start() {
	_htls=''
	[ "${1:-}" = --tls ] && _htls=1
	httpd_stop
	_tls_certs || return 1
	_hd=$T/httpd
	mkdir -p "$_hd/spool" && rm -f "$_hd/port"
	set -- --spool "$_hd/spool" --port-file "$_hd/port" --mode-file "$_hd/mode"
	[ -n "$_htls" ] && set -- "$@" --cert "$T/tls/chain.pem" --key "$T/tls/key.pem"
	$PY "$TOP/tests/lib/httpd.py" "$@" </dev/null >>"$_hd/log" 2>&1 &
	HTTPD_PID=$!
	cleanup_add httpd_stop
	_i=0
	until [ -s "$_hd/port" ]; do
		_i=$((_i + 1))
		if [ "$_i" -gt 100 ] || ! _alive "$HTTPD_PID"; then
			echo "httpd_start: the server did not start:" >&2
			cat "$_hd/log" >&2
			httpd_stop
			return 1
		fi
		sleep 0.1
	done
	HTTPD_PORT=$(cat "$_hd/port")
	if [ -n "$_htls" ]; then HTTPD_URL=https://127.0.0.1:$HTTPD_PORT
	else HTTPD_URL=http://127.0.0.1:$HTTPD_PORT; fi
	HTTPD_SPOOL=$_hd/spool HTTPD_CA=$T/tls/ca.pem HTTPD_LOG=$_hd/log
	export HTTPD_PORT HTTPD_URL HTTPD_SPOOL HTTPD_CA HTTPD_LOG HTTPD_PID
	_wait_port "$HTTPD_PORT" 10 || { cat "$_hd/log" >&2; return 1; }
}

httpd_mode() {
	echo "$1" >"$T/httpd/mode"
}

httpd_stop() {
	[ -n "${HTTPD_PID:-}" ] || return 0
	kill "$HTTPD_PID" 2>/dev/null
	_pid_gone "$HTTPD_PID"
	HTTPD_PID=
}

# ---------------------------------------------------------------- dovecot

# dovecot_start USER PASS: a private dovecot serving IMAP and POP3 without
# TLS on 127.0.0.1, with its own config, base_dir, state_dir and log under
# $T/dovecot and one passwd-file user whose INBOX is the Maildir
# $DOVECOT_MAILDIR.  Dovecot will not run mail processes as root (CI is
# root), so mail belongs to nobody:nogroup; $T becomes 0711 so that nobody
# and dovecot's own users can reach their files (subdirectories stay 0700).
# Uses the dovecot and dovenull users that Debian's dovecot-core creates.
# USER and PASS must hold no ':' or newline (passwd-file).  Exports
# IMAP_PORT, POP3_PORT, DOVECOT_MAILDIR, DOVECOT_LOG, DOVECOT_CONF.
dovecot_start() {
	_dd=$T/dovecot
	dovecot_stop
	chmod 711 "$T"
	mkdir -p "$_dd/run" "$_dd/state" "$_dd/home/$1" || return 1
	chmod 711 "$_dd"
	DOVECOT_MAILDIR=$_dd/home/$1/Maildir
	for _s in cur new tmp; do mkdir -p "$DOVECOT_MAILDIR/$_s"; done
	chown -R nobody:nogroup "$_dd/home" && chmod -R go= "$_dd/home/$1"
	# passwd-file: user:password:uid:gid:gecos:home:shell; uid/gid come
	# from mail_uid/mail_gid.  The auth process (user dovecot) reads it.
	printf '%s:{PLAIN}%s::::%s::\n' "$1" "$2" "$_dd/home/$1" >"$_dd/passwd"
	chown root:dovecot "$_dd/passwd" && chmod 640 "$_dd/passwd"
	DOVECOT_CONF=$_dd/dovecot.conf DOVECOT_LOG=$_dd/log
	cleanup_add dovecot_stop
	_try=0
	while :; do
		IMAP_PORT=$(free_port) POP3_PORT=$(free_port)
		[ "$IMAP_PORT" != "$POP3_PORT" ] || continue
		cat >"$DOVECOT_CONF" <<EOF
# Generated by tests/lib/services.sh dovecot_start; nothing from /etc.
instance_name = $(basename "$T")
base_dir = $_dd/run
state_dir = $_dd/state
log_path = $_dd/log
protocols = imap pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
default_internal_user = dovecot
default_login_user = dovenull
mail_uid = nobody
mail_gid = nogroup
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN $_dd/passwd
}
userdb {
  driver = passwd-file
  args = $_dd/passwd
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $POP3_PORT
  }
  inet_listener pop3s {
    port = 0
  }
}
protocol pop3 {
  pop3_uidl_format = %08Xu%08Xv
}
EOF
		if dovecot -c "$DOVECOT_CONF" 2>"$_dd/start.err" &&
		    _wait_port "$IMAP_PORT" 10 && _wait_port "$POP3_PORT" 10; then
			break
		fi
		dovecot_stop
		_try=$((_try + 1))
		if [ "$_try" -ge 3 ]; then
			echo "dovecot_start: dovecot did not start:" >&2
			cat "$_dd/start.err" "$_dd/log" >&2 2>/dev/null
			return 1
		fi
	done
	export IMAP_PORT POP3_PORT DOVECOT_MAILDIR DOVECOT_LOG DOVECOT_CONF
}

# dovecot_deliver FILE: put FILE into the user's INBOX as a new message, the
# Maildir way (write in tmp/, rename into new/), owned by the mail user.
dovecot_deliver() {
	_svc_seq
	_f=$(date +%s).P$$Q$_svc_n.localhost
	cp "$1" "$DOVECOT_MAILDIR/tmp/$_f" &&
	chown nobody:nogroup "$DOVECOT_MAILDIR/tmp/$_f" &&
	chmod 600 "$DOVECOT_MAILDIR/tmp/$_f" &&
	mv "$DOVECOT_MAILDIR/tmp/$_f" "$DOVECOT_MAILDIR/new/$_f"
}

# dovecot_stop: stop the master (TERM via master.pid), which takes its
# children down, and wait until it has gone.
dovecot_stop() {
	_pf=$T/dovecot/run/master.pid
	[ -s "$_pf" ] || return 0
	_p=$(cat "$_pf")
	kill "$_p" 2>/dev/null && _pid_gone "$_p"
	rm -f "$_pf"
}

# ---------------------------------------------------------------- fetchmail

# fetchmail_run USER PASS MDA_COMMAND [FETCHMAIL_OPTIONS...]: fetch the
# user's new mail from dovecot over IMAP once (no daemon), handing each
# message to MDA_COMMAND (run by /bin/sh; fetchmail expands %F, %T and %%
# in it, so write a literal % as %%).  Messages are deleted once the MDA
# exits 0 ("no keep"; pass --keep to keep them).  A message whose MDA fails
# (75, say) stays on the server, unseen, and is fetched again next time, but
# fetchmail still exits 0: look for "MDA returned nonzero status" and "not
# flushed" in $FETCHMAIL_LOG, where its output goes.  Returns fetchmail's
# status: 0 mail handled, 1 no mail, 3 bad login, others see fetchmail(1).
# The rc file must be 0600 and owned by the caller or fetchmail refuses it;
# as root fetchmail only warns.  FETCHMAILHOME keeps its lock/id files in $T.
fetchmail_run() {
	_fm=$T/fetchmail
	mkdir -p "$_fm" && chmod 700 "$_fm"
	# fetchmail has no \" in strings: write " and \ as hex escapes.
	_q() { printf '%s' "$1" | sed 's/\\/\\x5c/g; s/"/\\x22/g'; }
	cat >"$_fm/rc" <<EOF
poll 127.0.0.1 service $IMAP_PORT protocol IMAP auth password timeout 20
  user "$(_q "$1")" there with password "$(_q "$2")"
  mda "$(_q "$3")"
  no keep
  no rewrite
  sslproto ''
EOF
	chmod 600 "$_fm/rc"
	shift 3
	FETCHMAIL_LOG=$_fm/log
	export FETCHMAIL_LOG
	FETCHMAILHOME=$_fm fetchmail -f "$_fm/rc" --nosyslog --nodetach \
	    -i "$_fm/ids" --pidfile "$_fm/pid" "$@" </dev/null >>"$_fm/log" 2>&1
}

# ---------------------------------------------------------------- procmail

# procmail_deliver RCFILE MSGFILE: run procmail as an MDA with RCFILE only
# (procmail -m: no /etc/procmailrc, no default delivery) on MSGFILE; returns
# procmail's status.  RCFILE must not be writable by others.  Beware: a pipe
# recipe without the w flag ignores the program's status (exit 0, mail
# lost); with "w" a failure makes procmail exit 73, unless the rc ends with
# "EXITCODE=$?" and a line "HOST", which passes the program's 75 on.
procmail_deliver() {
	procmail -m "$1" <"$2"
}

# ---------------------------------------------------------------- tmux

# tmux_start NAME WIDTH HEIGHT CMD...: run CMD (argv, no shell) in a detached
# tmux session NAME of exactly WIDTH x HEIGHT cells, on a tmux server of our
# own (socket $T/tmux.sock, no ~/.tmux.conf, no status line, panes remain
# after CMD exits so its last screen can still be read).
tmux_start() {
	_tn=$1 _tw=$2 _th=$3
	shift 3
	if [ ! -S "$T/tmux.sock" ]; then
		cat >"$T/tmux.conf" <<'EOF'
set -g status off
set -g remain-on-exit on
set -g history-limit 2000
set -g escape-time 0
EOF
		cleanup_add tmux_stop
	fi
	tmux -u -S "$T/tmux.sock" -f "$T/tmux.conf" new-session -d -s "$_tn" \
	    -x "$_tw" -y "$_th" -- "$@" </dev/null
}

# tmux_keys NAME KEYS...: send-keys to the session (tmux key names such as
# Enter, Escape, C-c, Down; -l as the first KEYS sends the rest literally).
tmux_keys() {
	_tn=$1; shift
	tmux -S "$T/tmux.sock" send-keys -t "=$_tn:" "$@"
}

# tmux_screen NAME: print what the session's pane shows now.
tmux_screen() {
	tmux -S "$T/tmux.sock" capture-pane -p -t "=$1:"
}

# tmux_wait NAME TEXT [SECONDS]: wait until the screen shows the fixed TEXT,
# polling every 0.1 s (SECONDS a whole number, 10 by default); on timeout,
# print the screen on stderr and return 1.
tmux_wait() {
	_i=0
	while ! tmux_screen "$1" 2>/dev/null | grep -qF -- "$2"; do
		_i=$((_i + 1))
		if [ "$_i" -ge $((${3:-10} * 10)) ]; then
			echo "tmux_wait: no \"$2\" on $1's screen after ${3:-10} s:" >&2
			tmux_screen "$1" >&2
			return 1
		fi
		sleep 0.1
	done
}

# tmux_stop: kill our tmux server and what runs in it (SIGHUP to each pane).
tmux_stop() {
	[ -S "$T/tmux.sock" ] || return 0
	tmux -S "$T/tmux.sock" kill-server 2>/dev/null
	rm -f "$T/tmux.sock"
}

# ---------------------------------------------------------------- mutt

# mutt_sign_reply GNUPGHOME MSGFILE BODYFILE OUTFILE [ENCRYPT_TO_KEYFILE]:
# reply to MSGFILE with real mutt (gpgme), driven through tmux since mutt's
# batch mode will not sign.  The reply's body is BODYFILE (an $EDITOR script
# writes it into the file mutt edits); it is PGP/MIME-signed by GNUPGHOME's
# secret key (the first; no passphrase) and, given a public key file, also
# encrypted to that key (imported into GNUPGHOME, locally signed so mutt
# trusts it, used for every recipient through crypt-hook; mutt adds the
# signer too).  $sendmail is a script that writes the message to OUTFILE,
# and its arguments (the envelope recipients) to OUTFILE.args.  MSGFILE is
# a message file (as in a Maildir, or a one-message mbox with its "From "
# line) or a Maildir directory holding one message; it is copied, never
# changed.  From: is the key's first user ID.  Returns 1 (the screen on
# stderr) if mutt did not send within 20 s.
mutt_sign_reply() {
	_gh=$1 _msg=$2 _body=$3 _out=$4 _enc=${5:-}
	_svc_seq
	_md=$T/mutt$_svc_n
	mkdir -p "$_md/box/cur" "$_md/box/new" "$_md/box/tmp" "$_md/tmp" &&
	chmod 700 "$_md" || return 1
	cleanup_add "gpgconf --homedir '$_gh' --kill all"
	# The message, as one Maildir message (no mbox "From " line).
	if [ -d "$_msg" ]; then
		_src=$(find "$_msg/new" "$_msg/cur" -type f | head -1)
	else
		_src=$_msg
	fi
	[ -f "$_src" ] || { echo "mutt_sign_reply: no message in $_msg" >&2; return 1; }
	sed '1{/^From /d;}' "$_src" >"$_md/box/cur/1.msg:2,"
	_g="gpg --homedir $_gh --batch"
	_fpr=$($_g --with-colons --list-secret-keys 2>/dev/null |
	    awk -F: '$1 == "fpr" { print $10; exit }')
	_uid=$($_g --with-colons --list-keys "$_fpr" 2>/dev/null |
	    awk -F: '$1 == "uid" { print $10; exit }')
	[ -n "$_fpr" ] || { echo "mutt_sign_reply: no secret key in $_gh" >&2; return 1; }
	cat >"$_md/editor" <<EOF
#!/bin/sh
cat '$_body' >"\$1"
EOF
	cat >"$_md/sendmail" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >'$_out.args'
cat >'$_out.tmp' && mv '$_out.tmp' '$_out'
EOF
	chmod 700 "$_md/editor" "$_md/sendmail"
	rm -f "$_out"
	cat >"$_md/muttrc" <<EOF
set folder="$_md" spoolfile="$_md/box" mbox="$_md/box" record="" postpone=no
set tmpdir="$_md/tmp" header_cache="" message_cachedir=""
set editor="$_md/editor" sendmail="$_md/sendmail"
set from="$_uid" realname="" use_from=yes hostname=localhost
set charset=utf-8 send_charset="us-ascii:utf-8"
set include=no fast_reply=yes reply_to=yes abort_unmodified=no
set askcc=no askbcc=no edit_headers=no autoedit=no
set copy=no move=no quit=yes confirmappend=no wait_key=no sleep_time=0
set mail_check=0 beep=no
set crypt_use_gpgme=yes crypt_autosign=yes crypt_replysign=yes
set crypt_verify_sig=no crypt_confirmhook=no crypt_opportunistic_encrypt=no
set pgp_sign_as="$_fpr" pgp_default_key="$_fpr"
set pgp_autoinline=no pgp_replyinline=no
EOF
	if [ -n "$_enc" ]; then
		_efpr=$($_g --with-colons --import-options show-only \
		    --import "$_enc" 2>/dev/null |
		    awk -F: '$1 == "fpr" { print $10; exit }')
		$_g --import "$_enc" >/dev/null 2>&1 &&
		$_g --yes --quick-lsign-key "$_efpr" >/dev/null 2>&1 || {
			echo "mutt_sign_reply: cannot import $_enc" >&2; return 1; }
		cat >>"$_md/muttrc" <<EOF
set crypt_autoencrypt=yes
crypt-hook . "$_efpr"
EOF
	fi
	_ts=mutt$_svc_n
	tmux_start "$_ts" 120 40 env GNUPGHOME="$_gh" HOME="$_md" \
	    mutt -n -F "$_md/muttrc" -f "$_md/box" || return 1
	tmux_wait "$_ts" "q:Quit" 10 || { tmux_stop_session "$_ts"; return 1; }
	tmux_keys "$_ts" r
	tmux_wait "$_ts" "y:Send" 10 || { tmux_stop_session "$_ts"; return 1; }
	tmux_keys "$_ts" y
	_i=0
	while [ ! -f "$_out" ]; do
		_i=$((_i + 1))
		# A key typed while mutt was still drawing can be lost on a
		# loaded machine: still on the compose screen, type it again.
		if [ $((_i % 30)) -eq 0 ] && [ ! -f "$_out" ] &&
		    tmux_screen "$_ts" | grep -q "y:Send"; then
			tmux_keys "$_ts" y
		fi
		if [ "$_i" -ge 200 ]; then
			echo "mutt_sign_reply: mutt sent nothing:" >&2
			tmux_screen "$_ts" >&2
			tmux_stop_session "$_ts"
			return 1
		fi
		sleep 0.1
	done
	tmux_keys "$_ts" q
	tmux_stop_session "$_ts"
}

# tmux_stop_session NAME: end one session (its program gets SIGHUP).
tmux_stop_session() {
	tmux -S "$T/tmux.sock" kill-session -t "=$1" 2>/dev/null
	return 0
}

# ---------------------------------------------------------------- OAuth

# oauthd_start [ARGS...]: start tests/lib/oauthd.py, a real authorization
# server (Debian's python3-authlib: RFC 8628 device authorization and
# device code grant) on 127.0.0.1, HTTP.  Exports OAUTHD_URL and
# OAUTHD_DIR (refresh_tokens: each one issued).  oauthd POST|GET PATH
# calls it as a user or the test would (/approve?user_code=..., /control?
# ..., /state).
oauthd_start() {
	oauthd_stop
	_od=$T/oauthd
	mkdir -p "$_od" && rm -f "$_od/port"
	$PY "$TOP/tests/lib/oauthd.py" --dir "$_od" --port-file "$_od/port" "$@" \
	    </dev/null >>"$_od/log" 2>&1 &
	OAUTHD_PID=$!
	cleanup_add oauthd_stop
	_i=0
	until [ -s "$_od/port" ]; do
		_i=$((_i + 1))
		if [ "$_i" -gt 100 ] || ! _alive "$OAUTHD_PID"; then
			echo "oauthd_start: the server did not start:" >&2
			cat "$_od/log" >&2
			oauthd_stop
			return 1
		fi
		sleep 0.1
	done
	OAUTHD_PORT=$(cat "$_od/port")
	OAUTHD_URL=http://127.0.0.1:$OAUTHD_PORT OAUTHD_DIR=$_od
	export OAUTHD_PORT OAUTHD_URL OAUTHD_DIR OAUTHD_PID
	_wait_port "$OAUTHD_PORT" 10 || { cat "$_od/log" >&2; return 1; }
}

oauthd() {
	$PY - "$1" "$OAUTHD_URL$2" <<'PYEOF'
import sys, urllib.request
r = urllib.request.Request(sys.argv[2], data=b"" if sys.argv[1] == "POST" else None)
try:
    sys.stdout.write(urllib.request.urlopen(r, timeout=10).read().decode())
except urllib.error.HTTPError as e:
    sys.stdout.write(e.read().decode())
    sys.exit(1)
PYEOF
}

oauthd_stop() {
	[ -n "${OAUTHD_PID:-}" ] || return 0
	kill "$OAUTHD_PID" 2>/dev/null
	_pid_gone "$OAUTHD_PID"
	OAUTHD_PID=
}
