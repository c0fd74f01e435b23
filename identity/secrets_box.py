"""The front door's keyed primitives: API-key HMACs and sealed display names.

Both keys are derived (HKDF) from the key store's identity key, which only the
master key opens, so a copy of the state files alone neither brute-forces an
API key offline nor reads a person's name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE = 12


def _derive(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(key)


class IdentityKeys:
    def __init__(self, identity_key: bytes) -> None:
        self._mac_key = _derive(identity_key, b"shuzhi api-key hmac v1")
        self._seal = AESGCM(_derive(identity_key, b"shuzhi display-name seal v1"))

    def __repr__(self) -> str:
        return "IdentityKeys(<hidden>)"

    def mac(self, secret: str) -> str:
        """HMAC-SHA256 of an API key, hex."""
        return hmac.new(self._mac_key, secret.encode("utf-8"), hashlib.sha256).hexdigest()

    def seal(self, text: str, bound_to: str) -> str:
        """``text`` encrypted, bound to ``bound_to`` (a user id) so it cannot be moved."""
        nonce = os.urandom(_NONCE)
        sealed = self._seal.encrypt(nonce, text.encode("utf-8"), bound_to.encode("utf-8"))
        return base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, sealed: str, bound_to: str) -> str:
        raw = base64.b64decode(sealed)
        try:
            plain = self._seal.decrypt(raw[:_NONCE], raw[_NONCE:], bound_to.encode("utf-8"))
        except InvalidTag:
            raise ValueError(f"the sealed name of {bound_to} does not open (altered?)") from None
        return plain.decode("utf-8")
