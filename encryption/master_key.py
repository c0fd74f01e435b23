"""The master key: 32 random bytes that wrap every data and token key.

The master key never enters the lakehouse. It comes from a provider: a key
file readable by its owner only, or an environment variable. A KMS or Vault
provider can replace both by implementing :class:`MasterKeyProvider` and being
named in ``SHUZHI_MASTER_KEY_PROVIDER=package.module:factory``.
"""

from __future__ import annotations

import base64
import binascii
import importlib
import os
import stat
from pathlib import Path
from typing import Protocol, runtime_checkable

MASTER_KEY_BYTES = 32
MASTER_KEY_ENV = "SHUZHI_MASTER_KEY"
MASTER_KEY_FILE = "master.key"


class MasterKeyError(Exception):
    """The master key is missing, malformed, exposed or wrong (one-line message, no key bytes)."""


@runtime_checkable
class MasterKeyProvider(Protocol):
    """Where the master key comes from; ``load`` is called when the key is needed."""

    @property
    def name(self) -> str:
        """Where the key comes from (a path or variable name, never the key)."""
        ...

    def load(self) -> bytes: ...


def decode_master_key(text: str, *, source: str) -> bytes:
    """Base64 text → 32 key bytes; ``source`` names where the text came from."""
    stripped = text.strip()
    if "\n" in stripped:
        raise MasterKeyError(f"master key from {source} is malformed: expected a single line")
    try:
        key = base64.b64decode(stripped, validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyError(f"master key from {source} is malformed: not base64") from None
    if len(key) != MASTER_KEY_BYTES:
        raise MasterKeyError(
            f"master key from {source} is malformed: "
            f"expected {MASTER_KEY_BYTES} bytes, got {len(key)}"
        )
    return key


def encode_master_key(key: bytes) -> str:
    """32 key bytes → the one-line base64 text a key file or variable holds."""
    if len(key) != MASTER_KEY_BYTES:
        raise MasterKeyError(f"a master key has {MASTER_KEY_BYTES} bytes, got {len(key)}")
    return base64.b64encode(key).decode("ascii")


class FileMasterKey:
    """A key file holding one line of base64; refused unless its mode is 0600 or stricter."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @property
    def name(self) -> str:
        return f"file {self.path}"

    def load(self) -> bytes:
        try:
            info = self.path.stat()
        except FileNotFoundError:
            raise MasterKeyError(
                f"master key file {self.path} does not exist (create it, or set {MASTER_KEY_ENV})"
            ) from None
        if not stat.S_ISREG(info.st_mode):
            raise MasterKeyError(f"master key file {self.path} is not a regular file")
        mode = stat.S_IMODE(info.st_mode)
        # Any permission for group or others exposes the key that unlocks all data.
        if mode & 0o077:
            raise MasterKeyError(
                f"master key file {self.path} has mode {mode:04o}; "
                f"it must be 0600 or stricter (chmod 600 {self.path})"
            )
        try:
            text = self.path.read_text(encoding="ascii")
        except UnicodeDecodeError:
            raise MasterKeyError(
                f"master key from {self.name} is malformed: not base64 text"
            ) from None
        except OSError as error:
            raise MasterKeyError(
                f"master key file {self.path} cannot be read: {error.strerror}"
            ) from None
        return decode_master_key(text, source=self.name)

    def __repr__(self) -> str:
        return f"FileMasterKey({str(self.path)!r})"


class EnvMasterKey:
    """Base64 master key in an environment variable, read when ``load`` is called."""

    def __init__(self, variable: str = MASTER_KEY_ENV) -> None:
        self.variable = variable

    @property
    def name(self) -> str:
        return f"environment variable {self.variable}"

    def load(self) -> bytes:
        text = os.environ.get(self.variable, "")
        if not text.strip():
            raise MasterKeyError(f"environment variable {self.variable} is not set")
        return decode_master_key(text, source=self.name)

    def __repr__(self) -> str:
        return f"EnvMasterKey({self.variable!r})"


def create_key_file(path: Path) -> None:
    """Write a new random master key to ``path`` with mode 0600; never overwrites."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        # O_EXCL: two callers racing cannot both believe they made the key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise MasterKeyError(
            f"master key file {path} already exists; refusing to overwrite it"
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            os.fchmod(handle.fileno(), 0o600)  # exactly 0600, whatever the umask
            handle.write(encode_master_key(os.urandom(MASTER_KEY_BYTES)) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        path.unlink(missing_ok=True)  # a half-written key file would be refused later anyway
        raise


def resolve_master_key(keys_dir: Path) -> MasterKeyProvider:
    """The provider named in ``SHUZHI_MASTER_KEY_PROVIDER`` if set, else the environment
    variable when set, else the key file ``keys_dir/master.key``."""
    spec = os.environ.get(PROVIDER_ENV, "").strip()
    if spec:
        return provider_from_spec(spec)
    if os.environ.get(MASTER_KEY_ENV, "").strip():
        return EnvMasterKey(MASTER_KEY_ENV)
    return FileMasterKey(Path(keys_dir) / MASTER_KEY_FILE)


PROVIDER_ENV = "SHUZHI_MASTER_KEY_PROVIDER"


def provider_from_spec(spec: str) -> MasterKeyProvider:
    """A provider named as ``package.module:factory`` (a KMS or Vault client, say).

    The factory is called with no arguments and must return an object with
    ``name`` and ``load()``; it reads its own settings (endpoint, key id) from
    its environment. Errors name the spec, never a key.
    """
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise MasterKeyError(f"{PROVIDER_ENV}={spec!r}: expected 'package.module:factory'")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise MasterKeyError(f"{PROVIDER_ENV}={spec!r} cannot be loaded: {error}") from None
    provider = factory()
    if not isinstance(provider, MasterKeyProvider):
        raise MasterKeyError(f"{PROVIDER_ENV}={spec!r} did not return a master key provider")
    return provider
