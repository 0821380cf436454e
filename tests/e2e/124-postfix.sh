# 124-postfix.sh: contrib/postfix.txt, pasted as shown, makes a real
# Postfix deliver a reply to setup+TOKEN@acme.example into setuplink.
# A private Postfix instance (its own config, queue and port on
# 127.0.0.1) gets the snippet's main.cf, transport, aliases and master.cf
# lines, with only paths and the user changed; a reply sent to it over
# SMTP must be accepted and merged.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
init_home || exit 1
txt=$TOP/contrib/postfix.txt

if ! command -v postfix >/dev/null 2>&1 || [ "$(id -u)" -ne 0 ]; then
	not_ok "postfix (installed, as root) is needed to test contrib/postfix.txt"
	done_testing
fi

# block N: the Nth block between "----" lines, as it is to be pasted.
block() {
	awk -v n="$1" '/^----$/ { if (on) { on = 0; k++ } else on = 1; next }
	     on && k == n - 1 { print }' "$txt"
}
block 1 >"$T/main.part"
block 2 >"$T/transport.part"
block 3 >"$T/aliases.part"
block 4 >"$T/master.part"
check "postfix.txt shows main.cf lines unindented" sh -c \
    "grep -q '^recipient_delimiter = +\$' '$T/main.part' && ! grep -q '^[[:space:]]' '$T/main.part'"
check "postfix.txt says the local part must be a user or alias" \
    grep -q '550 User unknown' "$txt"
check "postfix.txt gives the alias line" grep -q '^setup: ' "$T/aliases.part"
check "postfix.txt does not send 'postfix reload' to a stopped Postfix" \
    sh -c "grep -q 'postfix start' '$txt' && grep -q 'systemctl reload postfix' '$txt'"

# ---- a private Postfix with the snippet
pf=$T/pf port=$(free_port)
mkdir -p "$pf" "$T/pfq" "$T/pfd"
chmod 755 "$T"
chown postfix "$T/pfd"
# The user owning the home: the snippet says a dedicated one ("setup");
# the test has nobody at hand.
gpgconf --homedir "$H/gnupg" --kill all 2>/dev/null
chown -R nobody "$H"
sed -e "s|/etc/postfix|$pf|g" "$T/main.part" >"$T/main.snip"
cat >"$pf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $T/pfq
data_directory = $T/pfd
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.acme.example
mydomain = acme.example
mydestination = acme.example, localhost
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
alias_maps = hash:$pf/aliases
alias_database = hash:$pf/aliases
maillog_file = $T/maillog
maillog_file_prefixes = /var, /tmp
smtputf8_enable = no
biff = no
EOF
cat "$T/main.snip" >>"$pf/main.cf"
sed -e "s|^smtp      inet .*|127.0.0.1:$port inet n - n - - smtpd|" \
    /etc/postfix/master.cf >"$pf/master.cf"
sed -e "s|user=setup|user=nobody|" -e "s|/usr/local/bin/setuplink|$SETUPLINK|" \
    -e "s|/var/lib/setuplink|$H|" "$T/master.part" >>"$pf/master.cf"
postconf -c "$pf" -F '*/*/chroot = n' 2>/dev/null
cp "$T/transport.part" "$pf/transport"
cp "$T/aliases.part" "$pf/aliases"
postmap -c "$pf" "hash:$pf/transport" && postalias -c "$pf" "hash:$pf/aliases"
cleanup_add "postfix -c '$pf' stop >/dev/null 2>&1"
postfix -c "$pf" reload >"$T/reload.out" 2>&1; rc=$?
check "postfix reload fails on a stopped Postfix, as the snippet warns" test "$rc" -ne 0
postfix -c "$pf" start >"$T/start.out" 2>&1; rc=$?
check "postfix start with the snippet's settings ($(tail -2 "$T/maillog" 2>/dev/null))" test "$rc" -eq 0
_wait_port "$port" 2>/dev/null || sleep 2

# ---- a link, and a reply to it through Postfix
sl draft new postgres --name "Billing DB"
id=$(cat "$T/out")
sl link create "$id" --to it@client.example --fields host,dbname --json
reply=$(/usr/bin/python3 -c '
import json, sys, urllib.parse
u = json.load(open(sys.argv[1]))["mailto"]
print(urllib.parse.unquote(u[len("mailto:"):].split("?")[0]))' "$T/out")
check "the link's reply address is setup+TOKEN@acme.example ($reply)" \
    sh -c "echo '$reply' | grep -q '^setup+[a-z2-7]*@acme.example\$'"
/usr/bin/python3 - "$port" "$reply" >"$T/smtp.out" 2>&1 <<'EOF'
import smtplib, sys
port, rcpt = int(sys.argv[1]), sys.argv[2]
msg = ("From: IT <it@client.example>\r\nTo: %s\r\nSubject: Re: setup\r\n"
       "Message-ID: <pf1@client.example>\r\n\r\n"
       "host: db.client.example\r\ndbname: billing\r\n" % rcpt)
s = smtplib.SMTP("127.0.0.1", port, timeout=30)
s.ehlo("client.example")
s.mail("it@client.example")
print("nosuch", s.rcpt("nosuch@acme.example")[0])
s.rset()
s.mail("it@client.example")
print("setup", s.rcpt(rcpt)[0])
print("data", s.data(msg)[0])
s.quit()
EOF
check "Postfix refuses an unknown local part (local_recipient_maps is on)" \
    grep -q '^nosuch 550' "$T/smtp.out"
check "Postfix takes setup+TOKEN@acme.example ($(tr '\n' ' ' <"$T/smtp.out"))" \
    grep -q '^setup 250' "$T/smtp.out"
i=0
while [ $i -lt 60 ]; do
	sl draft show "$id" --json
	[ "$(json 'dict((f["key"], f["value"]) for f in d["fields"])["host"]' 2>/dev/null)" = db.client.example ] && break
	sleep 0.5; i=$((i + 1))
done
check "the reply reached setuplink and was merged ($(grep -h 'setuplink\|status=' "$T/maillog" 2>/dev/null | tail -2))" \
    test "$(json 'dict((f["key"], f["value"]) for f in d["fields"])["dbname"]' 2>/dev/null)" = billing
sl log --json
check "the intake logged it accepted" test "$(json 'd[0]["outcome"]' 2>/dev/null)" = accepted
check "Postfix logged the delivery through the setuplink transport" \
    grep -q 'relay=setuplink.*status=sent' "$T/maillog"

done_testing
