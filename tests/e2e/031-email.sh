# 031-email.sh: the setup email as a recipient's software sees it: parsed
# by Python's email package, its PGP/MIME signature checked by gpg, its
# key (attachment and Autocrypt header) imported, the form and the mailto
# URL compared, and the message opened in mutt.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
sl init --workspace "Société Données" --admin "Zoë Ångström <zoe@acme.example>" \
    --intake setup@acme.example
[ "$rc" -eq 0 ] || { not_ok "init: $(cat "$T/err")"; done_testing; }
cleanup_add "gpgconf --homedir '$H/gnupg' --kill all"

sl draft new postgres --name "Base « prod » Zürich"
sl draft set 1 host=db.client.example user=reader password=hunter2-secret
sl link create 1 --to rita@client.example --fields host,port,user,password \
    --note "Merci, Rita — à bientôt"
expect_rc 0 "link create"
link=$(sed -n 1p "$T/out")
sed -n 2p "$T/out" >"$T/mailto"
sl link list --json
cp "$T/out" "$T/links.json"
sl key export
cp "$T/out" "$T/workspace.asc"
wfpr=$(gpg --with-colons --import-options show-only --import "$T/workspace.asc" 2>/dev/null |
    awk -F: '$1 == "fpr" { print $10; exit }')
check "key export gives the workspace key" sh -c 'echo "$1" | grep -Eqx "[0-9A-F]{40}"' - "$wfpr"

msgs=$(find "$H/outbox/new" -type f)
check "the maildir transport wrote one message to outbox/new" test "$(echo "$msgs" | wc -l)" -eq 1
msg=$(echo "$msgs" | head -1)
cp "$msg" "$T/setup.eml"

# ---- what Python's email package sees
/usr/bin/python3 - "$T/setup.eml" "$T/mailto" "$T/links.json" "$link" "$wfpr" "$T" \
    >"$T/py.out" 2>&1 <<'EOF'
import base64, email, email.header, email.policy, json, re, sys, time
import urllib.parse

path, mailto_path, links_path, link, wfpr, tdir = sys.argv[1:]
link = int(link)
raw = open(path, "rb").read()
ok_n = 0
def check(desc, cond):
    print(("ok - " if cond else "not ok - ") + desc)

# outbox/ is a local Maildir: LF line ends on disk (SPEC); the transports
# send CRLF, so the rest reads the message as it goes on the wire.
check("outbox/ holds LF line ends, no CR", b"\r" not in raw and raw.endswith(b"\n"))
raw = raw.replace(b"\n", b"\r\n")
lines = raw.split(b"\n")
check("the message is 7-bit ASCII", all(b < 128 for b in raw))
check("every line is under 78 characters",
      max(len(l.rstrip(b"\r")) for l in lines) < 78)

msg = email.message_from_bytes(raw, policy=email.policy.default)
defects = [(p.get_content_type(), p.defects) for p in msg.walk() if p.defects]
check("no defects in any part: %r" % (defects,), not defects and not msg.defects)

# Structure (RFC 3156)
check("top level is multipart/signed", msg.get_content_type() == "multipart/signed")
check("protocol is application/pgp-signature",
      msg.get_param("protocol") == "application/pgp-signature")
check("micalg names a pgp hash", str(msg.get_param("micalg")).startswith("pgp-sha"))
parts = msg.get_payload()
check("two parts", len(parts) == 2)
mixed, sig = parts[0], parts[1]
check("the first is multipart/mixed", mixed.get_content_type() == "multipart/mixed")
check("the second is application/pgp-signature",
      sig.get_content_type() == "application/pgp-signature")
sub = mixed.get_payload()
check("mixed holds text/plain then application/pgp-keys",
      [p.get_content_type() for p in sub] == ["text/plain", "application/pgp-keys"])
text, keys = sub[0], sub[1]
check("text is utf-8", text.get_content_charset() == "utf-8")
check("text is quoted-printable (it holds non-ASCII)",
      text["Content-Transfer-Encoding"] == "quoted-printable")
check("the key is an attachment named *.asc",
      keys.get_content_disposition() == "attachment" and
      keys.get_filename().endswith(".asc"))

# Addresses
links = json.load(open(links_path))
mailto = open(mailto_path).read().strip()
u = urllib.parse.urlsplit(mailto)
reply = urllib.parse.unquote(u.path)
check("mailto opens a message to setup+TOKEN@acme.example",
      u.scheme == "mailto" and re.fullmatch(r"setup\+[a-z2-7]{26,}@acme\.example", reply))
token = reply[len("setup+"):].split("@")[0]
open(tdir + "/token", "w").write(token + "\n")
fr = msg["From"].addresses
check("From is the reply address", len(fr) == 1 and fr[0].addr_spec == reply)
check("Reply-To is the reply address",
      [a.addr_spec for a in msg["Reply-To"].addresses] == [reply])
check("To is the recipient", [a.addr_spec for a in msg["To"].addresses] == ["rita@client.example"])
check("the envelope sender (Return-Path) is the reply address",
      msg["Return-Path"] == "<" + reply + ">")

# RFC 2047: raw header encoded, decoded by a conforming decoder
rawhdr = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
def rawfield(name):
    # Unfolded: the CRLF before white space goes, the white space stays.
    for l in re.sub(r"\r\n(?=[ \t])", "", rawhdr).split("\r\n"):
        if l.lower().startswith(name.lower() + ":"):
            return l[len(name) + 1:]
    return ""
def decoded(name):
    return str(email.header.make_header(email.header.decode_header(rawfield(name))))
check("Subject is RFC 2047 encoded", "=?utf-8?" in rawfield("Subject").lower())
subj = decoded("Subject")
check("Subject names workspace, connector and draft: " + subj,
      "Société Données" in subj and "PostgreSQL" in subj and "Base « prod » Zürich" in subj)
check("the policy=default parser reads the same Subject", str(msg["Subject"]) == subj)
check("From's display name is RFC 2047 encoded", "=?utf-8?" in rawfield("From").lower())
name = decoded("From").rsplit("<", 1)[0].strip()
check("From's name says who asks for which workspace: " + name,
      "Zoë Ångström" in name and "Société Données" in name)
check("Date is RFC 5322", re.fullmatch(r" ?\w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}", rawfield("Date")) is not None)
lk = [l for l in links if l["id"] == link][0]
check("Message-ID is on the intake's domain and recorded with the link",
      msg["Message-ID"] == "<" + lk["message_id"] + ">" and lk["message_id"].endswith("@acme.example"))
check("X-Setuplink names the link", str(msg["X-Setuplink"]).strip() == str(link))

# Autocrypt
ac = rawfield("Autocrypt")
attrs = dict(a.strip().split("=", 1) for a in ac.split(";"))
check("Autocrypt addr is the reply address", attrs.get("addr") == reply)
check("Autocrypt prefer-encrypt=mutual", attrs.get("prefer-encrypt") == "mutual")
kd = base64.b64decode(re.sub(r"\s", "", attrs.get("keydata", "")), validate=True)
open(tdir + "/autocrypt.key", "wb").write(kd)
check("Autocrypt keydata is a binary key (an OpenPGP packet)", len(kd) > 100 and kd[0] & 0x80)
open(tdir + "/attached.asc", "wb").write(keys.get_payload(decode=True))

# The text
body = text.get_content().replace("\r\n", "\n")  # the file has CRLF lines
flat = " ".join(body.split())      # prose is wrapped anywhere
check("the QP text decodes to UTF-8 with the workspace", "Société Données" in flat)
check("it says who asks (name and address)", "Zoë Ångström <zoe@acme.example>" in flat)
check("it names the connector and the draft", "PostgreSQL" in flat and "Base « prod » Zürich" in flat)
check("it carries the admin's note", "Merci, Rita — à bientôt" in flat)
exp = time.strftime("%Y-%m-%d %H:%M +0000", time.gmtime(
    __import__("calendar").timegm(time.strptime(lk["expires"], "%Y-%m-%dT%H:%M:%SZ"))))
check("it says until when, in local time with offset (" + exp + ")", exp in flat)
groups = " ".join(wfpr[i:i + 4] for i in range(0, 20, 4)) + "  " + \
    " ".join(wfpr[i:i + 4] for i in range(20, 40, 4))
check("it shows the workspace fingerprint in groups of 4", groups in body)
check("it says to encrypt to the attached key", "encrypt" in flat and keys.get_filename() in flat)
check("decoded lines are under 78 characters", max(len(l) for l in body.split("\n")) < 78)
check("the secret is nowhere in the email", b"hunter2" not in raw and "hunter2" not in body)

# The form
op = "--- setup form for link %d-[a-z2-7]{8}: keep the names left of the colons ---" % link
m = re.search("^" + op + "\n(.*?)^--- end of setup form ---\n", body, re.S | re.M)
check("the form sits between the two marker lines, its REF the link id and 8 base32 characters", m is not None)
form = m.group(0) if m else ""
inner = m.group(1).split("\n") if m else []
keyl = [(i, l) for i, l in enumerate(inner) if re.match(r"^[a-z_]+:", l)]
check("the form lists exactly the link's fields, in order",
      [l.split(":")[0] for _, l in keyl] == lk["fields"] == ["host", "port", "user", "password"])
check("each key line follows a # comment line",
      all(i > 0 and inner[i - 1].startswith("#") for i, _ in keyl))
check("the comments say required and secret", "(required, secret)" in form)
vals = dict((l.split(":", 1)[0], l.split(":", 1)[1].strip()) for _, l in keyl)
check("non-secret values are prefilled",
      vals["host"] == "db.client.example" and vals["user"] == "reader" and vals["port"] == "5432")
check("the secret is not", vals["password"] == "")

# mailto
q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
check("the URL is at most 2000 characters", len(mailto) <= 2000)
check("mailto subject is the email's", q.get("subject") == [subj])
check("the mailto body is the form block byte for byte (CRLF lines)",
      q.get("body", [""])[0] == form.replace("\n", "\r\n"))
check("line breaks are %0D%0A", "%0D%0A" in u.query and "%0A" not in u.query.replace("%0D%0A", ""))
print("checks done")
EOF
cat "$T/py.out"
_failed=$((_failed + $(grep -c '^not ok' "$T/py.out")))
check "the Python checks ran to their end" contains "$T/py.out" "checks done"
token=$(cat "$T/token" 2>/dev/null)

# ---- the signature, checked by gpg against the exported workspace key
mkdir -p "$T/g1" && chmod 700 "$T/g1"
cleanup_add "gpgconf --homedir '$T/g1' --kill all"
gpg --homedir "$T/g1" --batch --import "$T/workspace.asc" 2>/dev/null
pgpmime_verify "$T/g1" "$T/setup.eml"
check "gpg verifies the PGP/MIME signature" [ "$?" -eq 0 ]
check "... made by the workspace key" contains "$T/verify.status" "VALIDSIG $wfpr"
sed 's/db.client.example/db.evil.example/' "$T/setup.eml" >"$T/tampered.eml"
pgpmime_verify "$T/g1" "$T/tampered.eml" 2>/dev/null
check "a changed form fails verification" [ "$?" -ne 0 ]

# ---- the key sent along: attachment and Autocrypt
for src in attached.asc autocrypt.key; do
	g=$T/g-$src
	mkdir -p "$g" && chmod 700 "$g"
	cleanup_add "gpgconf --homedir '$g' --kill all"
	gpg --homedir "$g" --batch --import "$T/$src" 2>/dev/null
	gpg --homedir "$g" --with-colons --list-keys >"$T/$src.list" 2>/dev/null
	check "$src: imports with the workspace key's fingerprint" \
	    sh -c 'awk -F: "\$1 == \"fpr\" { print \$10; exit }" "$1" | grep -qx "$2"' - "$T/$src.list" "$wfpr"
	check "$src: carries a user ID for the reply address" \
	    grep -q "^uid:.*<setup+$token@acme.example>" "$T/$src.list"
	check "$src: has an encryption subkey" grep -q '^sub:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:e' "$T/$src.list"
done
check "Autocrypt's key carries that user ID alone" \
    test "$(grep -c '^uid:' "$T/autocrypt.key.list")" -eq 1
gpg --homedir "$H/gnupg" --with-colons --list-keys >"$T/ws.list" 2>/dev/null
check "the workspace keyring lists its key" grep -q "$wfpr" "$T/ws.list"
check "the workspace keyring never holds the token" lacks "$T/ws.list" "$token"
check "... nor any file in it" sh -c '! grep -rqF "$1" "$2"' - "$token" "$H/gnupg"

# ---- mutt opens the outbox and checks the signature
mkdir -p "$T/mh" && chmod 700 "$T/mh"
cat >"$T/muttrc" <<EOF
set folder="$T/mh" mbox_type=Maildir header_cache="" message_cachedir=""
set tmpdir="$T/mh" charset=utf-8 sleep_time=0 mail_check=0 wait_key=no
set crypt_use_gpgme=yes crypt_verify_sig=yes pager_stop=yes
EOF
tmux_start mutt 100 50 env GNUPGHOME="$T/g1" HOME="$T/mh" LANG=C.UTF-8 \
    mutt -n -F "$T/muttrc" -R -f "$H/outbox"
check "mutt opens the outbox Maildir and lists the email, subject decoded" \
    tmux_wait mutt "Société Données asks" 10
tmux_keys mutt Enter
check "mutt finds a good signature" tmux_wait mutt "Good signature" 10
check "mutt shows the decoded text" \
    tmux_wait mutt "Zoë Ångström <zoe@acme.example> asks you" 5
tmux_screen mutt >"$T/mutt.screen"
check "mutt shows no error" sh -c '! grep -qiE "error|bad signature" "$1"' - "$T/mutt.screen"
tmux_stop

# ---- a long form: the mailto body only points to the email
sl link create 1 --to rita@client.example --note "everything"
long=$(sed -n 2p "$T/out")
lid=$(sed -n 1p "$T/out")
/usr/bin/python3 - "$long" "$lid" >"$T/py2.out" <<'EOF'
import re, sys, urllib.parse
url, lid = sys.argv[1], int(sys.argv[2])
q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
body = q["body"][0].split("\r\n")
print("len", len(url) <= 2000)
print("open", re.fullmatch("--- setup form for link %d-[a-z2-7]{8}: keep the names left of the colons ---" % lid, body[0]) is not None)
print("lines", len([l for l in body if l]) == 2 and "reply to the setup email" in body[1])
EOF
check "every field's form is too long for a URL: it stays under 2000" contains "$T/py2.out" "len True"
check "... its body opens with the form line" contains "$T/py2.out" "open True"
check "... and one line asking to reply to the setup email" contains "$T/py2.out" "lines True"

# ---- a long name without spaces still folds under 78 characters
longname=$(printf 'n%.0s' $(seq 1 150))
sl draft new postgres --name "$longname"
lid=$(cat "$T/out")
rm -f "$H"/outbox/new/*
sl link create "$lid" --to rita@client.example --fields host
expect_rc 0 "link create for a draft with a 150-character name"
ln_msg=$(find "$H/outbox/new" -type f | head -1)
/usr/bin/python3 - "$ln_msg" "$longname" >"$T/py4.out" <<'EOF'
import email, email.policy, sys
raw = open(sys.argv[1], "rb").read()
m = email.message_from_bytes(raw, policy=email.policy.default)
print("lines", max(len(l) for l in raw.split(b"\n")) < 78)
print("subject", str(m["Subject"]).endswith(": " + sys.argv[2]))
t = [p for p in m.walk() if p.get_content_type() == "text/plain"][0]
print("text", sys.argv[2] in "".join(t.get_content().split()))
EOF
check "every line of it is under 78 characters" contains "$T/py4.out" "lines True"
check "the Subject still decodes to the whole name" contains "$T/py4.out" "subject True"
check "the text holds the whole name (cut across lines)" contains "$T/py4.out" "text True"

# ---- from_intake: From is the bare intake address, no Autocrypt
printf 'from_intake = yes\n' >>"$H/setuplink.conf"
rm -f "$H"/outbox/new/*
sl link create 1 --to rita@client.example --fields host
expect_rc 0 "link create with from_intake"
fi_msg=$(find "$H/outbox/new" -type f | head -1)
/usr/bin/python3 - "$fi_msg" >"$T/py3.out" <<'EOF'
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
print("from", m["From"].addresses[0].addr_spec)
print("replyto", m["Reply-To"].addresses[0].addr_spec.startswith("setup+"))
print("autocrypt", m["Autocrypt"] is None)
print("return", m["Return-Path"].startswith("<setup+"))
EOF
check "from_intake: From is the intake address" contains "$T/py3.out" "from setup@acme.example"
check "from_intake: Reply-To stays the reply address" contains "$T/py3.out" "replyto True"
check "from_intake: no Autocrypt header" contains "$T/py3.out" "autocrypt True"
check "from_intake: the envelope sender stays the reply address" contains "$T/py3.out" "return True"


done_testing
