"""A real OpenID Connect provider on loopback, for the sign-in tests (no discovery).

- ``GET /authorize``: checks the client, the redirect URI and that the code
  challenge is S256, then sends the browser back with a one-time code and the
  state (or with ``error`` when ``refuse_with`` is set);
- ``POST /token``: checks the client's Basic credentials, the code (used once),
  the redirect URI and the PKCE verifier against the challenge, and answers an
  ID token signed with an RSA key made here (``down`` drops the connection
  without an answer, ``failing`` answers 503);
- ``GET /jwks.json``: the public key.

A test changes what the next ID token says through ``claims``, ``nonce`` and
``signing_key``, and puts them back with ``reset()``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "shuzhi-pages"
CLIENT_SECRET = "loopback client secret 42"
KEY_ID = "loopback-1"
SIGNING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
FORGED_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PERSON = {
    "sub": "emp-1001",
    "name": "欧阳测试",
    "shuzhi_principal": "street_donghu",
    "shuzhi_role": "requester",
}
TokenMode = Literal["working", "down", "failing"]


@dataclass
class Grant:
    redirect_uri: str
    challenge: str
    nonce: str


@dataclass
class LoopbackProvider:
    url: str = ""
    claims: dict[str, Any] = field(default_factory=lambda: dict(PERSON))
    nonce: str | None = None  # None: the nonce the sign-in asked for
    signing_key: Any = SIGNING_KEY
    token_mode: TokenMode = "working"
    refuse_with: str | None = None  # an ``error`` code to send back instead of a code
    grants: dict[str, Grant] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def issuer(self) -> str:
        return self.url

    def reset(self) -> None:
        self.claims = dict(PERSON)
        self.nonce = None
        self.signing_key = SIGNING_KEY
        self.token_mode = "working"
        self.refuse_with = None

    def settings_yaml(self, *, secret_env: str, display_name: str) -> str:
        """This provider as an entry of ``config/identity.yaml``."""
        return f"""
oidc:
  - name: district
    display_name: {json.dumps(display_name, ensure_ascii=False)}
    issuer: {self.issuer}
    audience: shuzhi
    jwks_url: {self.url}/jwks.json
    authorization_endpoint: {self.url}/authorize
    token_endpoint: {self.url}/token
    client_id: {CLIENT_ID}
    client_secret_env: {secret_env}
    scopes: [openid, profile]
"""

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "azp": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": self.nonce if self.nonce is not None else nonce,
            **self.claims,
        }
        return jwt.encode(claims, self.signing_key, algorithm="RS256", headers={"kid": KEY_ID})


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _jwks() -> bytes:
    key = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(SIGNING_KEY.public_key()))
    return json.dumps({"keys": [{**key, "kid": KEY_ID, "alg": "RS256", "use": "sig"}]}).encode()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        if path == "/jwks.json":
            self._answer(200, _jwks())
        elif path == "/authorize":
            self._authorize({k: v[0] for k, v in parse_qs(query).items()})
        else:
            self._answer(404, b"{}")

    def _authorize(self, asked: dict[str, str]) -> None:
        provider = self.server.provider
        good = (
            asked.get("response_type") == "code"
            and asked.get("client_id") == CLIENT_ID
            and asked.get("code_challenge_method") == "S256"
            and "openid" in asked.get("scope", "").split()
            and all(asked.get(k) for k in ("redirect_uri", "state", "nonce", "code_challenge"))
        )
        if not good:
            self._answer(400, json.dumps({"error": "invalid_request", "asked": asked}).encode())
            return
        back: dict[str, str] = {"state": asked["state"]}
        if provider.refuse_with:
            back["error"] = provider.refuse_with
        else:
            code = secrets.token_urlsafe(16)
            with provider.lock:
                provider.grants[code] = Grant(
                    asked["redirect_uri"], asked["code_challenge"], asked["nonce"]
                )
            back["code"] = code
        self.send_response(302)
        self.send_header("Location", f"{asked['redirect_uri']}?{urlencode(back)}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        provider = self.server.provider
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if provider.token_mode == "down":
            self.close_connection = True  # hang up without a word, like a dead upstream
            return
        if provider.token_mode == "failing":
            self._answer(503, b"upstream unavailable")
            return
        if _basic_credentials(self.headers.get("Authorization", "")) != (CLIENT_ID, CLIENT_SECRET):
            self._answer(401, b'{"error": "invalid_client"}')
            return
        with provider.lock:
            grant = provider.grants.pop(form.get("code", ""), None)  # a code is used once
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or form.get("redirect_uri") != grant.redirect_uri
            or s256(form.get("code_verifier", "")) != grant.challenge
        ):
            self._answer(400, b'{"error": "invalid_grant"}')
            return
        body = {"access_token": "opaque", "token_type": "Bearer", "expires_in": 300,
                "id_token": provider.id_token(grant.nonce)}  # fmt: skip
        self._answer(200, json.dumps(body).encode())

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _basic_credentials(header: str) -> tuple[str, str] | None:
    """RFC 6749 2.3.1: Basic base64(form-encoded id ":" form-encoded secret)."""
    scheme, _, encoded = header.partition(" ")
    if scheme != "Basic":
        return None
    client, _, secret = base64.b64decode(encoded).decode().partition(":")
    return unquote_plus(client), unquote_plus(secret)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    provider: LoopbackProvider


@contextmanager
def loopback_provider() -> Iterator[LoopbackProvider]:
    server = _Server(("127.0.0.1", 0), _Handler)
    provider = LoopbackProvider(url=f"http://127.0.0.1:{server.server_address[1]}")
    server.provider = provider
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()


def redirect_target(location: str) -> tuple[str, dict[str, str]]:
    """A redirect's URL without its query, and the query's values."""
    parts = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return f"{parts.scheme}://{parts.netloc}{parts.path}", query
