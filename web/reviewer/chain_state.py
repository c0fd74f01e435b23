"""The audit chain's verification, run on request and kept until the next request.

Verifying reads and hashes every line of the log, which takes a while on a big
log; and every page view appends an event, so a cache keyed by the log's size
would be stale on the next view anyway. So the dashboard verifies when the
reviewer asks (and once, the first time it is opened on a small log), and then
shows that result with when it was made and how many events were written since.
The last signed checkpoint is read on every view: it is one short file, and its
signatures are checked as verify checks them.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path

from audit.checkpoints import Checkpoint, checkpoint_lines, checkpoints_path, read_checkpoints
from audit.log import log_bytes
from audit.sealed_verify import SealedResult, verify_sealed
from audit.signing_key import SigningKeyError, trusted_public_keys

# A log up to this size is verified when the dashboard is first opened; above it,
# only when the reviewer asks (about 3 MB is ten thousand events).
VERIFY_ON_OPEN_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Verified:
    result: SealedResult
    at: dt.datetime  # when this verification ran (UTC)
    log_bytes: int  # the log's size it covered


@dataclass(frozen=True)
class LastCheckpoint:
    checkpoint: Checkpoint | None
    problem: str | None  # a checkpoint that did not check out


_lock = threading.Lock()
_verified: dict[Path, Verified] = {}


def verify_now(log_path: Path, keys_dir: Path) -> Verified:
    """Verify the chain and its signed checkpoints now, and keep the result."""
    size = _size(log_path)
    try:
        result = verify_sealed(log_path, trusted_public_keys(keys_dir))
    except SigningKeyError as problem:
        result = SealedResult(0, None, 0, 0, [str(problem)])
    verified = Verified(result, dt.datetime.now(dt.UTC), size)
    with _lock:
        _verified[log_path] = verified
    return verified


def last_verified(log_path: Path, keys_dir: Path) -> Verified | None:
    """The last verification kept; on a small log never verified yet, one made now."""
    with _lock:
        known = _verified.get(log_path)
    if known is None and _size(log_path) <= VERIFY_ON_OPEN_BYTES:
        return verify_now(log_path, keys_dir)
    return known


def last_checkpoint(log_path: Path, keys_dir: Path) -> LastCheckpoint:
    """The last signed checkpoint that checks out, and the first problem after it."""
    path = checkpoints_path(log_path)
    try:
        keys = trusted_public_keys(keys_dir)
    except SigningKeyError as unreadable:
        return LastCheckpoint(None, str(unreadable))
    found, problem = read_checkpoints(checkpoint_lines(path), keys, where=path.name)
    return LastCheckpoint(found[-1] if found else None, problem)


def _size(path: Path) -> int:
    return log_bytes(path)
