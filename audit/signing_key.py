"""The Ed25519 key that signs the audit log's checkpoints, kept away from the log.

Whoever can write the audit folder can rewrite the log and re-chain every hash;
what they cannot do is sign a checkpoint without this key. So the key never sits
in ``audit/``: it comes from ``SHUZHI_AUDIT_SIGNING_KEY`` (base64 of the 32-byte
seed) or from ``keys/audit-signing.key`` (0600), made on first use. Every public
key that ever signed stays in ``keys/audit-signing-public.json``, so checkpoints
signed before a rotation still verify; an exported copy carries them too.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from home.private_files import exclusive_lock, read_private_bytes, write_private_json

SIGNING_KEY_ENV = "SHUZHI_AUDIT_SIGNING_KEY"
SIGNING_KEY_FILE = "audit-signing.key"
PUBLIC_KEYS_FILE = "audit-signing-public.json"
_SEED_BYTES = 32


class SigningKeyError(Exception):
    """The signing key is missing, malformed or exposed (never says the key)."""


@dataclass(frozen=True)
class SigningKey:
    """A private key and its id (the first 16 hex digits of sha256 of the public key)."""

    private: Ed25519PrivateKey
    key_id: str
    public_b64: str

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private.sign(message)).decode("ascii")


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id_of(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        raise SigningKeyError("a public key is not base64 of 32 bytes") from None


def _from_seed(seed: bytes) -> SigningKey:
    private = Ed25519PrivateKey.from_private_bytes(seed)
    raw = public_bytes(private.public_key())
    return SigningKey(private, key_id_of(raw), base64.b64encode(raw).decode("ascii"))


def _decode_seed(text: str, *, source: str) -> bytes:
    try:
        seed = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SigningKeyError(f"audit signing key from {source} is not base64") from None
    if len(seed) != _SEED_BYTES:
        raise SigningKeyError(
            f"audit signing key from {source} must be {_SEED_BYTES} bytes, got {len(seed)}"
        )
    return seed


def new_seed_text() -> str:
    """A fresh key as the one line of base64 the file or the variable holds."""
    return base64.b64encode(os.urandom(_SEED_BYTES)).decode("ascii")


def load_signing_key(keys_dir: Path) -> SigningKey:
    """The key from the environment, else the key file (made when there is none yet).

    Its public key is recorded in the public key file either way, so that verify knows it.
    """
    keys_dir = Path(keys_dir)
    text = os.environ.get(SIGNING_KEY_ENV, "")
    if text.strip():
        key = _from_seed(_decode_seed(text, source=f"environment variable {SIGNING_KEY_ENV}"))
    else:
        key = _load_or_create_file(keys_dir / SIGNING_KEY_FILE)
    if key.key_id not in trusted_public_keys(keys_dir):
        _record_public_key(keys_dir, key)
    return key


def rotate_signing_key(keys_dir: Path) -> SigningKey:
    """Replace the key file with a new key; the old public key stays trusted.

    With the key in the environment, set a new value there instead (the new public key
    is recorded the first time it signs).
    """
    if os.environ.get(SIGNING_KEY_ENV, "").strip():
        raise SigningKeyError(
            f"the audit signing key comes from {SIGNING_KEY_ENV}: put a new key there "
            "(its public key is recorded when it first signs)"
        )
    keys_dir = Path(keys_dir)
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with exclusive_lock(keys_dir / f".{SIGNING_KEY_FILE}.lock"):
        path = keys_dir / SIGNING_KEY_FILE
        if path.exists():
            _record_public_key(keys_dir, _read_key_file(path))
        temp = path.with_name(f".{SIGNING_KEY_FILE}.new")
        temp.unlink(missing_ok=True)
        _write_key_file(temp)
        os.replace(temp, path)
        key = _read_key_file(path)
    _record_public_key(keys_dir, key)
    return key


def trusted_public_keys(keys_dir: Path) -> dict[str, str]:
    """key id → base64 public key, for every key that has signed on this hub."""
    path = Path(keys_dir) / PUBLIC_KEYS_FILE
    try:
        data = json.loads(read_private_bytes(path))
    except FileNotFoundError:
        return {}
    except ValueError:
        raise SigningKeyError(f"{path} is not valid JSON") from None
    keys = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(keys, dict):
        raise SigningKeyError(f"{path} has no 'keys' object")
    return {str(k): str(v["public"]) for k, v in keys.items() if isinstance(v, dict)}


def _record_public_key(keys_dir: Path, key: SigningKey) -> None:
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with exclusive_lock(keys_dir / f".{PUBLIC_KEYS_FILE}.lock"):
        path = keys_dir / PUBLIC_KEYS_FILE
        try:
            data = json.loads(read_private_bytes(path))
        except FileNotFoundError:
            data = {"keys": {}}
        if key.key_id in data["keys"]:
            return
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        data["keys"][key.key_id] = {"public": key.public_b64, "since": now}
        write_private_json(path, data)


def _load_or_create_file(path: Path) -> SigningKey:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with exclusive_lock(path.parent / f".{SIGNING_KEY_FILE}.lock"):
            if not path.exists():  # another process may have made it while we waited
                _write_key_file(path)
    return _read_key_file(path)


def _write_key_file(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(new_seed_text() + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _read_key_file(path: Path) -> SigningKey:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SigningKeyError(
            f"audit signing key file {path} has mode {mode:04o}; it must be 0600 (chmod 600)"
        )
    return _from_seed(_decode_seed(path.read_text("ascii"), source=f"file {path}"))
