#!/usr/bin/python3
"""smtpd.py: a real SMTP server (Debian's aiosmtpd) for the end-to-end tests.

Started by smtpd_start in tests/lib/services.sh; run it with /usr/bin/python3,
which sees python3-aiosmtpd.  It listens on 127.0.0.1 only.

    smtpd.py --spool DIR [--port N] [--port-file FILE]
             [--cert PEM --key PEM]     offer STARTTLS and require it
             [--auth USER:PASS]         require AUTH PLAIN/LOGIN
             [--reject | --tempfail]    answer every message 550 / 451
             [--mode-file FILE]         read "accept", "reject" or "tempfail"
                                        from FILE for each message

Every accepted message is saved in DIR as N.eml, the DATA bytes exactly as
received (CRLF line ends, dot-unstuffed), beside N.env, its envelope:

    mail_from SENDER
    rcpt_to RECIPIENT        (one line per RCPT TO)
    tls yes|no               (whether the session had done STARTTLS)
    auth USER|-              (the AUTH login, or - without AUTH)

N counts from 1 (on from the highest N already in DIR).  N.env is written
first and N.eml renamed into place last, so a test that sees N.eml may read
both.  Refused messages are not saved; each refusal is logged on stderr.
With --port 0 (the default) the kernel picks the port, which is written to
--port-file once the server listens.
"""
import argparse
import asyncio
import os
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

# aiosmtpd 1.4 warns about its own use of Session.login_data on every AUTH.
warnings.simplefilter("ignore", DeprecationWarning)

REPLIES = {
    "reject": "550 5.7.1 Message refused by the test server",
    "tempfail": "451 4.3.0 Try again later (test server)",
}


def log(msg):
    print("smtpd: " + msg, file=sys.stderr, flush=True)


class Handler:
    def __init__(self, spool, mode, mode_file):
        self.spool = spool
        self.mode = mode
        self.mode_file = mode_file
        # Go on from the highest N already in the spool (a restarted server).
        self.count = max([int(n.split(".")[0]) for n in os.listdir(spool)
                          if n.endswith(".eml") and n.split(".")[0].isdigit()] or [0])

    def current_mode(self):
        if self.mode_file:
            try:
                with open(self.mode_file) as f:
                    m = f.read().strip()
                if m:
                    return m
            except FileNotFoundError:
                pass
        return self.mode

    async def handle_DATA(self, server, session, envelope):
        mode = self.current_mode()
        if mode in REPLIES:
            log("refused message from %s to %s: %s"
                % (envelope.mail_from, envelope.rcpt_tos, REPLIES[mode]))
            return REPLIES[mode]
        self.count += 1
        base = os.path.join(self.spool, str(self.count))
        user = "-"
        if session.authenticated and isinstance(session.auth_data, LoginPassword):
            user = session.auth_data.login.decode("utf-8", "replace")
        env = ["mail_from " + (envelope.mail_from or "")]
        env += ["rcpt_to " + r for r in envelope.rcpt_tos]
        env += ["tls " + ("yes" if session.ssl else "no"), "auth " + user]
        with open(base + ".env", "w") as f:
            f.write("\n".join(env) + "\n")
        data = envelope.original_content
        if data is None:
            data = envelope.content
        with open(base + ".tmp", "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.rename(base + ".tmp", base + ".eml")
        log("saved %s.eml from %s to %s" % (base, envelope.mail_from, envelope.rcpt_tos))
        return "250 2.0.0 Message accepted"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spool", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--auth")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--reject", action="store_const", dest="mode", const="reject")
    g.add_argument("--tempfail", action="store_const", dest="mode", const="tempfail")
    ap.add_argument("--mode-file")
    a = ap.parse_args()
    os.makedirs(a.spool, exist_ok=True)

    tls = None
    if a.cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(a.cert, a.key)

    authenticator = None
    if a.auth:
        want_user, _, want_pass = a.auth.partition(":")

        def authenticator(server, session, envelope, mechanism, data):
            good = (isinstance(data, LoginPassword)
                    and data.login.decode("utf-8", "replace") == want_user
                    and data.password.decode("utf-8", "replace") == want_pass)
            if not good:
                log("AUTH %s failed" % mechanism)
            return AuthResult(success=good, handled=False,
                              auth_data=data if good else None)

    handler = Handler(a.spool, a.mode or "accept", a.mode_file)

    def factory():
        return SMTP(handler, hostname="localhost", tls_context=tls,
                    require_starttls=tls is not None,
                    authenticator=authenticator,
                    auth_required=authenticator is not None,
                    # Without --tls AUTH must work over plain text, else it never could.
                    auth_require_tls=tls is not None,
                    timeout=60)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", a.port))
    port = server.sockets[0].getsockname()[1]
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(a.port_file + ".tmp", a.port_file)
    log("listening on 127.0.0.1:%d tls=%s auth=%s mode=%s"
        % (port, tls is not None, authenticator is not None, handler.mode))
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(s, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()


if __name__ == "__main__":
    main()
