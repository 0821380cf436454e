# dbservices.sh: the real services credentials tests connect to, on
# loopback (PostgreSQL, MariaDB, OpenSSH sshd).  Source it after
# tests/lib.sh and tests/lib/services.sh (for _tls_certs, free_port,
# _wait_port):
#
#	. "$TOP/tests/lib/services.sh"; . "$TOP/tests/lib/dbservices.sh"
#
# Daemons that refuse root (postgres, mariadbd) run as nobody in
# directories under $T, which becomes 0711 so nobody can reach them; the
# server certificates are the throwaway CA's (services.sh _tls_certs,
# made for localhost and 127.0.0.1).  Each start sets a *_LOG to the
# server's log, which records every connection, so a test can show that
# nothing connected.

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

# pg_start USER PASSWORD DBNAME: a private PostgreSQL on localhost:PG_PORT
# with TLS (the test CA's certificate), scram-sha-256 logins over TCP, one
# role USER owning DBNAME, and connections logged to PG_LOG.
pg_start() {
	_tls_certs || return 1
	_pd=$T/pg
	chmod 711 "$T"
	mkdir -p "$_pd/sock" && chown -R nobody:nogroup "$_pd" && chmod 700 "$_pd"
	PG_PORT=$(free_port)
	echo "pg-super-$$" >"$_pd/pw" && chown nobody "$_pd/pw"
	runuser -u nobody -- "$PGBIN/initdb" -D "$_pd/data" -U postgres \
	    --pwfile="$_pd/pw" -A scram-sha-256 --auth-local=trust \
	    >"$_pd/initdb.log" 2>&1 || { cat "$_pd/initdb.log" >&2; return 1; }
	install -o nobody -m 600 "$T/tls/chain.pem" "$_pd/data/server.crt"
	install -o nobody -m 600 "$T/tls/key.pem" "$_pd/data/server.key"
	cat >>"$_pd/data/postgresql.conf" <<EOF
listen_addresses = 'localhost'
port = $PG_PORT
unix_socket_directories = '$_pd/sock'
ssl = on
log_connections = on
logging_collector = off
EOF
	PG_LOG=$_pd/server.log
	runuser -u nobody -- "$PGBIN/pg_ctl" -D "$_pd/data" -l "$PG_LOG" -w \
	    -t 30 start >"$_pd/ctl.log" 2>&1 ||
	    { cat "$_pd/ctl.log" "$PG_LOG" >&2; return 1; }
	cleanup_add pg_stop
	runuser -u nobody -- "$PGBIN/psql" -q -h "$_pd/sock" -p "$PG_PORT" \
	    -U postgres -d postgres -v ON_ERROR_STOP=1 >"$_pd/psql.log" 2>&1 <<EOF ||
CREATE ROLE "$1" LOGIN PASSWORD '$2';
CREATE DATABASE "$3" OWNER "$1";
EOF
	    { cat "$_pd/psql.log" >&2; return 1; }
	export PG_PORT PG_LOG
}

pg_stop() {
	[ -d "$T/pg/data" ] || return 0
	runuser -u nobody -- "$PGBIN/pg_ctl" -D "$T/pg/data" -m immediate \
	    -w stop >/dev/null 2>&1
}

# pg_resume: start again the PostgreSQL that pg_start made and pg_stop
# stopped, on the same port and data.
pg_resume() {
	runuser -u nobody -- "$PGBIN/pg_ctl" -D "$T/pg/data" -l "$PG_LOG" -w \
	    -t 30 start >"$T/pg/ctl.log" 2>&1 ||
	    { cat "$T/pg/ctl.log" "$PG_LOG" >&2; return 1; }
}

# pg_connections: how many connections PostgreSQL has logged.
pg_connections() {
	grep -c 'connection received' "$PG_LOG" 2>/dev/null || true
}

# sshd_start: OpenSSH's sshd on 127.0.0.1:SSHD_PORT with a throwaway
# ed25519 host key (fingerprint in SSHD_FPR) and a throwaway account
# SSHD_USER (removed on exit) whose password is SSHD_PASSWORD and whose
# authorized key is the passphrase-protected $T/ssh/id (passphrase
# SSHD_PASSPHRASE).  Logins are logged to SSHD_LOG.
sshd_start() {
	_sd=$T/ssh
	mkdir -p "$_sd" && chmod 755 "$_sd"
	chmod 711 "$T"
	SSHD_PORT=$(free_port)
	SSHD_USER=slt$$
	SSHD_PASSWORD=Ssh-pass-$$-x
	SSHD_PASSPHRASE=Key-phrase-$$-y
	ssh-keygen -q -t ed25519 -N '' -f "$_sd/host" || return 1
	ssh-keygen -q -t ed25519 -N "$SSHD_PASSPHRASE" -f "$_sd/id" || return 1
	SSHD_FPR=$(ssh-keygen -lf "$_sd/host.pub" | awk '{print $2}')
	useradd -M -d "$_sd" -s /bin/sh "$SSHD_USER" || return 1
	cleanup_add "userdel $SSHD_USER"
	echo "$SSHD_USER:$SSHD_PASSWORD" | chpasswd || return 1
	cp "$_sd/id.pub" "$_sd/authorized_keys" && chmod 644 "$_sd/authorized_keys"
	cat >"$_sd/sshd_config" <<EOF
Port $SSHD_PORT
ListenAddress 127.0.0.1
HostKey $_sd/host
PidFile $_sd/sshd.pid
AuthorizedKeysFile $_sd/authorized_keys
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
UsePAM no
StrictModes no
LogLevel VERBOSE
EOF
	SSHD_LOG=$_sd/sshd.log
	mkdir -p /run/sshd
	/usr/sbin/sshd -D -e -f "$_sd/sshd_config" 2>>"$SSHD_LOG" &
	SSHD_PID=$!
	cleanup_add sshd_stop
	_wait_port "$SSHD_PORT" 10 || { cat "$SSHD_LOG" >&2; return 1; }
	export SSHD_PORT SSHD_USER SSHD_PASSWORD SSHD_PASSPHRASE SSHD_FPR SSHD_LOG
}

sshd_stop() {
	[ -n "${SSHD_PID:-}" ] || return 0
	kill "$SSHD_PID" 2>/dev/null
	_pid_gone "$SSHD_PID"
	SSHD_PID=
}

# my_start USER PASSWORD DBNAME: a private MariaDB on 127.0.0.1:MY_PORT
# with TLS (the test CA's certificate), one account USER@'%' owning
# DBNAME, every connection in the general log MY_LOG.
my_start() {
	_tls_certs || return 1
	_md=$T/my
	chmod 711 "$T"
	mkdir -p "$_md/data" && chmod 700 "$_md"
	install -m 644 "$T/tls/chain.pem" "$_md/cert.pem"
	install -m 600 "$T/tls/key.pem" "$_md/key.pem"
	install -m 644 "$T/tls/ca.pem" "$_md/ca.pem"
	chown -R nobody:nogroup "$_md"
	MY_PORT=$(free_port)
	MY_LOG=$_md/general.log
	mariadb-install-db --no-defaults --user=nobody --datadir="$_md/data" \
	    --auth-root-authentication-method=socket --skip-test-db \
	    >"$_md/install.log" 2>&1 || { cat "$_md/install.log" >&2; return 1; }
	mariadbd --no-defaults --user=nobody --datadir="$_md/data" \
	    --socket="$_md/sock" --port="$MY_PORT" --bind-address=127.0.0.1 \
	    --pid-file="$_md/pid" --skip-name-resolve \
	    --ssl-cert="$_md/cert.pem" --ssl-key="$_md/key.pem" \
	    --ssl-ca="$_md/ca.pem" --general-log=1 --general-log-file="$MY_LOG" \
	    --log-error="$_md/error.log" >/dev/null 2>&1 &
	MY_PID=$!
	cleanup_add my_stop
	_wait_port "$MY_PORT" 30 || { cat "$_md/error.log" >&2; return 1; }
	mariadb --no-defaults -S "$_md/sock" -u root >"$_md/sql.log" 2>&1 <<EOF ||
CREATE DATABASE \`$3\`;
CREATE USER '$1'@'%' IDENTIFIED BY '$2';
GRANT ALL ON \`$3\`.* TO '$1'@'%';
EOF
	    { cat "$_md/sql.log" >&2; return 1; }
	export MY_PORT MY_LOG
}

my_stop() {
	[ -n "${MY_PID:-}" ] || return 0
	kill "$MY_PID" 2>/dev/null
	_pid_gone "$MY_PID" 10
	MY_PID=
}

# my_connections: how many connections MariaDB has logged.
my_connections() {
	grep -c 'Connect' "$MY_LOG" 2>/dev/null || true
}
