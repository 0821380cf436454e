# twohosts.sh: two homes ("hosts") A and B on one real PostgreSQL, for the
# scripts about what a shared store holds (185-189).  Source it after
# lib.sh, lib/services.sh, lib/dbservices.sh and fixtures/replies/intake.sh;
# two_hosts NAME starts the server with database and role NAME, makes
# host A's home (init --database) and host B's (init --join, the keys
# copied) and leaves H=$HA.  a/b ARGS run setuplink on A/B; psql_q SQL
# reads the store as the server's superuser.
HA=$T/ha HB=$T/hb
a() { SETUPLINK_HOME=$HA "$SETUPLINK" "$@"; }
b() { SETUPLINK_HOME=$HB "$SETUPLINK" "$@"; }
psql_q() {
	runuser -u nobody -- "$PGBIN/psql" -h "$T/pg/sock" -p "$PG_PORT" \
	    -U postgres -d "$_th_db" -Atc "$1"
}
two_hosts() {
	_th_db=$1
	pg_start "$1" "Pass-$1-$$" "$1" || return 1
	URI="postgresql:///$1?host=$T/pg/sock&port=$PG_PORT&user=$1"
	cleanup_add "gpgconf --homedir '$HA/gnupg' --kill all; gpgconf --homedir '$HB/gnupg' --kill all"
	H=$HA SETUPLINK_HOME=$HA
	init_home --database "$URI" || return 1
	SETUPLINK_HOME=$HB sl init --join "$URI"
	[ "$rc" -eq 0 ] || { echo "init --join failed: $(cat "$T/err")" >&2; return 1; }
	tar -C "$HA" --exclude='S.*' -cf - gnupg vault.pub vault.key token.key |
	    tar -C "$HB" -xpf -
	sed -i 's/^test_on_merge = .*/test_on_merge = no/' "$HB/setuplink.conf"
}
