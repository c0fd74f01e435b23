"""Single sign-on against a real JWKS endpoint on loopback, with keys the test makes."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from identity_home import new_hub

from identity.authenticate import authenticate_bearer
from identity.models import AuthenticationFailed
from pipelines.hub import Hub

ISSUER = "https://idp.district.example"
AUDIENCE = "shuzhi"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(key: Any, kid: str, alg: str) -> dict[str, Any]:
    algorithm = jwt.algorithms.RSAAlgorithm if alg == "RS256" else jwt.algorithms.ECAlgorithm
    jwk = json.loads(algorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "alg": alg, "use": "sig"}


JWKS = json.dumps({"keys": [_jwk(RSA_KEY, "rsa1", "RS256"), _jwk(EC_KEY, "ec1", "ES256")]})


class _Jwks(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = JWKS.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Jwks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    server.shutdown()
    server.server_close()


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jwks_url: str) -> Hub:
    settings = f"""
oidc:
  - name: district
    issuer: {ISSUER}
    audience: {AUDIENCE}
    jwks_url: {jwks_url}
    claims:
      groups: groups
      group_principals: {{grp-donghu: street_donghu}}
"""
    return new_hub(tmp_path, monkeypatch, settings)


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "emp-1001",
        "iat": now,
        "exp": now + 300,
        "shuzhi_principal": "street_donghu",
        "shuzhi_role": "requester",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _token(key: Any = RSA_KEY, kid: str = "rsa1", alg: str = "RS256", **changes: Any) -> str:
    return jwt.encode(_claims(**changes), key, algorithm=alg, headers={"kid": kid})


def test_good_rs256_token_accepted(hub: Hub) -> None:
    who = authenticate_bearer(hub, _token())
    assert (who.kind, who.id, who.principal, who.via) == (
        "person",
        "oidc:emp-1001",
        "street_donghu",
        "oidc",
    )
    assert who.roles == {"viewer", "requester"}


def test_good_es256_token_accepted(hub: Hub) -> None:
    assert authenticate_bearer(hub, _token(EC_KEY, "ec1", "ES256")).principal == "street_donghu"


def test_group_claim_maps_to_a_principal(hub: Hub) -> None:
    token = _token(shuzhi_principal=None, groups=["staff", "grp-donghu"])
    assert authenticate_bearer(hub, token).principal == "street_donghu"


def test_approver_role_outside_a_steward_office_is_not_given(hub: Hub) -> None:
    assert "approver" not in authenticate_bearer(hub, _token(shuzhi_role="approver")).roles


def _refused(hub: Hub, token: str, message: str) -> None:
    with pytest.raises(AuthenticationFailed, match=message):
        authenticate_bearer(hub, token)


def test_bad_signature_refused(hub: Hub) -> None:
    _refused(hub, _token(OTHER_KEY), "signature is not valid")


def test_wrong_audience_refused(hub: Hub) -> None:
    _refused(hub, _token(aud="another-app"), "another audience")


def test_wrong_issuer_refused(hub: Hub) -> None:
    _refused(hub, _token(iss="https://evil.example"), "unknown issuer")


def test_expired_token_refused(hub: Hub) -> None:
    past = int(time.time()) - 3600
    _refused(hub, _token(iat=past - 300, exp=past), "expired")


def test_missing_required_claim_refused(hub: Hub) -> None:
    _refused(hub, _token(iat=None), "lacks the 'iat' claim")


def test_alg_none_refused(hub: Hub) -> None:
    token = jwt.encode(_claims(), "", algorithm="none", headers={"kid": "rsa1"})
    _refused(hub, token, "algorithm 'none'")


def test_hs256_signed_with_the_public_key_refused(hub: Hub) -> None:
    public_pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    import base64
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    # Signed by hand: PyJWT itself refuses to use a PEM public key as an HMAC secret.
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa1"}).encode())
    body = b64(json.dumps(_claims()).encode())
    signature = hmac.new(public_pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    _refused(hub, f"{head}.{body}.{b64(signature)}", "algorithm 'HS256'")


def test_unknown_kid_refused(hub: Hub) -> None:
    _refused(hub, _token(OTHER_KEY, kid="rotated-away"), "does not publish")


def test_unknown_principal_claim_refused(hub: Hub) -> None:
    _refused(hub, _token(shuzhi_principal="street_atlantis"), "which is unknown")


def test_malformed_token_refused(hub: Hub) -> None:
    _refused(hub, "abc.def.ghi", "malformed")
