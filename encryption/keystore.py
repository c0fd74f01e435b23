"""Wrapped data keys and token keys, kept in a JSON file outside the lakehouse.

The file holds only keys wrapped (AES-GCM) by the master key, each bound to its
identity (kind, dataset and column or domain, version) as associated data, so a
wrapped key moved to another slot no longer opens. A key-check value lets a
wrong master key be detected when the store is opened, before data is touched.

Layout (format 1)::

    {"format": 1, "check": "<b64>", "created": "...",
     "data_keys":  {dataset: {column: {"current": 1, "versions": {"1": {...}}}}},
     "token_keys": {domain: {"current": 1, "versions": {"1": {...}}}},
     "lake_keys":  {"catalogue": {"current": 1, "versions": {"1": {...}}}},
     "hub_keys":   {"identity": {"current": 1, "versions": {"1": {...}}}}}

Data keys are per (dataset, column, version). Token keys are per identifier
domain, not per dataset, so one person gets one token in every department's
data. The lakehouse catalogue key opens the encrypted DuckDB catalogue; it has
one version for the catalogue's life and a slot of its own, out of reach of
every data and token key operation (rotating it would mean re-encrypting the
catalogue); a master key rotation re-wraps it like every other key. The identity
key (``hub_keys``/``identity``) is kept the same way: API keys are stored as HMACs
under it and people's display names sealed with it, so rotating or retiring it
would lock out every client; it too is out of reach of data and token operations.

Key life cycle (each change under the file lock, written atomically):

- ``begin_rotation``: a new data key version becomes current; the slot records
  ``rotating_to`` until every value is re-encrypted, so a rerun of a killed
  rotation resumes with the same version instead of starting another.
- ``retire``: an old version no value uses any more is deleted.
- ``shred``: every version of a dataset's keys is deleted (crypto-shredding);
  a tombstone keeps when and why, and version numbers are never reused, so a
  later key can never be mistaken for a destroyed one.
- token keys: ``stage_token_key`` adds a pending version that tokens are
  recomputed with, ``promote_token_key`` makes it current once every token
  column has moved (see ``protection.token_rotation``).
- ``rewrap``: every key wrapped again under a new master key.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from encryption.master_key import MasterKeyError, MasterKeyProvider, resolve_master_key
from home.private_files import (
    exclusive_lock,
    private_file_exists,
    read_private_bytes,
    write_private_json,
)

KEYSTORE_FILE = "keystore.json"
FORMAT = 1
KEY_BYTES = 32
_NONCE_BYTES = 12
_SCOPE = "shuzhi-keystore-v1"
_CHECK_AAD = json.dumps([_SCOPE, "key-check"]).encode("utf-8")

log = logging.getLogger(__name__)

# A slot is where one family of key versions lives: ("data_keys", dataset, column),
# ("token_keys", domain) or the lakehouse catalogue's.
Slot = tuple[str, ...]
_CATALOGUE_SLOT: Slot = ("lake_keys", "catalogue")
_IDENTITY_SLOT: Slot = ("hub_keys", "identity")
# The key of the delivery register's marks and fingerprints when the home is shared
# (home.shared_home); a home kept in files has it in keys/delivery_trace.key.
_DELIVERY_SLOT: Slot = ("hub_keys", "delivery_trace")
T = TypeVar("T")


class KeyStoreError(Exception):
    """The key store file is unreadable, altered, or lacks a requested key version."""


class UnknownKeyVersionError(KeyStoreError):
    """The store holds no such key version (never made, or later shredded)."""


class DestroyedKeyError(UnknownKeyVersionError):
    """The key version was deliberately destroyed (retired or crypto-shredded)."""


class KeyStore:
    """Data keys per (dataset, column, version) and token keys per domain, wrapped by a master key.

    Opening loads the master key and verifies it against the store's key-check
    value (``MasterKeyError`` when missing or wrong). Keys are created on first
    use under an exclusive file lock, so concurrent processes agree on one key.
    """

    def __init__(self, path: Path, master: MasterKeyProvider) -> None:
        self.path = Path(path)
        self.master = master
        self.master_name = master.name
        self._lock_path = self.path.with_name(self.path.name + ".lock")
        self._wrapper = AESGCM(master.load())
        self._thread_lock = threading.Lock()
        self._unwrapped: dict[tuple[Slot, int], bytes] = {}
        self._current: dict[Slot, int] = {}
        self._document = self._open()

    def __repr__(self) -> str:
        return f"KeyStore({str(self.path)!r}, master from {self.master_name})"

    def __reduce__(self) -> tuple[type[KeyStore], tuple[Path, MasterKeyProvider]]:
        # A worker process reopens the store from its file and master key provider:
        # pickling it carries where the keys are, never a key.
        return KeyStore, (self.path, self.master)

    # -- public API -----------------------------------------------------------

    def data_key(self, dataset: str, column: str) -> tuple[int, bytes]:
        """The current (version, key) for a dataset column; created on first use."""
        return self._current_key(_data_slot(dataset, column))

    def data_key_at(self, dataset: str, column: str, version: int) -> bytes:
        """The data key of one version, to open values sealed under it."""
        return self._key_at(_data_slot(dataset, column), version)

    def token_key(self, domain: str) -> bytes:
        """The current token key of an identifier domain; created on first use."""
        return self.current_token_key(domain)[1]

    def current_token_key(self, domain: str) -> tuple[int, bytes]:
        """The current (version, key) of an identifier domain; created on first use."""
        return self._current_key(_token_slot(domain))

    def token_key_at(self, domain: str, version: int) -> bytes:
        """The token key of one version of a domain."""
        return self._key_at(_token_slot(domain), version)

    def catalogue_key(self, *, create: bool) -> bytes | None:
        """The lakehouse catalogue's key; made when ``create``, else None if the store has none
        (a catalogue that exists must never get a new key: it would not open with it)."""
        if not create:
            entry = _find(self._read(), _CATALOGUE_SLOT)
            if entry is None or entry.get("current") is None:
                return None
        return self._current_key(_CATALOGUE_SLOT)[1]

    def identity_key(self) -> bytes:
        """The front door's key (API-key HMACs, sealed display names); made on first use."""
        return self._current_key(_IDENTITY_SLOT)[1]

    def delivery_trace_key(self) -> bytes:
        """The delivery register's key for marks and fingerprints; made on first use."""
        return self._current_key(_DELIVERY_SLOT)[1]

    # -- life cycle -----------------------------------------------------------

    def slots(self) -> list[SlotInfo]:
        """Every key slot with its versions, for status reports."""
        self._document = self._read()
        found: list[SlotInfo] = []
        for dataset, columns in sorted(self._document.get("data_keys", {}).items()):
            for column, entry in sorted(columns.items()):
                found.append(_slot_info(_data_slot(dataset, column), entry))
        for domain, entry in sorted(self._document.get("token_keys", {}).items()):
            found.append(_slot_info(_token_slot(domain), entry))
        return found

    def data_columns(self, dataset: str) -> list[str]:
        """The columns of a dataset that have a current data key (shredded ones have none)."""
        self._document = self._read()
        columns = self._document.get("data_keys", {}).get(dataset, {})
        return sorted(c for c, entry in columns.items() if entry.get("current") is not None)

    def begin_rotation(self, dataset: str, column: str) -> int:
        """Make a new data key version current and return it; resumes an unfinished rotation."""
        slot = _data_slot(dataset, column)

        def change(document: dict[str, Any]) -> int:
            entry = _find(document, slot) or _place(document, slot, _empty_entry())
            pending = entry.get("rotating_to")
            if isinstance(pending, int) and str(pending) in entry["versions"]:
                return pending
            version = _next_version(entry)
            entry["versions"][str(version)] = self._wrap(slot, version, _new_key())
            entry["current"] = version
            entry["rotating_to"] = version
            log.info("rotating %s to version %d", _describe(slot), version)
            return version

        return self._mutate(change)

    def rotation_target(self, dataset: str, column: str) -> int | None:
        """The version an unfinished rotation of this slot moves values to, if any."""
        entry = _find(self._read(), _data_slot(dataset, column))
        pending = entry.get("rotating_to") if entry else None
        return pending if isinstance(pending, int) else None

    def finish_rotation(self, dataset: str, column: str) -> None:
        """Record that no value is left to re-encrypt for this slot."""
        slot = _data_slot(dataset, column)

        def change(document: dict[str, Any]) -> None:
            entry = _find(document, slot)
            if entry is not None:
                entry.pop("rotating_to", None)

        self._mutate(change)

    def retire(self, dataset: str, column: str, version: int) -> None:
        """Delete one old data key version; refused for the current or a rotating version."""
        self._retire(_data_slot(dataset, column), version)

    def _retire(self, slot: Slot, version: int) -> None:
        """Delete one version of a slot unless it is current, rotated to, or pending."""

        def change(document: dict[str, Any]) -> None:
            entry = _find(document, slot)
            if entry is None or str(version) not in entry.get("versions", {}):
                raise UnknownKeyVersionError(f"{_describe(slot)} has no version {version}")
            in_use = (entry.get("current"), entry.get("rotating_to"), entry.get("pending"))
            if version in in_use:
                raise KeyStoreError(
                    f"{_describe(slot)} version {version} is in use and cannot be retired"
                )
            del entry["versions"][str(version)]
            entry.setdefault("destroyed", {})[str(version)] = {"at": _now(), "why": "retired"}

        self._mutate(change)

    def shred(self, dataset: str, reason: str) -> dict[str, list[int]]:
        """Destroy every data key version of a dataset (crypto-shredding) → column: versions."""
        if not reason.strip():
            raise ValueError("crypto-shredding needs a reason (it is kept with the tombstone)")

        def change(document: dict[str, Any]) -> dict[str, list[int]]:
            columns = document.get("data_keys", {}).get(dataset)
            if not columns:
                raise UnknownKeyVersionError(f"dataset {dataset!r} has no data keys to shred")
            destroyed: dict[str, list[int]] = {}
            for column, entry in columns.items():
                versions = sorted(int(v) for v in entry.get("versions", {}))
                tombstone = {"at": _now(), "why": f"shredded: {reason.strip()}"}
                for version in versions:
                    entry.setdefault("destroyed", {})[str(version)] = tombstone
                entry["versions"] = {}
                entry["current"] = None
                entry.pop("rotating_to", None)
                destroyed[column] = versions
            log.info("crypto-shredded every data key of dataset %r", dataset)
            return destroyed

        return self._mutate(change)

    def stage_token_key(self, domain: str) -> int:
        """Add a pending token key version (not yet current); returns it, or the one pending."""
        slot = _token_slot(domain)
        self.current_token_key(domain)  # a domain rotates from an existing key

        def change(document: dict[str, Any]) -> int:
            entry = _find(document, slot)
            assert entry is not None
            pending = entry.get("pending")
            if isinstance(pending, int) and str(pending) in entry["versions"]:
                return pending
            version = _next_version(entry)
            entry["versions"][str(version)] = self._wrap(slot, version, _new_key())
            entry["pending"] = version
            return version

        return self._mutate(change)

    def pending_token_version(self, domain: str) -> int | None:
        entry = _find(self._read(), _token_slot(domain))
        pending = entry.get("pending") if entry else None
        return pending if isinstance(pending, int) else None

    def promote_token_key(self, domain: str) -> int:
        """Make the pending token key current; returns the version now current."""
        slot = _token_slot(domain)

        def change(document: dict[str, Any]) -> int:
            entry = _find(document, slot)
            pending = entry.get("pending") if entry else None
            if entry is None or not isinstance(pending, int):
                raise KeyStoreError(f"{_describe(slot)} has no pending version to promote")
            entry["current"] = pending
            del entry["pending"]
            return pending

        return self._mutate(change)

    def retire_token_key(self, domain: str, version: int) -> None:
        """Delete an old token key version (its tokens can no longer be recomputed)."""
        self._retire(_token_slot(domain), version)

    def rewrap(self, new_master: bytes) -> int:
        """Wrap every key again under ``new_master`` (one atomic write); returns keys rewrapped.

        After this only the new master key opens the store.
        """
        new_wrapper = AESGCM(new_master)
        count = 0

        def change(document: dict[str, Any]) -> None:
            nonlocal count
            for slot, entry in _entries(document):
                for number, wrapped in entry.get("versions", {}).items():
                    key = self._unwrap(slot, int(number), entry)
                    nonce = os.urandom(_NONCE_BYTES)
                    sealed = new_wrapper.encrypt(nonce, key, _identity(slot, int(number)))
                    wrapped["wrapped"] = base64.b64encode(nonce + sealed).decode("ascii")
                    count += 1
            nonce = os.urandom(_NONCE_BYTES)
            check = nonce + new_wrapper.encrypt(nonce, b"", _CHECK_AAD)
            document["check"] = base64.b64encode(check).decode("ascii")
            document["rewrapped"] = _now()

        self._mutate(change)
        self._wrapper = new_wrapper
        return count

    def _mutate(self, change: Callable[[dict[str, Any]], T]) -> T:
        """Apply ``change`` to a fresh read of the file under the lock, then write it if it
        changed anything (resuming a rotation or re-staging a token key changes nothing, and
        the file's stamp is what data rooms watch for key changes)."""
        with self._thread_lock, self._file_lock():
            document = self._read()
            before = json.dumps(document, sort_keys=True)
            result = change(document)
            if json.dumps(document, sort_keys=True) != before:
                self._write(document)
            self._document = document
            # Versions may have moved or been destroyed: nothing cached outlives a change.
            self._current.clear()
            self._unwrapped.clear()
            return result

    # -- keys -----------------------------------------------------------------

    def _current_key(self, slot: Slot) -> tuple[int, bytes]:
        version = self._current.get(slot)
        if version is not None:
            return version, self._unwrapped[(slot, version)]
        with self._thread_lock:
            entry = _find(self._document, slot)
            if entry is None or entry.get("current") is None:
                self._document = self._read()  # another process may have made it since
                entry = _find(self._document, slot)
            if entry is None or entry.get("current") is None:
                entry = self._create(slot)
            version = _current_version(entry, slot)
            key = self._unwrap(slot, version, entry)
            self._current[slot] = version
            return version, key

    def _key_at(self, slot: Slot, version: int) -> bytes:
        cached = self._unwrapped.get((slot, version))
        if cached is not None:
            return cached
        with self._thread_lock:
            entry = _find(self._document, slot)
            if entry is None or str(version) not in entry.get("versions", {}):
                self._document = self._read()
                entry = _find(self._document, slot)
            if entry is None or str(version) not in entry.get("versions", {}):
                gone = (entry or {}).get("destroyed", {}).get(str(version))
                if isinstance(gone, dict):
                    raise DestroyedKeyError(
                        f"{_describe(slot)} version {version} was destroyed on "
                        f"{gone.get('at')} ({gone.get('why')}); its values are unrecoverable"
                    )
                raise UnknownKeyVersionError(
                    f"{_describe(slot)} has no version {version} in {self.path}"
                )
            return self._unwrap(slot, version, entry)

    def _create(self, slot: Slot) -> dict[str, Any]:
        """Add a first (or, after shredding, a fresh) version of a slot, re-reading under the
        file lock so only one process does."""
        with self._file_lock():
            document = self._read()
            entry = _find(document, slot)
            if entry is None or entry.get("current") is None:
                entry = entry or _place(document, slot, _empty_entry())
                version = _next_version(entry)
                entry["versions"][str(version)] = self._wrap(slot, version, _new_key())
                entry["current"] = version
                self._write(document)
                log.info("created %s version %d in %s", _describe(slot), version, self.path)
            self._document = document
            return entry

    def _wrap(self, slot: Slot, version: int, key: bytes) -> dict[str, str]:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._wrapper.encrypt(nonce, key, _identity(slot, version))
        return {
            "wrapped": base64.b64encode(nonce + sealed).decode("ascii"),
            "created": _now(),
        }

    def _unwrap(self, slot: Slot, version: int, entry: dict[str, Any]) -> bytes:
        cached = self._unwrapped.get((slot, version))
        if cached is not None:
            return cached
        try:
            blob = base64.b64decode(entry["versions"][str(version)]["wrapped"], validate=True)
        except (KeyError, TypeError, binascii.Error, ValueError):
            raise KeyStoreError(
                f"{_describe(slot)} version {version} in {self.path} is malformed"
            ) from None
        try:
            key = self._wrapper.decrypt(
                blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], _identity(slot, version)
            )
        except (InvalidTag, ValueError):
            raise KeyStoreError(
                f"{_describe(slot)} version {version} in {self.path} failed authentication "
                "(altered, or moved from another slot)"
            ) from None
        self._unwrapped[(slot, version)] = key
        return key

    # -- the file -------------------------------------------------------------

    def _open(self) -> dict[str, Any]:
        if private_file_exists(self.path):
            return self._read()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._file_lock():
            if private_file_exists(self.path):  # created by another process while we waited
                return self._read()
            nonce = os.urandom(_NONCE_BYTES)
            check = nonce + self._wrapper.encrypt(nonce, b"", _CHECK_AAD)
            document: dict[str, Any] = {
                "format": FORMAT,
                "check": base64.b64encode(check).decode("ascii"),
                "created": _now(),
                "data_keys": {},
                "token_keys": {},
            }
            self._write(document)
            log.info("created key store %s", self.path)
            return document

    def _read(self) -> dict[str, Any]:
        """Load the file and verify the master key against its key-check value."""
        try:
            text = read_private_bytes(self.path).decode("utf-8")
        except FileNotFoundError:
            raise KeyStoreError(f"key store {self.path} does not exist") from None
        try:
            document = json.loads(text)
        except json.JSONDecodeError:
            raise KeyStoreError(f"key store {self.path} is not valid JSON") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise KeyStoreError(f"key store {self.path} has an unknown format")
        try:
            check = base64.b64decode(document["check"], validate=True)
            self._wrapper.decrypt(check[:_NONCE_BYTES], check[_NONCE_BYTES:], _CHECK_AAD)
        except (KeyError, TypeError, binascii.Error):
            raise KeyStoreError(f"key store {self.path} has no valid key-check value") from None
        except (InvalidTag, ValueError):
            raise MasterKeyError(
                f"master key from {self.master_name} does not open key store {self.path} "
                "(wrong master key)"
            ) from None
        return document

    def _write(self, document: dict[str, Any]) -> None:
        """Atomic replace: readers see the old file or the new one, never half of one."""
        write_private_json(self.path, document)

    def _file_lock(self) -> contextlib.AbstractContextManager[None]:
        return exclusive_lock(self._lock_path)


def open_keystore(keys_dir: Path) -> KeyStore:
    """The key store of a Home's keys folder, with the master key from its provider.

    A master key rotation stopped after re-wrapping is completed first.
    """
    from encryption.master_rotation import finish_interrupted_rotation

    keys_dir = Path(keys_dir)
    provider = resolve_master_key(keys_dir)
    finish_interrupted_rotation(keys_dir, provider)
    return KeyStore(keys_dir / KEYSTORE_FILE, provider)


def _data_slot(dataset: str, column: str) -> Slot:
    return ("data_keys", _name(dataset, "dataset"), _name(column, "column"))


def _token_slot(domain: str) -> Slot:
    return ("token_keys", _name(domain, "domain"))


def _name(value: str, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty string")
    return value


def _describe(slot: Slot) -> str:
    if slot == _CATALOGUE_SLOT:
        return "lakehouse catalogue key"
    if slot == _IDENTITY_SLOT:
        return "front-door identity key"
    if slot == _DELIVERY_SLOT:
        return "delivery trace key"
    if slot[0] == "data_keys":
        return f"data key for dataset {slot[1]!r} column {slot[2]!r}"
    return f"token key for domain {slot[1]!r}"


def _identity(slot: Slot, version: int) -> bytes:
    """Associated data for a wrapped key: JSON keeps the parts unambiguous."""
    return json.dumps([_SCOPE, *slot, version], ensure_ascii=False).encode("utf-8")


def _find(document: dict[str, Any], slot: Slot) -> dict[str, Any] | None:
    node: Any = document
    for part in slot:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, dict) else None


def _place(document: dict[str, Any], slot: Slot, entry: dict[str, Any]) -> dict[str, Any]:
    node = document
    for part in slot[:-1]:
        node = node.setdefault(part, {})
    node[slot[-1]] = entry
    return entry


def _entries(document: dict[str, Any]) -> Iterator[tuple[Slot, dict[str, Any]]]:
    for dataset, columns in document.get("data_keys", {}).items():
        for column, entry in columns.items():
            yield _data_slot(dataset, column), entry
    for domain, entry in document.get("token_keys", {}).items():
        yield _token_slot(domain), entry
    catalogue = _find(document, _CATALOGUE_SLOT)
    if catalogue is not None:
        yield _CATALOGUE_SLOT, catalogue
    for slot in (_IDENTITY_SLOT, _DELIVERY_SLOT):
        entry = _find(document, slot)
        if entry is not None:
            yield slot, entry


def _empty_entry() -> dict[str, Any]:
    return {"current": None, "versions": {}}


def _next_version(entry: dict[str, Any]) -> int:
    """One above every version ever made, destroyed ones included: numbers are never reused."""
    used = [int(v) for v in entry.get("versions", {})] + [
        int(v) for v in entry.get("destroyed", {})
    ]
    return max(used, default=0) + 1


@dataclass(frozen=True)
class SlotInfo:
    """One key slot as a status report shows it (no key material)."""

    kind: str  # "data" or "token"
    dataset: str | None
    column: str | None
    domain: str | None
    current: int | None
    versions: tuple[int, ...]  # held
    destroyed: dict[int, str]  # version → when and why
    rotating_to: int | None
    pending: int | None

    @property
    def name(self) -> str:
        return f"{self.dataset}.{self.column}" if self.kind == "data" else f"{self.domain}"


def _slot_info(slot: Slot, entry: dict[str, Any]) -> SlotInfo:
    destroyed = {
        int(v): f"{info.get('why')} {info.get('at')}"
        for v, info in entry.get("destroyed", {}).items()
    }
    is_data = slot[0] == "data_keys"
    return SlotInfo(
        kind="data" if is_data else "token",
        dataset=slot[1] if is_data else None,
        column=slot[2] if is_data else None,
        domain=None if is_data else slot[1],
        current=entry.get("current"),
        versions=tuple(sorted(int(v) for v in entry.get("versions", {}))),
        destroyed=destroyed,
        rotating_to=entry.get("rotating_to"),
        pending=entry.get("pending"),
    )


def _current_version(entry: dict[str, Any], slot: Slot) -> int:
    version = entry.get("current")
    if not isinstance(version, int) or str(version) not in entry.get("versions", {}):
        raise KeyStoreError(f"{_describe(slot)} has no usable current version")
    return version


def _new_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
