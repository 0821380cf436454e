#!/usr/bin/python3
"""httpd.py: a real HTTP(S) server (Python's http.server) for the tests.

Started by httpd_start in tests/lib/services.sh (or by a unit test); run it
with /usr/bin/python3.  It listens on 127.0.0.1 only.

    httpd.py --spool DIR [--port N] [--port-file FILE]
             [--cert PEM --key PEM]     serve HTTPS
             [--mode-file FILE]         "ok" (default), "down-500" (answer
                                        500 to everything), "slow-S" (sleep
                                        S seconds before every answer)

Every request is saved in DIR as N.json (N from 1): method, path, the
headers and the body (as text, and base64), written to N.tmp and renamed,
so a test that sees N.json may read it.  Answers, by path:

    /status/NNN                 NNN, an empty JSON object
    /sleep/S                    200 after S seconds
    /auth/basic/USER/PASS       200 when HTTP Basic carries USER:PASS, else 401
    /auth/bearer/TOKEN          200 when "Authorization: Bearer TOKEN", else 401
    /auth/header/NAME/VALUE     200 when header NAME is VALUE, else 401
    /auth/query/NAME/VALUE      200 when the query has NAME=VALUE, else 401
    anything else               200 {"ok": true}
"""
import argparse
import base64
import http.server
import json
import os
import signal
import ssl
import sys
import threading
import time
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spool", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--mode-file")
    a = ap.parse_args()
    os.makedirs(a.spool, exist_ok=True)
    lock = threading.Lock()

    def mode():
        if a.mode_file and os.path.exists(a.mode_file):
            with open(a.mode_file) as f:
                return f.read().strip()
        return "ok"

    def record(h, body):
        with lock:
            n = 1 + max([int(x.split(".")[0]) for x in os.listdir(a.spool)
                         if x.endswith(".json")] or [0])
            d = {"method": h.command, "path": h.path,
                 "headers": {k: v for k, v in h.headers.items()},
                 "body": body.decode("utf-8", "replace"),
                 "body_b64": base64.b64encode(body).decode()}
            tmp = os.path.join(a.spool, "%d.tmp" % n)
            with open(tmp, "w") as f:
                json.dump(d, f)
            os.rename(tmp, os.path.join(a.spool, "%d.json" % n))

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            sys.stderr.write("httpd: " + (fmt % args) + "\n")

        def answer(self, code, obj):
            data = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def judge(self):
            u = urllib.parse.urlsplit(self.path)
            p = [urllib.parse.unquote(x) for x in u.path.split("/")[1:]]
            auth = self.headers.get("Authorization", "")
            if len(p) == 2 and p[0] == "status":
                return int(p[1])
            if len(p) == 2 and p[0] == "sleep":
                time.sleep(float(p[1]))
                return 200
            if len(p) == 4 and p[:2] == ["auth", "basic"]:
                want = base64.b64encode(("%s:%s" % (p[2], p[3])).encode())
                return 200 if auth == "Basic " + want.decode() else 401
            if len(p) == 3 and p[:2] == ["auth", "bearer"]:
                return 200 if auth == "Bearer " + p[2] else 401
            if len(p) == 4 and p[:2] == ["auth", "header"]:
                return 200 if self.headers.get(p[2]) == p[3] else 401
            if len(p) == 4 and p[:2] == ["auth", "query"]:
                q = urllib.parse.parse_qs(u.query)
                return 200 if q.get(p[2]) == [p[3]] else 401
            return 200

        def handle_any(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n > 0 else b""
            record(self, body)
            m = mode()
            if m.startswith("slow-"):
                time.sleep(float(m[5:]))
            if m == "down-500":
                self.answer(500, {"error": "down"})
                return
            code = self.judge()
            self.answer(code, {"ok": code < 300} if code != 200 else
                        {"ok": True})

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), H)
    srv.daemon_threads = True
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(tmp, a.port_file)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    srv.serve_forever()


if __name__ == "__main__":
    main()
