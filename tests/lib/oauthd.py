#!/usr/bin/python3
"""oauthd.py: a real OAuth 2.0 authorization server for the tests, built
on Debian's python3-authlib: its device authorization endpoint and device
code grant (RFC 8628), with Python's http.server on 127.0.0.1.

    oauthd.py --dir DIR [--port N] [--port-file FILE]
              [--client-id ID] [--client-secret S]

Endpoints:
    (each also under /ANYTHING/..., as a tenant's endpoints are)
    POST /device                 device authorization (authlib)
    POST /token                  token endpoint: device code and refresh
                                 token grants (authlib)
    GET  /userinfo               {"email": ...} for a bearer access token
    POST /approve?user_code=C&user=EMAIL   the user approves, as in a browser
    POST /deny?user_code=C                 the user declines
    POST /revoke?user=EMAIL      the user revokes every token they gave
    POST /control?KEY=N          what the next answers do: token500=N (the
                                 next N token requests answer 500),
                                 device500=N, slowdown=N (the next N polls
                                 answer slow_down), expires_in=S, interval=S
    GET  /state                  JSON: polls, too_fast (polls sooner than
                                 the interval then in force), codes issued,
                                 device requests, refresh tokens issued

DIR/refresh_tokens gets each refresh token issued, one a line, so a test
can look for it where it must not be.
"""
import argparse
import base64
import http.server
import json
import os
import sys
import threading
import time
import urllib.parse

os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"   # HTTP on loopback only

from authlib.common.security import generate_token
from authlib.oauth2 import rfc6749
from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, TokenMixin
from authlib.oauth2.rfc6749.grants import RefreshTokenGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc8628 import (DeviceAuthorizationEndpoint,
                                    DeviceCodeGrant, DeviceCredentialDict)
from authlib.oauth2.rfc6749.wrappers import OAuth2Request


class Client(ClientMixin):
    def __init__(self, cid, secret):
        self.cid, self.secret = cid, secret

    def get_client_id(self):
        return self.cid

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        return scope or ""

    def check_redirect_uri(self, uri):
        return False

    def check_client_secret(self, secret):
        return self.secret is not None and secret == self.secret

    def check_endpoint_auth_method(self, method, endpoint):
        if self.secret is None:
            return method == "none"
        return method in ("client_secret_post", "client_secret_basic")

    def check_response_type(self, rt):
        return False

    def check_grant_type(self, gt):
        return gt in (DeviceCodeGrant.GRANT_TYPE, "refresh_token")


class Issued(TokenMixin):
    """A refresh token issued, for the refresh_token grant."""
    def __init__(self, user, scope, cid):
        self.user, self.scope, self.cid = user, scope, cid
        self.revoked = False

    def check_client(self, client):
        return client.get_client_id() == self.cid

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return 3600

    def is_expired(self):
        return False

    def is_revoked(self):
        return self.revoked


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--client-id", default="setuplink-test")
    ap.add_argument("--client-secret")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    lock = threading.RLock()
    st = {"token500": 0, "device500": 0, "slowdown": 0, "expires_in": 600,
          "interval": 1, "polls": 0, "too_fast": 0, "device_requests": 0,
          "issued": 0, "refreshes": 0}
    creds = {}        # device_code -> DeviceCredentialDict
    grants = {}       # user_code -> (user, approved)
    pace = {}         # device_code -> [last poll, interval in force]
    access = {}       # access token -> user
    issued = {}       # refresh token -> Issued
    client = Client(a.client_id, a.client_secret)
    base = {"url": None}

    class Server(AuthorizationServer):
        def query_client(self, cid):
            return client if cid == client.cid else None

        def save_token(self, token, request):
            access[token["access_token"]] = request.user
            if "refresh_token" in token:
                issued[token["refresh_token"]] = Issued(
                    request.user, token.get("scope", ""), client.cid)
                with open(os.path.join(a.dir, "refresh_tokens"), "a") as f:
                    f.write(token["refresh_token"] + "\n")
                st["issued"] += 1

        def create_oauth2_request(self, req):
            return req

        def handle_response(self, status, body, headers):
            return status, body, headers

        def send_signal(self, *args, **kw):
            pass

    class Device(DeviceAuthorizationEndpoint):
        def get_verification_uri(self):
            return base["url"] + "/verify"

        def save_device_credential(self, client_id, scope, data):
            data["expires_in"] = st["expires_in"]
            data["interval"] = st["interval"]
            item = DeviceCredentialDict(client_id=client_id, scope=scope,
                                        expires_at=time.time() +
                                        st["expires_in"], **data)
            creds[data["device_code"]] = item
            pace[data["device_code"]] = [None, st["interval"]]

        def create_endpoint_response(self, request):
            status, body, headers = super().create_endpoint_response(request)
            item = creds.get(body.get("device_code"))
            if item is not None:
                body["expires_in"] = item["expires_in"]
                body["interval"] = item["interval"]
            return status, body, headers

    class Grant(DeviceCodeGrant):
        def query_device_credential(self, code):
            return creds.get(code)

        def query_user_grant(self, user_code):
            return grants.get(user_code)

        def should_slow_down(self, credential):
            if st["slowdown"] > 0:
                st["slowdown"] -= 1
                pace[credential["device_code"]][1] += 5
                return True
            return False

        def create_token_response(self):
            status, token, headers = super().create_token_response()
            user = self.request.user
            claims = {"iss": base["url"], "sub": user, "email": user,
                      "aud": client.cid, "iat": int(time.time())}
            token["id_token"] = ".".join([
                b64u(json.dumps({"alg": "none"}).encode()),
                b64u(json.dumps(claims).encode()), ""])
            return status, token, headers

    class Refresh(RefreshTokenGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic",
                                       "client_secret_post", "none"]

        def authenticate_refresh_token(self, rt):
            item = issued.get(rt)
            return item if item is not None and not item.revoked else None

        def authenticate_user(self, credential):
            return credential.user

        def revoke_old_credential(self, credential):
            pass

    server = Server()

    def gen(grant_type, client, user=None, scope=None, expires_in=None,
            include_refresh_token=True):
        return BearerTokenGenerator(
            lambda **kw: generate_token(40),
            lambda **kw: "rt-" + generate_token(40))(
                grant_type, client, user, scope, expires_in,
                include_refresh_token)

    server.register_token_generator("default", gen)
    server.register_grant(Grant)
    server.register_grant(Refresh)
    server.register_endpoint(Device)
    # DeviceCredentialDict reads expires_at
    # (authlib 1.2: is_expired compares it with time.time()).

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            sys.stderr.write("oauthd: " + (fmt % args) + "\n")

        def answer(self, code, obj, headers=None):
            data = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def req(self, body):
            form = dict(urllib.parse.parse_qsl(body.decode(),
                                               keep_blank_values=True))
            return OAuth2Request(self.command, base["url"] + self.path,
                                 form, dict(self.headers.items()))

        def do_GET(self):
            u = urllib.parse.urlparse(self.path)
            u = u._replace(path="/" + u.path.rsplit("/", 1)[-1])
            with lock:
                if u.path == "/state":
                    return self.answer(200, dict(st, codes=len(creds)))
                if u.path == "/userinfo":
                    auth = self.headers.get("Authorization", "")
                    user = access.get(auth[7:]) if auth.startswith(
                        "Bearer ") else None
                    if user is None:
                        return self.answer(401, {"error": "invalid_token"})
                    return self.answer(200, {"email": user})
            self.answer(404, {"error": "not_found"})

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n)
            u = urllib.parse.urlparse(self.path)
            # /TENANT/device is /device: endpoints may name a tenant.
            u = u._replace(path="/" + u.path.rsplit("/", 1)[-1])
            q = dict(urllib.parse.parse_qsl(u.query))
            with lock:
                if u.path == "/device":
                    st["device_requests"] += 1
                    if st["device500"] > 0:
                        st["device500"] -= 1
                        return self.answer(500, {"error": "server_error"})
                    code, obj, _ = server.create_endpoint_response(
                        "device_authorization", self.req(body))
                    return self.answer(code, obj)
                if u.path == "/token":
                    st["polls"] += 1
                    if st["token500"] > 0:
                        st["token500"] -= 1
                        return self.answer(500, {"error": "server_error"})
                    r = self.req(body)
                    dc = r.data.get("device_code")
                    p = pace.get(dc)
                    now = time.time()
                    if p is not None:
                        if p[0] is not None and now - p[0] < p[1] - 0.25:
                            st["too_fast"] += 1
                        p[0] = now
                    if r.data.get("grant_type") == "refresh_token":
                        st["refreshes"] += 1
                    code, obj, _ = server.create_token_response(r)
                    return self.answer(code, obj)
                if u.path == "/approve" or u.path == "/deny":
                    uc = q.get("user_code")
                    if not any(c["user_code"] == uc for c in creds.values()):
                        return self.answer(404, {"error": "no such code"})
                    grants[uc] = (q.get("user", "user@example.com"),
                                  u.path == "/approve")
                    return self.answer(200, {"ok": True})
                if u.path == "/revoke":
                    for it in issued.values():
                        if it.user == q.get("user"):
                            it.revoked = True
                    return self.answer(200, {"ok": True})
                if u.path == "/control":
                    for k, v in q.items():
                        if k in st:
                            st[k] = int(v)
                    return self.answer(200, st)
            self.answer(404, {"error": "not_found"})

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), H)
    base["url"] = "http://127.0.0.1:%d" % httpd.server_address[1]
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % httpd.server_address[1])
        os.rename(tmp, a.port_file)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
