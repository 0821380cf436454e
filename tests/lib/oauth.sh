# oauth.sh: helpers for the OAuth sign-in tests (tests/e2e/17x): a
# connector in the test home that signs in against oauthd.py, the
# workspace's client for it, and waits on what a sign-in leaves behind.
# Source after tests/lib.sh, tests/lib/services.sh and
# tests/fixtures/replies/intake.sh, with oauthd_start already run.

# oauth_home: the connector "crm" (auth_method password|oauth; the token
# endpoint under the draft's tenant) and HOME/oauth/crm.conf.
oauth_home() {
	mkdir -p "$H/connectors" "$H/oauth"
	cat >"$H/connectors/crm.json" <<JSON
{"key": "crm", "name": "Test CRM", "category": "saas",
 "method_field": "auth_method",
 "fields": [
  {"key": "tenant", "type": "string", "label": "Tenant"},
  {"key": "auth_method", "type": "enum", "choices": ["password", "oauth"],
   "required": true},
  {"key": "user", "type": "string", "method": "password"},
  {"key": "password", "type": "secret", "method": "password"},
  {"key": "refresh_token", "type": "secret", "method": "oauth",
   "required": true},
  {"key": "account", "type": "string", "method": "oauth"}],
 "oauth": {"method": "oauth", "client": "crm",
  "device_authorization_endpoint": "$OAUTHD_URL/{tenant}/device",
  "token_endpoint": "$OAUTHD_URL/{tenant}/token",
  "userinfo_endpoint": "$OAUTHD_URL/userinfo",
  "scope": "crm.read offline_access",
  "token_field": "refresh_token", "account_field": "account"}}
JSON
	printf 'client_id = setuplink-test\n' >"$H/oauth/crm.conf"
}

# wait_for SECONDS CMD...: until CMD succeeds (0) or the time is up (1).
wait_for() {
	_n=$(($1 * 5)); shift
	while [ "$_n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.2
		_n=$((_n - 1))
	done
	return 1
}

# mail_kind KIND: the newest mail in outbox/new with X-Setuplink: KIND
# (on PostgreSQL, the newest waiting row, copied to a file).
mail_kind() {
	if pg_home; then
		outbox_copy "$T/outbox-rows"
		for _n in $(store_sql "SELECT name FROM outbox_mail WHERE failed = 0 ORDER BY id DESC"); do
			grep -q "^X-Setuplink: $1\$" "$T/outbox-rows/$_n" &&
			    { echo "$T/outbox-rows/$_n"; return 0; }
		done
		return 0
	fi
	grep -l "^X-Setuplink: $1\$" "$H"/outbox/new/* 2>/dev/null |
	    xargs -r ls -t | head -1
}
has_mail() { [ -n "$(mail_kind "$1")" ]; }
# mails_kind KIND: how many.
mails_kind() {
	if pg_home; then
		outbox_copy "$T/outbox-rows"
		for _n in $(store_sql "SELECT name FROM outbox_mail WHERE failed = 0"); do
			grep -l "^X-Setuplink: $1\$" "$T/outbox-rows/$_n"
		done | wc -l
		return 0
	fi
	grep -l "^X-Setuplink: $1\$" "$H"/outbox/new/* 2>/dev/null | wc -l
}

# user_code: the code the newest sign-in mail carries.
user_code() {
	decoded "$(mail_kind oauth-code)" | sed -n 's/.*Enter the code: *//p' |
	    head -1 | tr -d '\r'
}

# signin_sql SQL: a read of the store (the tests' window on the sign-ins).
signin_sql() {
	pg_home && { store_sql "$1"; return; }
	$PY - "$H/setuplink.db" "$1" <<'PYEOF'
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
for r in c.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in r))
PYEOF
}
signin_state() { signin_sql "SELECT state FROM signins ORDER BY id DESC LIMIT 1"; }
is_state() { [ "$(signin_state)" = "$1" ]; }
is_link() { [ "$(link_state "$1")" = "$2" ]; }

# kill_workers: any sign-in worker still polling (by its pid in the store).
kill_workers() {
	for _o in $(signin_sql "SELECT owner FROM signins WHERE state = 'active'"); do
		kill "${_o##*:}" 2>/dev/null
	done
}
