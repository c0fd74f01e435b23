"""Password hashes: scrypt (memory-hard) with a random salt, its parameters kept beside it."""

from __future__ import annotations

import base64
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from pydantic import BaseModel, ConfigDict

# n=2**15, r=8: 32 MiB and about 50-100 ms per hash here; stored per hash so a later,
# stronger setting leaves old hashes verifiable.
N, R, P = 2**15, 8, 1
LENGTH = 32
SALT_BYTES = 16
MIN_LENGTH = 10
MAX_LENGTH = 1024  # scrypt's cost grows with input; refuse absurd inputs up front


class WeakPassword(ValueError):
    """The new password is refused; the message says why (never echoing it)."""


class PasswordHash(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    scheme: str = "scrypt"
    n: int
    r: int
    p: int
    salt: str
    hash: str

    def __repr__(self) -> str:
        return f"PasswordHash(scrypt n={self.n} r={self.r} p={self.p})"


def check_new_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"a password is at most {MAX_LENGTH} characters")
    if len(set(password)) < 4:
        raise WeakPassword("a password needs at least 4 different characters")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=LENGTH, n=n, r=r, p=p).derive(password.encode("utf-8"))


def hash_password(password: str) -> PasswordHash:
    salt = os.urandom(SALT_BYTES)
    digest = _scrypt(password, salt, N, R, P)
    return PasswordHash(
        n=N, r=R, p=P, salt=base64.b64encode(salt).decode(), hash=base64.b64encode(digest).decode()
    )


def verify_password(password: str, stored: PasswordHash) -> bool:
    if stored.scheme != "scrypt" or len(password) > MAX_LENGTH:
        return False
    digest = _scrypt(password, base64.b64decode(stored.salt), stored.n, stored.r, stored.p)
    return hmac.compare_digest(digest, base64.b64decode(stored.hash))  # constant time


@cache
def _dummy() -> PasswordHash:
    return hash_password(os.urandom(16).hex())


def burn_time_like_a_check(password: str) -> None:
    """Spend what a real check costs, so an unknown login answers as slowly as a known one."""
    verify_password(password, _dummy())
