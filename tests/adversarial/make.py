#!/usr/bin/python3
"""make.py: the adversarial corpus for setuplink's intake, generated.

Writes hostile messages into OUTDIR (one NNN-name.eml a message) and
OUTDIR/MANIFEST, one line a message:

    FILE <TAB> OUTCOMES <TAB> REASONS <TAB> what it tries

where OUTCOMES and REASONS are comma-separated sets of what SPEC allows
for it (the intake must end the message in one of those outcomes, with one
of those reasons, and merge nothing).  Messages are generated, not kept in
git: some are megabytes (a 1 MB header line, 10,000 parts, a message past
max_message_size), and the signed and encrypted ones need the keys of the
test's home.

    make.py OUTDIR --any RA --any-ref REF [--other RA --other-ref REF]
        [--signed RA --signed-ref REF --encrypted RA --encrypted-ref REF
         --bob-home DIR --bob-fpr FPR --mallory-home DIR --mallory-fpr FPR
         --twin-home DIR --twin-fpr FPR --workspace-home DIR
         --workspace-fpr FPR]
        [--small]

--any is the reply address of a link that accepts anything (--any-ref the
REF on its form line: its id, a dash and 8 characters from its token), --other that of a second link (for "two tokens"), --signed of a link
with --require signed pinned to Bob's key, --encrypted of a link with
--require encrypted.  Bob's key is the one the admin imported; Mallory's
is not; the twin is a key of Mallory's with Bob's user ID, imported but not
the pinned one.  Without the crypto options only plain messages are made.
--small leaves out what is larger than 64 KB (for fuzz seeds).

Every message that could be read as a reply carries a form whose values
would be merged if the intake got it wrong: either all valid (the outcome
must then come from what the case is about) or with port 99999, invalid,
where a lenient reading of broken input could otherwise find the form.
The link's draft is meant to be a postgres one, whose one file field
takes the only attachment of a reply (SPEC "Files"): a message with one
attachment therefore carries an invalid value in its text as well.
"""

import argparse
import base64
import hashlib
import os
import random
import struct
import subprocess
import sys
import zlib

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--any", required=True)
ap.add_argument("--any-ref", required=True)
ap.add_argument("--other")
ap.add_argument("--other-ref")
ap.add_argument("--signed")
ap.add_argument("--signed-ref")
ap.add_argument("--encrypted")
ap.add_argument("--encrypted-ref")
for who in ("bob", "mallory", "twin", "workspace"):
    ap.add_argument("--%s-home" % who)
    ap.add_argument("--%s-fpr" % who)
ap.add_argument("--small", action="store_true")
A = ap.parse_args()

CRYPTO = all([A.signed, A.encrypted, A.bob_home, A.bob_fpr, A.mallory_home,
              A.mallory_fpr, A.twin_home, A.twin_fpr, A.workspace_home,
              A.workspace_fpr])
os.makedirs(A.out, exist_ok=True)
rnd = random.Random(3464)
manifest = []
INTAKE_DOMAIN = A.any.split("@", 1)[1]
INTAKE_LOCAL = A.any.split("@", 1)[0].split("+", 1)[0]

REJ = "rejected"
IGN = "ignored"
BAD = "invalid,no_fields,unreadable"     # a form with port 99999, maybe unread


def case(name, data, outcomes, reasons, what):
    """Write one message and its line in MANIFEST."""
    if A.small and len(data) > 65536:
        return
    n = len(manifest) + 1
    fname = "%03d-%s.eml" % (n, name)
    with open(os.path.join(A.out, fname), "wb") as f:
        f.write(data)
    manifest.append("%s\t%s\t%s\t%s" % (fname, outcomes, reasons, what))


def b(s):
    return s.encode("utf-8") if isinstance(s, str) else s


def opening(ref):
    return b("--- setup form for link %s: keep the names left of the colons "
             "---" % ref)


def form(ref, lines, nl=b"\n"):
    """A form block for link ref holding lines (bytes or str)."""
    out = [opening(ref)] + [b(l) for l in lines] + [b"--- end of setup form ---"]
    return nl.join(out) + nl


GOOD = ["host: db.evil.example", "user: mallory", "password: s3cret-evil"]
INVALID = GOOD + ["port: 99999"]


def good(ref=None, nl=b"\n"):
    return form(A.any_ref if ref is None else ref, GOOD, nl)


def bad(ref=None, nl=b"\n"):
    return form(A.any_ref if ref is None else ref, INVALID, nl)


mid_n = [0]


def headers(to=None, frm="Bob Client <bob@client.example>", subject="Re: setup",
            extra=(), ctype="text/plain; charset=utf-8", cte=None, mid=True,
            nl=b"\n"):
    mid_n[0] += 1
    h = []
    if frm is not None:
        h.append("From: " + frm)
    if to is not None:
        h.append("To: " + to)
    if subject is not None:
        h.append("Subject: " + subject)
    h.append("Date: Wed, 25 Nov 2026 20:00:00 +0000")
    if mid:
        h.append("Message-ID: <adv%d.%d@client.example>" % (mid_n[0], os.getpid()))
    h.append("MIME-Version: 1.0")
    if ctype is not None:
        h.append("Content-Type: " + ctype)
    if cte is not None:
        h.append("Content-Transfer-Encoding: " + cte)
    out = nl.join(b(x) for x in h)
    for x in extra:
        out += nl + b(x)
    return out + nl


def msg(body, to=None, nl=b"\n", **kw):
    return headers(to=A.any if to is None else to, nl=nl, **kw) + nl + b(body)


def mp(parts, boundary="b0undary", sub="mixed", to=None, extra=(), nl=b"\n",
       preamble=b"", epilogue=b"", close=True):
    """A multipart message; parts are (headers, body) pairs of bytes."""
    body = preamble
    for ph, pb in parts:
        body += b"--" + b(boundary) + nl + b(ph) + nl + b(pb) + nl
    if close:
        body += b"--" + b(boundary) + b"--" + nl
    body += epilogue
    return msg(body, to=to, nl=nl, extra=extra,
               ctype='multipart/%s; boundary="%s"' % (sub, boundary))


def text_part(body, charset="utf-8", cte=None, nl=b"\n"):
    h = b"Content-Type: text/plain; charset=" + b(charset) + nl
    if cte:
        h += b"Content-Transfer-Encoding: " + b(cte) + nl
    return (h, b(body))


def token():
    return "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz234567")
                   for _ in range(32))


def rcpt(tok):
    return "%s+%s@%s" % (INTAKE_LOCAL, tok, INTAKE_DOMAIN)


# ---- Size and structure -------------------------------------------------

def nested(depth, inner, boundary_fn=lambda i: "n%d" % i):
    """inner nested in depth multipart/mixed levels."""
    body = inner
    ctype = b"Content-Type: text/plain; charset=utf-8\n"
    for i in range(depth):
        bd = b(boundary_fn(i))
        body = (b"--" + bd + b"\n" + ctype + b"\n" + body + b"\n--" + bd +
                b"--\n")
        ctype = b'Content-Type: multipart/mixed; boundary="' + bd + b'"\n'
    return msg(body, ctype=ctype[len(b"Content-Type: "):-1].decode())


for depth in (17, 20, 100, 1000, 10000):
    case("nest-%d" % depth, nested(depth, good()), REJ, "unreadable,no_fields",
         "multipart nested %d deep, a valid form innermost" % depth)
case("nest-same-boundary", nested(200, good(), lambda i: "same"), REJ,
     "unreadable,no_fields", "200 levels that all use one boundary")


def rfc822_nested(depth, inner):
    body = headers(to=A.any) + b"\n" + inner
    for _ in range(depth):
        body = (headers(to=A.any, ctype="message/rfc822") + b"\n" + body)
    return body


case("rfc822-nest-50", rfc822_nested(50, good()), REJ, "unreadable,no_fields",
     "message/rfc822 in message/rfc822, 50 deep, a valid form innermost")
case("rfc822-forwarded", mp([text_part(b"see the forwarded reply\n" + bad()),
                             (b"Content-Type: message/rfc822\n",
                              msg(bad()))]),
     REJ, BAD, "a reply forwarded as message/rfc822 (the only attachment may fill "
     "a file field, so the outer text is invalid too)")

for n in (501, 10000):
    parts = [text_part(good())] + [text_part(b"x") for _ in range(n - 1)]
    case("parts-%d" % n, mp(parts), REJ, "unreadable,no_fields",
         "%d parts, a valid form in the first" % n)
parts = [(b'Content-Type: application/octet-stream\nContent-Disposition: '
          b'attachment; filename="sslrootcert%d.pem"\n' % i, b"x")
         for i in range(3000)]
case("attachments-3000", mp([text_part(bad())] + parts), REJ,
     "unreadable,no_fields,invalid", "3,000 attachments named like a file field")

big = "X-Junk: " + "a" * (1 << 20)
case("header-1mb-line", msg(good(), extra=[big]), REJ, "unreadable",
     "a 1 MB header line after To, a valid form")
case("header-1mb-line-before-to",
     headers(to=None, extra=[big, "To: " + A.any]) + b"\n" + good(),
     REJ, "unreadable,unknown_token", "a 1 MB header line before To")
case("header-1mb-subject",
     msg(good(), subject="=?utf-8?B?" + base64.b64encode(b"\xc3\xa9" * 400000).decode() + "?="),
     REJ, "unreadable", "a 1 MB RFC 2047 Subject")
case("header-100k-fields", msg(good(), extra=["X-A%d: b" % i for i in range(100000)]),
     REJ, "unreadable", "100,000 header fields")
case("header-folded-1mb", msg(good(), extra=["X-Fold: a"] + [" b" * 40] * 12000),
     REJ, "unreadable", "a header folded over 12,000 lines")
case("header-comments-deep",
     headers(to=None, extra=["To: " + "(" * 100000 + A.any + ")" * 100000]) +
     b"\n" + good(), REJ, "unreadable,unknown_token",
     "To: inside 100,000 nested comments")
case("header-encoded-words-5000",
     msg(bad(), subject=" ".join(["=?iso-8859-1?Q?=E9?="] * 5000)), REJ,
     "unreadable," + BAD, "5,000 encoded words in the Subject")
case("body-1mb-line", msg(bad() + b"x" * (1 << 20) + b"\n"), REJ, BAD,
     "a 1 MB body line after the form")
if not A.small:
    filler = b"# " + b"y" * 1000 + b"\n"
    case("oversize-26mb", msg(good() + filler * (26 * 1024)), REJ, "oversize",
         "26 MB, past max_message_size, a valid form at the top")

# ---- NUL bytes and controls ---------------------------------------------

case("nul-in-value", msg(form(A.any_ref, ["host: db.example",
                                          b"password: abc\x00def"])),
     REJ, "invalid", "a NUL inside a value")
case("nul-in-key", msg(form(A.any_ref, [b"ho\x00st: db.example", "port: 99999"])),
     REJ, "invalid,no_fields", "a NUL inside a key")
case("nul-in-to", headers(to=None, extra=[b"To: " + b(A.any).replace(b"+", b"+\x00")]) +
     b"\n" + good(), REJ, "unknown_token,unreadable", "a NUL inside the reply address")
case("nul-everywhere", msg(b"\x00".join(bytes([c]) for c in bad())), REJ,
     BAD, "a NUL after every byte of the form")
case("nul-in-headers", msg(bad(), extra=[b"X-Nul: a\x00b", b"Subject\x00: x"]),
     REJ, BAD + ",unknown_token",
     "NUL bytes in header names and values")
case("nul-only", msg(b"\x00" * 70000), REJ, "no_fields,unreadable",
     "a body of NUL bytes")
case("escape-in-value", msg(form(A.any_ref, ["host: db\x1b[31m.example"])),
     REJ, "invalid", "a terminal escape sequence in a value")
case("bare-cr", msg(bad(nl=b"\r"), nl=b"\r"), REJ,
     BAD + ",unknown_token", "lone CR line ends")
case("cr-cr-lf", msg(bad(nl=b"\r\r\n"), nl=b"\r\r\n"), REJ,
     BAD + ",unknown_token", "CR CR LF line ends")

# ---- Values that cannot be read whole (SPEC "The reply") ----------------
# Each carries valid values as well: a reader that cut a PEM block or JSON
# short, or let a line break into a one-line field, would merge them.

CERT_BODY = ["MIIBszCCAVmgAwIBAgIUJ0pZ", "Y2VydGlmaWNhdGUgYm9keQ=="]
case("pem-no-end", msg(form(A.any_ref, GOOD + [
    "sslrootcert: -----BEGIN CERTIFICATE-----"] + CERT_BODY)), REJ, "invalid",
     "a PEM block without its END line (once stored as its first line)")
case("pem-quoted-no-end", msg(b"> " + form(A.any_ref, GOOD).replace(b"\n", b"\n> ") +
                              b"\n> sslrootcert: -----BEGIN CERTIFICATE-----\n" +
                              b("\n".join(CERT_BODY)) + b"\n"), REJ, "invalid",
     "the first PEM line after a quoted key, the rest unquoted, no END")
case("pem-end-mismatch", msg(form(A.any_ref, GOOD + [
    "sslrootcert: -----BEGIN CERTIFICATE-----"] + CERT_BODY +
    ["-----END PRIVATE KEY-----"])), REJ, "invalid",
     "a BEGIN CERTIFICATE closed by another label's END")
case("pem-end-past-form", msg(form(A.any_ref, GOOD + [
    "sslrootcert: -----BEGIN CERTIFICATE-----"] + CERT_BODY) +
    b"-----END CERTIFICATE-----\n"), REJ, "invalid",
     "the END line only after the form's end marker")
case("pem-50000-begins", msg(form(A.any_ref, GOOD + [
    "sslrootcert: -----BEGIN CERTIFICATE-----"] * 50000)), REJ, "invalid",
     "50,000 BEGIN lines and no END (reading must stay linear)")
case("pem-bundle-cut", msg(form(A.any_ref, GOOD + [
    "sslrootcert: -----BEGIN CERTIFICATE-----"] + CERT_BODY +
    ["-----END CERTIFICATE-----", "-----BEGIN CERTIFICATE-----"] + CERT_BODY)),
     REJ, "invalid", "a bundle whose second certificate has no END")
case("json-unclosed", msg(form(A.any_ref, GOOD + [
    "sslrootcert: {", '  "type": "service_account",', '  "a": "}"'])), REJ,
     "invalid", "JSON in a file field that never closes (a } inside a string)")
case("json-deep-open", msg(form(A.any_ref, GOOD + ["sslrootcert: " + "[" * 1000000])),
     REJ, "invalid", "a million [ on one line")
case("json-50000-opens", msg(form(A.any_ref, GOOD + ["sslrootcert: {"] * 50000)),
     REJ, "invalid", "50,000 file lines that each open JSON")
case("host-continued", msg(form(A.any_ref, GOOD[1:] + [
    "host: db.example", "  *:*:*:postgres"])), REJ, "invalid",
     "a host continued on a second line (once a new .pgpass entry)")
case("password-tab", msg(form(A.any_ref, GOOD[:2] + ["password: s3cret\tevil"])),
     REJ, "invalid", "a tab inside a password")
case("cert-is-key", mp([text_part(good()),
                        (b"Content-Type: application/x-pem-file\nContent-Disposition: "
                         b'attachment; filename="sslrootcert.pem"\n',
                         b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----")]),
     REJ, "invalid", "a private key attached for a CA certificate")
case("cert-crlf-junk", mp([text_part(good()),
                           (b"Content-Type: text/plain; name=sslrootcert.pem\n"
                            b"Content-Transfer-Encoding: base64\n",
                            base64.b64encode(b"not\r\na\r\ncertificate\r\n"))]),
     REJ, "invalid", "a text attachment of CRLF junk for the certificate")
for name, ctype in (("smime.p7s", "application/pkcs7-signature"),
                    ("smime.p7s", "application/octet-stream"),
                    ("bob.vcf", "text/x-vcard"), ("winmail.dat", "application/ms-tnef"),
                    ("0xDEAD.asc", "application/pgp-keys")):
    case("machinery-%s" % ctype.split("/")[1],
         mp([text_part(form(A.any_ref, ["# nothing filled in"])),
             (b"Content-Type: " + b(ctype) + b"; name=" + b(name) +
              b"\nContent-Disposition: attachment; filename=" + b(name) + b"\n",
              b"MIIB not a certificate")]),
         REJ, "no_fields", "only a %s (%s) attached: never a file field, so no "
         "field at all" % (name, ctype))

# ---- Transfer encodings -------------------------------------------------

b64 = base64.b64encode(bad()).decode()
case("b64-garbage", msg("!!!!****~~~~\n" * 10, cte="base64"), REJ,
     "no_fields,unreadable", "base64 that holds no base64")
case("b64-truncated", msg(b64[:len(b64) - 7], cte="base64"), REJ, BAD,
     "base64 cut in the middle of a quantum")
case("b64-junk-between", msg("*".join(b64[i:i + 3] for i in range(0, len(b64), 3)),
                             cte="base64"), REJ, BAD, "base64 with junk between quanta")
case("b64-pad-middle", msg(b64[:20] + "==" + b64[20:], cte="base64"), REJ, BAD,
     "base64 padding in the middle")
case("b64-one-line-2mb",
     msg(base64.b64encode(bad() + b"#" * (1536 * 1024)).decode(), cte="base64"),
     REJ, BAD, "base64 on one 2 MB line")
case("b64-nul", msg(base64.b64encode(form(A.any_ref, [b"password: a\x00b"])).decode(),
                    cte="base64"), REJ, "invalid", "base64 that decodes to a NUL in a value")
case("qp-bad-escapes", msg(bad().replace(b"evil", b"e=ZZv=4i=l") + b"=4\n=", cte="quoted-printable"),
     REJ, BAD, "quoted-printable with bad escapes")
case("qp-soft-break-key", msg(bad().replace(b"port:", b"po=\nrt:"), cte="quoted-printable"),
     REJ, BAD, "a key split by a soft line break")
case("qp-nul", msg(form(A.any_ref, ["password: a=00b"]), cte="quoted-printable"),
     REJ, "invalid", "quoted-printable =00 in a value")
case("qp-long-line", msg(bad() + b"=41" * 400000 + b"\n", cte="quoted-printable"),
     REJ, BAD, "a 1.2 MB quoted-printable line")
case("cte-unknown", msg(bad(), cte="x-uuencode"), REJ, BAD, "an unknown transfer encoding")
case("cte-twice", msg(b64, cte="base64", extra=["Content-Transfer-Encoding: quoted-printable"]),
     REJ, BAD, "two Content-Transfer-Encoding fields")
case("encoded-word-broken", msg(bad(), subject="=?utf-8?B?!!!?= =?x?Q?=ZZ?= =?utf-8?B?"),
     REJ, BAD, "broken RFC 2047 words")

# ---- Charsets -----------------------------------------------------------

case("utf8-latin1-bytes", msg(form(A.any_ref, ["host: db.example", b"password: p\xe4ss"])),
     REJ, "invalid", "bytes that are not UTF-8 in a UTF-8 value")
case("ascii-8bit", msg(form(A.any_ref, [b"host: db\xc3\xa9.example"]),
                       ctype="text/plain; charset=us-ascii"),
     REJ, "invalid", "8-bit bytes declared us-ascii")
case("overlong-utf8", msg(form(A.any_ref, [b"password: a\xc0\xafb"])), REJ, "invalid",
     "an overlong UTF-8 '/' in a value")
case("surrogate-utf8", msg(form(A.any_ref, [b"password: a\xed\xa0\x80b"])), REJ, "invalid",
     "a UTF-16 surrogate in UTF-8")
case("past-10ffff", msg(form(A.any_ref, [b"password: a\xf4\x90\x80\x80b"])), REJ, "invalid",
     "a code point past U+10FFFF")
case("utf16-declared-ascii", msg(bad(), ctype="text/plain; charset=utf-16"), REJ, BAD,
     "ASCII declared UTF-16")
case("utf16-with-bom", msg(b"\xff\xfe" + bad().decode().encode("utf-16-le"),
                           ctype="text/plain; charset=utf-16"), REJ, BAD,
     "UTF-16 with a byte order mark")
case("utf32", msg(bad().decode().encode("utf-32"), ctype="text/plain; charset=utf-32"),
     REJ, BAD, "UTF-32")
case("charset-unknown", msg(bad(), ctype="text/plain; charset=x-klingon"), REJ, BAD,
     "a charset nobody knows")
case("charset-path", msg(bad(), ctype='text/plain; charset="../../../etc/passwd"'), REJ, BAD,
     "a path as the charset")
case("charset-translit", msg(bad(), ctype='text/plain; charset="utf-8//TRANSLIT"'), REJ,
     BAD, "iconv suffixes in the charset")
case("charset-long", msg(bad(), ctype="text/plain; charset=" + "u" * 5000), REJ, BAD,
     "a 5,000-byte charset name")
case("utf7", msg(bad().replace(b"host", b"+AGg-ost"), ctype="text/plain; charset=utf-7"),
     REJ, BAD, "UTF-7 hiding a key")
case("iso2022jp-broken", msg(bad().replace(b"mallory", b"\x1b$B\x7f\x7f\x1b(Bx\x1b$"),
                             ctype="text/plain; charset=iso-2022-jp"), REJ, BAD,
     "ISO-2022-JP with broken escapes")
case("cp1252-undefined", mp([(b"Content-Type: text/html; charset=windows-1252\n",
                              b"<p>" + form(A.any_ref, [b"password: a\x81b"]).replace(b"\n", b"<br>\n"))]),
     REJ, "invalid", "an HTML-only reply with a byte windows-1252 leaves undefined")
case("mixed-charsets", mp([text_part(bad().replace(b"mallory", b"m\xe4llory"), "iso-8859-1"),
                           text_part(bad(), "utf-8")]), REJ, BAD, "parts in different charsets")
case("rfc2231-broken", mp([text_part(bad()),
                           (b"Content-Type: application/octet-stream; name*0*=x-bad''%ZZ%;"
                            b" name*1*=%ff%fe; name*99=zz\nContent-Disposition: attachment;"
                            b" filename*=utf-8''%2e%2e%2f%2e%2e%2fetc%2fpasswd\n", b"data")]),
     REJ, BAD, "RFC 2231 parameters, broken and a path")

# ---- Boundaries ---------------------------------------------------------

two = [text_part(bad()), text_part(bad())]
case("boundary-two-params", msg(b"--a\n\n" + bad() + b"--b\n\n" + bad() + b"--a--\n--b--\n",
                                ctype="multipart/mixed; boundary=a; boundary=b"),
     REJ, BAD, "two boundary parameters")
case("boundary-two-content-types",
     msg(b"--a\n\n" + bad() + b"--b\n\n" + bad() + b"--a--\n--b--\n",
         ctype="multipart/mixed; boundary=a",
         extra=["Content-Type: multipart/alternative; boundary=b"]),
     REJ, BAD, "two Content-Type fields with different boundaries")
case("boundary-prefix", msg(b"--x\nContent-Type: multipart/mixed; boundary=xx\n\n--xx\n\n" +
                            bad() + b"--x\n\n" + bad() + b"--xx--\n--x--\n",
                            ctype="multipart/mixed; boundary=x"),
     REJ, BAD, "an inner boundary that extends the outer one")
case("boundary-in-body", mp([text_part(b"--b0undary\n" + bad() + b"--b0undary--\n")] + two),
     REJ, BAD, "the boundary inside a part")
case("boundary-unclosed", mp(two, close=False), REJ, BAD, "no closing boundary")
case("boundary-300", mp(two, boundary="q" * 300), REJ, BAD, "a 300-character boundary")
case("boundary-empty", mp(two, boundary=""), REJ, BAD, "an empty boundary")
case("boundary-spaces", mp(two, boundary="a b \" c"), REJ, BAD, "a boundary with blanks and quotes")
# Read whole as an attachment, it would fill the file field: 1.1 MB makes
# it too large for one (max_file_size is 1M), so it cannot be merged either.
case("boundary-missing", msg(b"--b0undary\n\n" + bad() + b"#" * 1150000 + b"\n--b0undary--\n",
                             ctype="multipart/mixed"), REJ, BAD, "multipart without a boundary")
case("boundary-pre-epilogue", mp([text_part(b"hello")], preamble=bad(), epilogue=bad()),
     REJ, BAD, "the form in the preamble and the epilogue")
case("alternative-html-differs",
     mp([text_part(bad()), (b"Content-Type: text/html\n",
                            b"<p>" + good().replace(b"\n", b"<br>\n"))], sub="alternative"),
     REJ, "invalid", "text/plain and text/html saying different things")

# ---- Missing and repeated headers, recipients ---------------------------

case("no-to", headers(to=None) + b"\n" + good(), REJ, "unknown_token", "no recipient header")
case("empty", b"", REJ, "unreadable,unknown_token", "an empty message")
case("headers-only", headers(to=A.any), REJ, "no_fields,unreadable", "a header block and no body")
case("body-only", good(), REJ, "unknown_token,unreadable", "a form and no header")
case("no-blank-line", headers(to=A.any) + bad(), REJ, BAD + ",unknown_token",
     "no empty line between header and body")
case("token-in-display-name", headers(to='"%s" <other@example.net>' % A.any) + b"\n" + good(),
     REJ, "unknown_token", "the reply address as a display name only")
case("token-other-domain", headers(to=A.any.replace("@", "@x.") + ", " +
                                   A.any + ".evil.example") + b"\n" + good(),
     REJ, "unknown_token", "the token at look-alike domains")
case("token-in-from-only", headers(to=None, frm=A.any, extra=["Reply-To: " + A.any]) +
     b"\n" + good(), REJ + "," + IGN, "unknown_token,loop",
     "the token in From and Reply-To only")
case("token-in-subject", headers(to=None, subject=A.any) + b"\n" + good(), REJ,
     "unknown_token", "the token in the Subject only")
case("token-with-suffix", headers(to=A.any.replace("@", "x@")) + b"\n" + good(), REJ,
     "unknown_token", "the token with one more character")
case("token-envelope-only", b"From " + b(A.any) + b" Wed Nov 25 20:00:00 2026\n" +
     headers(to=None) + b"\n" + good(), REJ, "unknown_token", "the token in the mbox From line only")
if A.other:
    case("two-tokens", headers(to=A.any + ", " + A.other) + b"\n" + good(), REJ,
         "unknown_token", "addressed to two setup links")
    case("two-to-fields", headers(to=A.any, extra=["To: " + A.other]) + b"\n" + good(),
         REJ, "unknown_token", "two To fields, each a setup link")
    many = [rcpt(token()) for _ in range(498)] + [A.any, A.other]
    rnd.shuffle(many)
    case("rcpt-500-two-known", headers(to=", ".join(many)) + b"\n" + good(), REJ,
         "unknown_token", "500 recipients, two of them setup links")
    case("rcpt-500-fields", headers(to=None, extra=["Cc: " + a for a in many]) +
         b"\n" + good(), REJ, "unknown_token", "500 Cc fields, two of them setup links")
case("rcpt-500-unknown", headers(to=", ".join(rcpt(token()) for _ in range(500))) +
     b"\n" + good(), REJ, "unknown_token", "500 well-formed tokens, none known")
case("rcpt-500-malformed", headers(to=", ".join(rcpt("x%d!" % i) for i in range(500))) +
     b"\n" + good(), REJ, "unknown_token", "500 malformed tokens")
case("rcpt-500-lookalike", headers(to=", ".join(
    A.any.replace("@", "@%d." % i) for i in range(500))) + b"\n" + good(), REJ,
    "unknown_token", "500 look-alikes of the reply address")
case("from-10000", msg(bad(), frm=", ".join("u%d@x.example" % i for i in range(10000))),
     REJ, BAD + ",unknown_token", "10,000 From addresses")

# ---- Mail from machines: ignored, never merged --------------------------

case("auto-submitted", msg(good(), extra=["Auto-Submitted: auto-replied"]), IGN,
     "auto_reply", "an auto-reply carrying a valid form")
case("precedence-bulk", msg(good(), extra=["Precedence: bulk"]), IGN, "auto_reply",
     "Precedence: bulk")
case("list-id", msg(good(), extra=["List-Id: <x.lists.example>"]), IGN, "auto_reply",
     "mailing-list traffic")
case("x-autoreply", msg(good(), extra=["X-Autoreply: yes"]), IGN, "auto_reply", "X-Autoreply")
case("empty-return-path", b"Return-Path: <>\n" + msg(good()), IGN, "auto_reply",
     "an empty return path")
case("mailer-daemon", msg(good(), frm="MAILER-DAEMON@mx.example"), IGN, "auto_reply",
     "From MAILER-DAEMON")
case("ours", msg(good(), extra=["X-Setuplink: receipt"]), IGN, "loop",
     "our own header")
case("from-intake", msg(good(), frm=INTAKE_LOCAL + "@" + INTAKE_DOMAIN), IGN, "loop",
     "From the intake address")
case("auto-submitted-no", msg(bad(), extra=["Auto-Submitted: no"]), REJ, BAD,
     "Auto-Submitted: no is a person")
dsn_status = (b"Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; bob@client.example\n"
              b"Action: %s\nStatus: 4.0.0\n")
for action in (b"delayed", b"delivered"):
    case("dsn-%s" % action.decode(),
         mp([text_part(good()), (b"Content-Type: message/delivery-status\n",
                                 dsn_status % action)],
            sub="report; report-type=delivery-status", extra=["Return-Path: <>"]),
         IGN, "bounce,auto_reply", "a delivery report (%s) with a form" % action.decode())
case("dsn-failed-unknown",
     mp([text_part(b"failed"), (b"Content-Type: message/delivery-status\n",
                                dsn_status % b"failed"),
         (b"Content-Type: text/rfc822-headers\n",
          b"Message-ID: <nobody@nowhere.example>\n")],
        sub="report; report-type=delivery-status", to="bob@client.example"),
     IGN, "bounce", "a failed delivery report for no setup email of ours")
# Forged bounces: a failed report that reaches the token's address but does
# not quote our setup email's Message-ID must leave the link as it is.
case("dsn-forged-token-only",
     mp([text_part(b"failed"), (b"Content-Type: message/delivery-status\n",
                                dsn_status % b"failed"),
         (b"Content-Type: text/rfc822-headers\n",
          b"From: <" + b(A.any) + b">\nTo: bob@client.example\n")],
        sub="report; report-type=delivery-status", extra=["Return-Path: <>"]),
     IGN, "bounce", "a failed DSN to the token's address quoting no Message-ID: forged")
case("dsn-forged-other-msgid",
     mp([text_part(b"failed"), (b"Content-Type: message/delivery-status\n",
                                dsn_status % b"failed"),
         (b"Content-Type: message/rfc822\n",
          b"From: <" + b(A.any) + b">\nMessage-ID: <1.forged.setuplink@" +
          b(INTAKE_DOMAIN) + b">\n\nhello\n")],
        sub="report; report-type=delivery-status", extra=["Return-Path: <>"]),
     IGN, "bounce", "a failed DSN to the token's address quoting a Message-ID not ours")
case("dsn-1000-recipients",
     mp([text_part(b"x"), (b"Content-Type: message/delivery-status\n",
                           b"Reporting-MTA: dns; mx\n\n" + b"".join(
                               b"Final-Recipient: rfc822; " + b(rcpt(token())) +
                               b"\nAction: delayed\n\n" for _ in range(1000)))],
        sub="report; report-type=delivery-status"),
     IGN, "bounce", "a delivery report naming 1,000 tokens")

# ---- HTML ---------------------------------------------------------------

def html(body, charset="utf-8"):
    return msg(body, ctype="text/html; charset=" + charset)


case("html-hidden-form", html(b"<p style='display:none'>" + bad().replace(b"\n", b"<br>") +
                              b"</p>"), REJ, BAD, "a form hidden by CSS")
case("html-entities", html(bad().replace(b"host", b"&#104;&#x6f;st").replace(b"\n", b"<br>")),
     REJ, BAD, "keys written as character references")
case("html-script", html(b"<script>" + good() + b"</script><style>" + good() +
                         b"</style>" + bad().replace(b"\n", b"<br>")), REJ, BAD,
     "forms inside script and style")
case("html-blockquote-10000", html(b"<blockquote>" * 10000 + bad().replace(b"\n", b"<br>") +
                                   b"</blockquote>" * 10000), REJ, BAD,
     "10,000 nested blockquotes")
case("html-unclosed-1mb", html(b"<b>" * 300000 + bad().replace(b"\n", b"<br>")), REJ, BAD,
     "300,000 unclosed tags")
case("html-latin1-bytes", html(b"<p>" + form(A.any_ref, [b"host: db.example",
                                                        b"password: p\xe4ss"]).replace(b"\n", b"<br>\n")),
     REJ, "invalid", "an HTML-only reply with bytes that are not UTF-8 in a UTF-8 value")
case("html-meta-charset", html(b'<meta charset="iso-8859-1"><p>' +
                               form(A.any_ref, [b"password: p\xe4ss", "port: 99999"]).replace(b"\n", b"<br>\n")),
     REJ, "invalid", "a meta charset that contradicts the MIME charset")
case("html-comment-unclosed", html(bad().replace(b"\n", b"<br>") + b"<!--" + good()), REJ,
     BAD, "an unclosed comment")

# ---- Zip-bomb-like repetition --------------------------------------------

case("repeat-key-10000", msg(b"host: db.example\n" * 10000 + bad()), REJ, "invalid",
     "one key 10,000 times")
case("repeat-pem-begin", msg(b"password: -----BEGIN X-----\n" * 20000 + bad()), REJ,
     BAD, "20,000 PEM blocks that never end")
case("repeat-quote-depth", msg(b">" * 200000 + b" " + bad()), REJ, BAD,
     "200,000 quote marks")
case("repeat-continuations", msg(b"password: a\n" + b" b\n" * 200000 + b"port: 99999\n"),
     REJ, "invalid", "a value continued over 200,000 lines")
case("repeat-form-lines", msg(b"\n".join(opening(i) for i in range(1, 50000)) + b"\n" + bad()),
     REJ, BAD, "50,000 opening form lines")
gz = zlib.compressobj(9, zlib.DEFLATED, 31)
gzbomb = gz.compress(bytes(64 << 20)) + gz.flush()
case("gzip-attachment-bomb", mp([text_part(bad()),
                                 (b"Content-Type: application/gzip\nContent-Disposition: "
                                  b"attachment; filename=sslrootcert.gz\n"
                                  b"Content-Transfer-Encoding: base64\n",
                                  base64.encodebytes(gzbomb))]),
     REJ, BAD, "a gzip attachment that inflates to 64 MB")
case("armor-begin-10000", msg(b"-----BEGIN PGP MESSAGE-----\n" * 10000 + bad()), REJ,
     "policy,unreadable," + BAD, "10,000 armor lines that never end")


# ---- OpenPGP ------------------------------------------------------------

def pkt(tag, body):
    """A new-format OpenPGP packet."""
    n = len(body)
    if n < 192:
        ln = bytes([n])
    elif n < 8384:
        n2 = n - 192
        ln = bytes([(n2 >> 8) + 192, n2 & 0xff])
    else:
        ln = b"\xff" + struct.pack(">I", n)
    return bytes([0xc0 | tag]) + ln + body


def literal(data, name=b""):
    return pkt(11, b"b" + bytes([len(name)]) + name + b"\0\0\0\0" + data)


def armor(data, kind="MESSAGE"):
    crc = 0xb704ce
    for c in data:
        crc ^= c << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864cfb
    crc &= 0xffffff
    return (b"-----BEGIN PGP " + b(kind) + b"-----\n\n" + base64.encodebytes(data) +
            b"=" + base64.b64encode(struct.pack(">I", crc)[1:]) + b"\n-----END PGP " +
            b(kind) + b"-----\n")


def bomb():
    """A compressed packet in a compressed packet: 1 GB of zeros in 2 KB."""
    size = 1 << 30
    name = b"x"
    head = b"\xcb\xff" + struct.pack(">I", 6 + len(name) + size) + b"b\x01" + name + b"\0\0\0\0"
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = [c.compress(head)]
    zero = bytes(1 << 24)
    for _ in range(size // len(zero)):
        out.append(c.compress(zero))
    out.append(c.flush())
    inner = pkt(8, b"\x01" + b"".join(out))
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return pkt(8, b"\x01" + c.compress(inner) + c.flush())


if not A.small:
    BOMB = bomb()
    case("pgp-compression-bomb", msg(armor(BOMB)), REJ, "policy,unreadable,no_fields",
         "inline PGP: 1 GB of zeros compressed twice, 2 KB")
    nest = literal(good())
    for _ in range(200):
        nest = pkt(8, b"\x00" + nest)
    case("pgp-compression-nest-200", msg(armor(nest)), REJ, "policy,unreadable,no_fields",
         "200 compressed packets in one another")
case("pgp-bare-sed", msg(armor(pkt(9, b""))), REJ, "policy,unreadable",
     "a bare encrypted packet without a session key: gpg asks for a passphrase")
case("pgp-bare-seipd", msg(armor(pkt(18, b"\x01" + bytes(10)))), REJ, "policy,unreadable",
     "a bare integrity-protected packet without a session key")
case("pgp-compressed-cut", msg(armor(pkt(8, b"\x01\x78"))), REJ, "policy,unreadable",
     "a compressed packet cut after its first byte")
case("pgp-partial-length", msg(armor(b"\xcb\xe0abc")), REJ, "policy,unreadable",
     "a partial body length that never ends")
case("pgp-garbage", msg(b"-----BEGIN PGP MESSAGE-----\n\n" +
                        base64.encodebytes(bytes(rnd.getrandbits(8) for _ in range(3000))) +
                        b"-----END PGP MESSAGE-----\n"), REJ, "policy,unreadable",
     "inline PGP of random bytes")
case("pgp-signed-garbage", mp([text_part(bad()), (b"Content-Type: application/pgp-signature\n",
                                                   b"-----BEGIN PGP SIGNATURE-----\n\nAAAA\n"
                                                   b"-----END PGP SIGNATURE-----\n")],
                              sub='signed; micalg=pgp-sha256; protocol="application/pgp-signature"'),
     REJ, "policy,unreadable,invalid", "a multipart/signed whose signature is garbage")
case("pgp-signed-one-part", mp([text_part(bad())],
                               sub='signed; micalg=pgp-sha256; protocol="application/pgp-signature"'),
     REJ, "policy,unreadable,invalid", "a multipart/signed without its signature part")
case("pgp-encrypted-no-data", mp([(b"Content-Type: application/pgp-encrypted\n", b"Version: 1\n")],
                                 sub='encrypted; protocol="application/pgp-encrypted"'),
     REJ, "policy,unreadable", "a multipart/encrypted without its data")

if CRYPTO:
    GPG = ["gpg", "--batch", "--yes", "--no-tty", "--pinentry-mode", "loopback",
           "--passphrase", "", "--trust-model", "always"]

    def gpg(home, args, data=b""):
        r = subprocess.run(GPG + ["--homedir", home] + args, input=data,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode != 0:
            sys.stderr.write("make.py: gpg %s: %s\n" % (" ".join(args), r.stderr.decode()))
            sys.exit(1)
        return r.stdout

    gpg(A.bob_home, ["--import"], gpg(A.workspace_home, ["--export", A.workspace_fpr]))

    def crlf(x):
        return x.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")

    def signed_entity(entity, home, fpr):
        """multipart/signed over entity (RFC 3156), as (content-type, body)."""
        entity = crlf(entity)
        sig = gpg(home, ["--armor", "--detach-sign", "--digest-algo", "SHA256",
                         "--local-user", fpr], entity)
        bd = b"sig%d" % rnd.getrandbits(32)
        body = (b"--" + bd + b"\r\n" + entity + b"\r\n--" + bd + b"\r\n"
                b"Content-Type: application/pgp-signature; name=signature.asc\r\n\r\n" +
                crlf(sig) + b"\r\n--" + bd + b"--\r\n")
        return ('multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature";'
                ' boundary="%s"' % bd.decode(), body)

    def signed_msg(text, to, home, fpr, frm="Bob Client <bob@client.example>", extra=()):
        ct, body = signed_entity(b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text,
                                 home, fpr)
        return headers(to=to, frm=frm, ctype=ct, extra=extra, nl=b"\r\n") + b"\r\n" + body

    def encrypted_msg(payload, to, sign=None):
        args = ["--armor", "--encrypt", "--recipient", A.workspace_fpr]
        if sign:
            args += ["--sign", "--local-user", sign]
        data = gpg(A.bob_home, args, payload)
        body = (b"--enc\n" b"Content-Type: application/pgp-encrypted\n\nVersion: 1\n\n"
                b"--enc\nContent-Type: application/octet-stream\n\n" + data + b"\n--enc--\n")
        return headers(to=to, ctype='multipart/encrypted; protocol="application/pgp-encrypted";'
                       ' boundary="enc"') + b"\n" + body

    S, SR, E, ER = A.signed, A.signed_ref, A.encrypted, A.encrypted_ref
    bob_good_s = form(SR, ["host: db.bob.example", "password: bob-pw"])

    # Bob's signed answer to another home's link with the same id: the
    # REF's tag differs, so the signature must not count here.
    other_home = SR.split("-")[0] + "-" + ("a" * 8 if not SR.endswith("a" * 8) else "b" * 8)
    case("replay-other-home", signed_msg(form(other_home, ["host: db.bob.example",
                                                           "password: bob-pw"]),
                                         S, A.bob_home, A.bob_fpr),
         REJ, "policy", "Bob's signed reply to another home's link %s, replayed" % other_home)
    case("replay-ref-without-tag", signed_msg(form(SR.split("-")[0], ["host: db.bob.example",
                                                                     "password: bob-pw"]),
                                              S, A.bob_home, A.bob_fpr),
         REJ, "policy", "Bob's signed reply naming the link by its id alone")
    sym = gpg(A.mallory_home, ["--armor", "--symmetric", "--passphrase", "x"], good(ER))
    case("enc-symmetric", msg(sym, to=E), REJ, "policy",
         "encrypted with a passphrase, not to the workspace key")
    if not A.small:
        def nest_enc(entity, pad):
            data = gpg(A.bob_home, ["--armor", "--compress-level", "9", "--encrypt",
                                    "--recipient", A.workspace_fpr], entity + b"\n" * pad)
            return (b'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";'
                    b' boundary=e\n\n--e\nContent-Type: application/pgp-encrypted\n\n'
                    b'Version: 1\n--e\nContent-Type: application/octet-stream\n\n' + data +
                    b"--e--\n")
        inner = b"Content-Type: text/plain\n\n" + good(ER)
        for _ in range(4):
            inner = nest_enc(inner, 30 << 20)
        case("enc-nested-30mb-x4", headers(to=E, ctype=None) + inner, REJ, "policy,unreadable",
             "four levels of ciphertext, each 30 MB of plaintext compressed to KB")

    # Partial signing: a good signature, over something else than the form.
    ct, sbody = signed_entity(b"Content-Type: text/plain\r\n\r\nHello, the form is below.\r\n",
                              A.bob_home, A.bob_fpr)
    case("sig-over-other-part",
         mp([(b"Content-Type: " + b(ct) + b"\n", sbody), text_part(good(SR))], to=S),
         REJ, "no_fields,policy", "Bob signed a greeting; the form sits in an unsigned part")
    case("sig-over-other-part-any",
         mp([(b"Content-Type: " + b(ct) + b"\n", sbody), text_part(good())]),
         REJ, "no_fields,policy", "the same to a link that wants no signature")
    case("sig-form-in-epilogue",
         headers(to=S, ctype=ct) + b"\n" + sbody + good(SR), REJ, "no_fields,policy",
         "the form after the signed multipart's closing boundary")
    case("sig-form-in-preamble",
         headers(to=S, ctype=ct) + b"\n" + good(SR) + sbody, REJ, "no_fields,policy",
         "the form before the signed multipart's first boundary")
    # Wrapping: Bob's genuine signed reply (to another link) inside Mallory's mail.
    inner = signed_msg(form(A.any_ref, ["host: db.bob.example"]), A.any,
                       A.bob_home, A.bob_fpr)
    case("wrap-rfc822",
         mp([text_part(good(SR)), (b"Content-Type: message/rfc822\n", inner)], to=S),
         REJ, "policy,no_fields", "Bob's signed mail forwarded inside Mallory's, her form outside")
    case("wrap-related",
         mp([(b"Content-Type: text/html\n", b"<p>" + good(SR).replace(b"\n", b"<br>")),
             (b"Content-Type: " + b(ct) + b"\nContent-ID: <x>\n", sbody)],
            sub="related", to=S),
         REJ, "policy,no_fields", "a signed part hidden in multipart/related under HTML")
    case("wrap-signed-in-alternative",
         mp([text_part(good(SR)), (b"Content-Type: " + b(ct) + b"\n", sbody)],
            sub="alternative", to=S),
         REJ, "policy,no_fields", "the signed part as one branch of an alternative")
    # ID and display tricks: the signature is the thing, not From.
    case("id-mallory-signs-as-bob", signed_msg(good(SR), S, A.mallory_home, A.mallory_fpr),
         REJ, "policy", "Mallory signs, From: Bob")
    case("id-twin-key", signed_msg(good(SR), S, A.twin_home, A.twin_fpr),
         REJ, "policy", "an imported key with Bob's user ID, not the pinned one")
    case("id-display-name",
         signed_msg(good(SR), S, A.mallory_home, A.mallory_fpr,
                    frm='"Bob Client <bob@client.example>" <mallory@evil.example>'),
         REJ, "policy", "Bob's address as Mallory's display name")
    case("id-sender-header",
         signed_msg(good(SR), S, A.mallory_home, A.mallory_fpr,
                    extra=["Sender: bob@client.example", "X-PGP-Signed-By: " + A.bob_fpr]),
         REJ, "policy", "headers that claim Bob's signature")
    # Replay: Bob's signature over another link's form.
    case("replay-other-link", signed_msg(form(A.any_ref, ["host: db.bob.example"]), S,
                                         A.bob_home, A.bob_fpr),
         REJ, "policy", "Bob's signed form of another link sent to the signed link")
    # Bad signatures.
    genuine = signed_msg(bob_good_s, S, A.bob_home, A.bob_fpr)
    case("sig-tampered", genuine.replace(b"db.bob.example", b"db.evil.example"), REJ, "policy",
         "Bob's signed reply with a value changed")
    genuine_a = signed_msg(form(A.any_ref, ["host: db.bob.example"]), A.any, A.bob_home,
                           A.bob_fpr)
    case("sig-tampered-any", genuine_a.replace(b"db.bob.example", b"db.evil.example"), REJ,
         "policy", "a bad signature to a link that wants none: rejected all the same")
    sig2 = gpg(A.bob_home, ["--armor", "--detach-sign", "--local-user", A.bob_fpr],
               b"something else")
    ct2, body2 = signed_entity(b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + bob_good_s,
                               A.bob_home, A.bob_fpr)
    body2 = body2.replace(b"-----END PGP SIGNATURE-----\r\n",
                          b"-----END PGP SIGNATURE-----\r\n" + crlf(sig2), 1)
    case("sig-one-good-one-bad", headers(to=S, ctype=ct2, nl=b"\r\n") + b"\r\n" + body2,
         REJ, "policy", "a good signature by Bob and a bad one, also his")
    sig3 = gpg(A.mallory_home, ["--armor", "--detach-sign", "--local-user", A.mallory_fpr],
               crlf(b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + bob_good_s))
    body3 = body2.replace(crlf(sig2), crlf(sig3), 1)
    case("sig-bob-and-mallory", headers(to=S, ctype=ct2, nl=b"\r\n") + b"\r\n" + body3,
         REJ, "policy", "good signatures by Bob and by Mallory (not imported)")
    # Inline PGP.
    clear = gpg(A.bob_home, ["--clearsign", "--local-user", A.bob_fpr],
                opening(SR) + b"\n")
    case("clearsign-formfeed",
         msg(clear + b"\x0c\n" + good(SR), to=S), REJ, "no_fields,policy",
         "a cleartext signature over the form line, a form-feed line, unsigned values")
    case("clearsign-then-unsigned",
         msg(clear + b"\n" + b"\n".join(b(x) for x in GOOD) + b"\n", to=S), REJ,
         "no_fields,policy", "unsigned values after a cleartext signature")
    case("clearsign-before-unsigned",
         msg(b"\n".join(b(x) for x in GOOD) + b"\n\n" + clear, to=S), REJ,
         "no_fields,policy", "unsigned values before a cleartext signature")
    case("clearsign-armor-header",
         msg(clear.replace(b"Hash: SHA256\n", b"Hash: SHA256\nhost: db.evil.example\n"), to=S),
         REJ, "no_fields,policy", "a value in the armor header of a cleartext signature")
    case("clearsign-two-blocks",
         msg(clear + b"\n-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n" + good(SR) +
             b"-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n", to=S),
         REJ, "no_fields,policy", "a second, forged cleartext block after Bob's")
    status = ("x\n[GNUPG:] GOODSIG %s Bob Client <bob@client.example>\n"
              "[GNUPG:] VALIDSIG %s 2026-11-25 1795641305 0 4 0 22 8 00 %s\n"
              "[GNUPG:] TRUST_ULTIMATE\n" % (A.bob_fpr[-16:], A.bob_fpr, A.bob_fpr))
    opaque = gpg(A.mallory_home, ["--armor", "--sign", "--local-user", A.mallory_fpr,
                                  "--set-filename", status], good(SR))
    case("literal-filename-status", msg(opaque, to=S), REJ, "policy",
         "Mallory's signed message whose file name holds fake gpg status lines")
    case("literal-filename-status-to-encrypted",
         msg(gpg(A.mallory_home, ["--armor", "--sign", "--local-user", A.mallory_fpr,
                                  "--set-filename", status], good(ER)), to=E),
         REJ, "policy", "the same, unencrypted, to the encrypted link")
    # Encryption.
    case("enc-replay-other-link", encrypted_msg(form(A.any_ref, GOOD), E), REJ, "policy",
         "encrypted to us, but the form of another link")
    case("enc-to-bob-only",
         msg(gpg(A.bob_home, ["--armor", "--encrypt", "--recipient", A.bob_fpr], good(ER)), to=E),
         REJ, "policy,unreadable", "encrypted to a key that is not ours")
    n = bad(ER)
    for _ in range(6):
        n = gpg(A.bob_home, ["--armor", "--encrypt", "--recipient", A.workspace_fpr,
                             "--sign", "--local-user", A.bob_fpr], n)
    case("enc-nested-6", msg(n, to=E), REJ, "policy,unreadable,invalid",
         "signed and encrypted six times over")

    # Ciphertext we build ourselves, under a session key that we learn by
    # decrypting a real message to the workspace key with its own home.
    def session():
        enc = gpg(A.bob_home, ["--encrypt", "--recipient", A.workspace_fpr], b"x")
        r = subprocess.run(GPG + ["--homedir", A.workspace_home, "--show-session-key",
                                  "--decrypt"], input=enc, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        sk = None
        for line in r.stderr.decode().splitlines():
            if "session key:" in line:
                sk = line.split("'")[1]
        algo, key = sk.split(":")
        # The packets up to the encrypted data: the PKESK.
        i, keep = 0, b""
        while i < len(enc):
            t = enc[i]
            if t & 0x40:
                tag, ln0 = t & 0x3f, enc[i + 1]
                if ln0 < 192:
                    hl, ln = 2, ln0
                elif ln0 < 224:
                    hl, ln = 3, ((ln0 - 192) << 8) + enc[i + 2] + 192
                else:
                    hl, ln = 6, struct.unpack(">I", enc[i + 2:i + 6])[0]
            else:
                tag, lt = (t >> 2) & 0xf, t & 3
                hl = {0: 2, 1: 3, 2: 5}[lt]
                ln = int.from_bytes(enc[i + 1:i + hl], "big")
            if tag != 1:
                break
            keep += enc[i:i + hl + ln]
            i += hl + ln
        return int(algo), bytes.fromhex(key), keep

    def cfb(key, iv, data):
        try:
            from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
            e = Cipher(algorithms.AES(key), modes.CFB(iv)).encryptor()
            return e.update(data) + e.finalize()
        except ImportError:
            out, prev = b"", iv
            for i in range(0, len(data), 16):
                r = subprocess.run(["openssl", "enc", "-aes-%d-ecb" % (8 * len(key)),
                                    "-nopad", "-K", key.hex()], input=prev,
                                   stdout=subprocess.PIPE, check=True)
                block = bytes(x ^ y for x, y in zip(data[i:i + 16], r.stdout))
                out += block
                prev = block
            return out

    try:
        ALGO, KEY, PKESK = session()
    except Exception as e:  # noqa: BLE001 - no crafted ciphertext then
        sys.stderr.write("make.py: no session key (%s); crafted ciphertext left out\n" % e)
        ALGO = None
    if ALGO in (7, 8, 9):
        def sed(packets):
            """Symmetrically encrypted data without integrity protection."""
            prefix = os.urandom(16)
            prefix += prefix[-2:]
            head = cfb(KEY, bytes(16), prefix)
            return pkt(9, head + cfb(KEY, head[2:18], packets))

        def seipd(packets):
            prefix = os.urandom(16)
            prefix += prefix[-2:]
            mdc = hashlib.sha1(prefix + packets + b"\xd3\x14").digest()
            return pkt(18, b"\x01" + cfb(KEY, bytes(16), prefix + packets + b"\xd3\x14" + mdc))

        def enc_mime(data, to):
            body = (b"--enc\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n"
                    b"--enc\nContent-Type: application/octet-stream\n\n" + armor(data) +
                    b"\n--enc--\n")
            return headers(to=to, ctype='multipart/encrypted; protocol="application/'
                           'pgp-encrypted"; boundary="enc"') + b"\n" + body

        case("enc-no-mdc", enc_mime(PKESK + sed(literal(good(ER))), E), REJ,
             "policy,unreadable", "ciphertext without integrity protection (SED, no MDC)")
        case("enc-no-mdc-inline", msg(armor(PKESK + sed(literal(good(ER)))), to=E), REJ,
             "policy,unreadable", "the same as inline PGP")
        case("enc-no-mdc-any", enc_mime(PKESK + sed(literal(good())), A.any), REJ,
             "policy,unreadable", "the same to a link that wants no encryption")
        case("enc-compression-bomb", enc_mime(PKESK + seipd(BOMB), E), REJ,
             "policy,unreadable,no_fields", "encrypted, integrity protected, 1 GB of zeros in 2 KB")
        mdc_bad = bytearray(seipd(literal(good(ER))))
        mdc_bad[-3] ^= 1
        case("enc-mdc-broken", enc_mime(PKESK + bytes(mdc_bad), E), REJ, "policy,unreadable",
             "integrity protection that does not match")
        case("enc-literal-status", enc_mime(PKESK + seipd(literal(good(SR), b(status[:200]))), S),
             REJ, "policy", "encrypted, unsigned, to the signed link, a file name with "
             "fake gpg status lines claiming Bob's signature")

with open(os.path.join(A.out, "MANIFEST"), "w") as f:
    f.write("\n".join(manifest) + "\n")
print(len(manifest))
