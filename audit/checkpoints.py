"""Signed checkpoints of the audit log: "up to seq S the chain's head was H", signed.

The hash chain shows a changed line, but not a log whose tail was cut off or
whose every hash was recomputed after an edit. A checkpoint closes both: it
names the last seq and hash at a moment, with the time and the key id, under
an Ed25519 signature by a key that is not kept beside the log
(``audit.signing_key``). The appender writes one, under the log's own flock so
the chain never forks, when ``every`` events have passed since the last one or
``minutes`` have (the first append after a quiet spell), and the very first
time the log has events.

Checkpoints live in ``<log stem>.checkpoints`` beside the log: they belong to
that log, travel with it in a backup, and are appended under the same lock. Their
trust does not come from where they lie but from the signature, and from the copy
``shuzhi audit checkpoint export`` writes for keeping elsewhere. Each checkpoint
also names the hash of the one before it, so one removed from the middle shows.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature

from audit.events import GENESIS_HASH, canonical_json
from audit.signing_key import SigningKey, SigningKeyError, load_signing_key, public_key_from_b64
from home.private_files import fsync_directory
from home.shared_home import home_database, shared_name

DEFAULT_EVERY = 1000
DEFAULT_MINUTES = 10.0
CHECKPOINT_FIELDS = ("n", "seq", "hash", "at", "key_id", "every", "minutes", "prev", "signature")
EXPORT_FORMAT = "shuzhi-audit-checkpoints/1"
# Signed bytes start with this, so a signature over anything else never passes as one.
_DOMAIN = b"shuzhi audit checkpoint v1\n"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Checkpointing:
    """When the appender signs a checkpoint, and where its key comes from (frozen: hashable)."""

    keys_dir: Path
    every: int = DEFAULT_EVERY
    minutes: float = DEFAULT_MINUTES

    def __post_init__(self) -> None:
        if self.every < 1 or self.minutes <= 0:
            raise ValueError("checkpoints need every >= 1 and minutes > 0")


EVERY_ENV = "SHUZHI_AUDIT_CHECKPOINT_EVERY"
MINUTES_ENV = "SHUZHI_AUDIT_CHECKPOINT_MINUTES"


def checkpointing_from_env(keys_dir: Path) -> Checkpointing:
    """The hub's policy: defaults, or the two variables when set (read when called)."""
    try:
        every = int(os.environ.get(EVERY_ENV) or DEFAULT_EVERY)
        minutes = float(os.environ.get(MINUTES_ENV) or DEFAULT_MINUTES)
        return Checkpointing(Path(keys_dir), every, minutes)
    except ValueError:
        raise ValueError(
            f"{EVERY_ENV} must be a whole number >= 1 and {MINUTES_ENV} a number > 0"
        ) from None


def checkpoints_path(log_path: Path) -> Path:
    """``audit.log`` → ``audit.checkpoints`` in the same folder."""
    return Path(log_path).with_name(Path(log_path).stem + ".checkpoints")


def signed_bytes(checkpoint: dict[str, Any]) -> bytes:
    """What the signature covers: every field but the signature, canonically."""
    body = {key: value for key, value in checkpoint.items() if key != "signature"}
    return _DOMAIN + canonical_json(body).encode("utf-8")


def line_hash(line: str) -> str:
    """The hash the next checkpoint names as ``prev`` (of the line without its newline)."""
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class _Last:
    n: int
    seq: int
    at: dt.datetime | None
    hash_of_line: str


_NONE = _Last(0, 0, None, GENESIS_HASH)


class CheckpointWriter:
    """Used by the appender while it holds the log's flock."""

    def __init__(self, log_path: Path, policy: Checkpointing) -> None:
        self.path = checkpoints_path(log_path)
        self.policy = policy

    def key_if_due(self, last_seq: int, now: dt.datetime) -> tuple[_Last, SigningKey] | None:
        """The last checkpoint and the key to sign with, when one is due after ``last_seq``.

        Called before the batch is written, so a missing or broken key refuses the append
        instead of leaving it unsigned.
        """
        last = read_last_checkpoint(self.path)
        gap = last_seq - last.seq
        if gap <= 0:
            return None
        quiet = last.at is None or now - last.at >= dt.timedelta(minutes=self.policy.minutes)
        if gap < self.policy.every and not quiet:
            return None
        return last, load_signing_key(self.policy.keys_dir)

    def write(self, last: _Last, key: SigningKey, seq: int, head: str, now: dt.datetime) -> None:
        checkpoint: dict[str, Any] = {
            "n": last.n + 1,
            "seq": seq,
            "hash": head,
            "at": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
            "key_id": key.key_id,
            "every": self.policy.every,
            "minutes": self.policy.minutes,
            "prev": last.hash_of_line,
        }
        checkpoint["signature"] = key.sign(signed_bytes(checkpoint))
        shared = shared_name(self.path)
        if shared is not None:  # under the log's lock in the shared home database
            home_database().append(shared, [(canonical_json(checkpoint) + "\n").encode("utf-8")])
            return
        created = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (canonical_json(checkpoint) + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            fsync_directory(self.path.parent)


def read_last_checkpoint(path: Path) -> _Last:
    shared = shared_name(path)
    if shared is not None:
        tail = home_database().last_line(shared)
        return _NONE if tail is None else _last_of(tail)
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            if size == 0:
                return _NONE
            handle.seek(max(0, size - 4096))
            tail = handle.read()
    except FileNotFoundError:
        return _NONE
    return _last_of(tail)


def _last_of(tail: bytes) -> _Last:
    """The last checkpoint, from the end of the file."""
    lines = tail.rstrip(b"\n").split(b"\n")
    text = lines[-1].decode("utf-8", "replace")
    try:
        entry = json.loads(text)
        at = dt.datetime.strptime(entry["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
        return _Last(int(entry["n"]), int(entry["seq"]), at, line_hash(text))
    except (ValueError, KeyError, TypeError):
        # A damaged checkpoint file must not stop the log: the next checkpoint still
        # signs the head, and verify names the damaged line.
        return _Last(0, 0, None, GENESIS_HASH)


# --- reading and checking (verify) ---------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    n: int
    seq: int
    hash: str
    at: str
    key_id: str
    line: int  # line in the file it was read from
    fields: dict[str, Any]

    @property
    def text(self) -> str:
        return canonical_json(self.fields)


class CheckpointProblem(Exception):
    """A checkpoint that cannot be trusted; the message names the file, line and number."""


def read_checkpoints(
    lines: list[str], keys: dict[str, str], *, where: str
) -> tuple[list[Checkpoint], str | None]:
    """Parse and check every checkpoint: form, signature by a trusted key, numbering, links.

    Returns the checkpoints that checked out before the first problem, and that problem.
    """
    found: list[Checkpoint] = []
    try:
        _read_into(found, lines, keys, where)
    except CheckpointProblem as problem:
        return found, str(problem)
    return found, None


def _read_into(found: list[Checkpoint], lines: list[str], keys: dict[str, str], where: str) -> None:
    prev = GENESIS_HASH
    verifiers: dict[str, Callable[[bytes, bytes], None]] = {}
    for number, text in enumerate(lines, start=1):
        place = f"{where} line {number}"
        entry = _parse_checkpoint(text, place)
        n = entry["n"]
        expected = len(found) + 1
        if n != expected:
            what = "removed" if n > expected else "duplicated or reordered"
            raise CheckpointProblem(
                f"{place}: checkpoint #{n} where #{expected} was expected (a checkpoint was {what})"
            )
        key_id = entry["key_id"]
        if key_id not in keys:
            raise CheckpointProblem(
                f"{place}: checkpoint #{n} is signed by key {key_id}, which is not a trusted "
                "audit signing key (forged, or signed by a key this hub never used)"
            )
        if key_id not in verifiers:
            verifiers[key_id] = public_key_from_b64(keys[key_id]).verify
        try:
            verifiers[key_id](
                base64.b64decode(entry["signature"], validate=True), signed_bytes(entry)
            )
        except (InvalidSignature, binascii.Error, ValueError):
            raise CheckpointProblem(
                f"{place}: checkpoint #{n} has a signature that does not verify with key "
                f"{key_id} (the checkpoint was altered or forged)"
            ) from None
        if entry["prev"] != prev:
            raise CheckpointProblem(
                f"{place}: checkpoint #{n} does not follow checkpoint #{n - 1} "
                "(its 'prev' names another checkpoint)"
            )
        if found and entry["seq"] <= found[-1].seq:
            raise CheckpointProblem(
                f"{place}: checkpoint #{n} names seq {entry['seq']}, "
                f"not after checkpoint #{n - 1}'s seq {found[-1].seq}"
            )
        found.append(Checkpoint(n, entry["seq"], entry["hash"], entry["at"], key_id, number, entry))
        prev = line_hash(text)


def _parse_checkpoint(text: str, place: str) -> dict[str, Any]:
    try:
        entry = json.loads(text)
    except ValueError:
        raise CheckpointProblem(f"{place}: not valid JSON") from None
    if not isinstance(entry, dict) or set(entry) != set(CHECKPOINT_FIELDS):
        raise CheckpointProblem(f"{place}: not a checkpoint (wrong fields)")
    if not (
        type(entry["n"]) is int
        and type(entry["seq"]) is int
        and isinstance(entry["hash"], str)
        and _HEX64.match(entry["hash"])
        and isinstance(entry["prev"], str)
        and isinstance(entry["key_id"], str)
        and isinstance(entry["signature"], str)
        and isinstance(entry["at"], str)
    ):
        raise CheckpointProblem(f"{place}: not a checkpoint (wrong field types)")
    if canonical_json(entry) != text:
        raise CheckpointProblem(f"{place}: the checkpoint was rewritten (not in canonical form)")
    return entry


def checkpoint_lines(path: Path) -> list[str]:
    shared = shared_name(path)
    if shared is not None:
        return [line.decode("utf-8").rstrip("\n") for _, line in home_database().lines(shared)]
    try:
        raw = Path(path).read_text("utf-8")
    except FileNotFoundError:
        return []
    return raw.splitlines()


# --- export ----------------------------------------------------------------------------


def export_document(lines: list[str], keys: dict[str, str]) -> dict[str, Any]:
    """The checkpoints and the public keys that signed them, for keeping elsewhere."""
    checkpoints = [json.loads(line) for line in lines]
    used = {c["key_id"] for c in checkpoints}
    return {
        "format": EXPORT_FORMAT,
        "exported_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "public_keys": {key_id: keys[key_id] for key_id in sorted(used) if key_id in keys},
        "checkpoints": checkpoints,
    }


def read_export(path: Path) -> tuple[list[str], dict[str, str]]:
    """(checkpoint lines, public keys) of an exported copy."""
    try:
        document = json.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        raise CheckpointProblem(f"exported checkpoints {path} do not exist") from None
    except ValueError:
        raise CheckpointProblem(f"exported checkpoints {path} are not valid JSON") from None
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise CheckpointProblem(f"{path} is not an export of audit checkpoints")
    checkpoints = document.get("checkpoints")
    keys = document.get("public_keys")
    if not isinstance(checkpoints, list) or not isinstance(keys, dict):
        raise CheckpointProblem(f"{path} lacks 'checkpoints' or 'public_keys'")
    try:
        return [canonical_json(c) for c in checkpoints], {str(k): str(v) for k, v in keys.items()}
    except (TypeError, ValueError):
        raise CheckpointProblem(f"{path} holds a checkpoint that is not JSON") from None


__all__ = [
    "Checkpoint",
    "CheckpointProblem",
    "CheckpointWriter",
    "Checkpointing",
    "SigningKeyError",
    "checkpoint_lines",
    "checkpoints_path",
    "export_document",
    "read_checkpoints",
    "read_export",
]
