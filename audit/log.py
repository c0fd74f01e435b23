"""The append-only, hash-chained audit log: one canonical JSON object per line.

Several processes (Dagster workers, the gateway, the CLI, the HTTP service)
append to the same file. A write takes an exclusive flock, reads the hash of
the last line under that lock, writes its lines with one write() and fsyncs
before letting go, so the chain never forks. Within one process, appends that
arrive together share that write and its fsync (audit.group_commit); each
returns only once its own line is on disk.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.checkpoints import Checkpointing, CheckpointWriter
from audit.event_schemas import check_details
from audit.events import GENESIS_HASH, AuditEvent, canonical_json, seal
from audit.group_commit import GroupCommit
from audit.operator import operator_by
from audit.operator import set_operator as set_operator  # still importable from here
from audit.plaintext_guard import assert_no_plaintext_identifiers
from home.private_files import fsync_directory
from home.shared_home import home_database, shared_name

FILE_MODE = 0o600

_TAIL_CHUNK = 64 * 1024


@dataclass(frozen=True)
class _Entry:
    """An event checked and ready to be sealed into the chain."""

    kind: str
    actor: str
    details: dict[str, Any]


class AuditLogDamaged(RuntimeError):
    """The last line cannot be extended; run verify() to see what is wrong."""


class AuditLog:
    """Append events to, and read them back from, one JSON Lines file."""

    def __init__(self, path: Path, checkpoints: Checkpointing | None = None) -> None:
        """``checkpoints``: sign a checkpoint now and then (the hub always does;
        a log without them proves less, see ``audit.checkpoints``)."""
        self.path = Path(path)
        self.checkpoints = checkpoints

    def append(self, kind: str, actor: str, details: dict[str, Any]) -> AuditEvent:
        """Write one event at the end of the chain and return it."""
        if not kind or not isinstance(kind, str):
            raise ValueError("kind must be a non-empty string")
        if not actor or not isinstance(actor, str):
            raise ValueError("actor must be a non-empty string")
        if not isinstance(details, dict):
            raise ValueError("details must be a dict")
        operator = operator_by()
        if operator is not None and "by" not in details:
            details = {**details, "by": operator}
        # The actor can be what a user typed after --as.
        assert_no_plaintext_identifiers(actor, where="actor")
        assert_no_plaintext_identifiers(details)
        # Round-trip so the event we return equals what a reader will parse
        # (tuples become lists, keys become strings); refuses non-JSON values.
        try:
            details = json.loads(canonical_json(details))
        except (TypeError, ValueError) as error:
            raise ValueError(f"details are not JSON-serialisable: {error}") from None
        check_details(kind, details)  # refuses an unknown kind or a malformed event

        return _committer(self.path, self.checkpoints).commit(_Entry(kind, actor, details))

    def events(self, kind: str | None = None) -> Iterator[AuditEvent]:
        """Events in log order, optionally only one kind. Does not verify the chain."""
        for line_number, line in read_lines(self.path):
            try:
                entry = json.loads(line)
                event = AuditEvent(**entry)
            except (ValueError, TypeError):
                raise AuditLogDamaged(f"line {line_number} is not an audit event") from None
            if kind is None or event.kind == kind:
                yield event


def _write_batch(
    path: Path, entries: Sequence[_Entry], checkpoints: Checkpointing | None
) -> list[AuditEvent]:
    """Seal ``entries`` onto the end of the chain with one write and one fsync, then
    sign a checkpoint when one is due, still under the same lock."""
    shared = shared_name(path)
    if shared is not None:
        return _write_batch_shared(path, shared, entries, checkpoints)
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        seq, last_hash = _read_tail(fd)
        writer = CheckpointWriter(path, checkpoints) if checkpoints else None
        now = dt.datetime.now(dt.UTC)
        # Before writing: a missing signing key refuses the batch rather than leave it unsigned.
        due = writer.key_if_due(seq + len(entries), now) if writer else None
        events = _sealed(entries, seq, last_hash)
        _write_all(fd, "".join(event.to_line() for event in events).encode("utf-8"))
        os.fsync(fd)
        if writer and due:
            writer.write(*due, seq=events[-1].seq, head=events[-1].hash, now=now)
    finally:
        os.close(fd)  # closing releases the flock
    if created:
        fsync_directory(path.parent)
    return events


def _write_batch_shared(
    path: Path, name: str, entries: Sequence[_Entry], checkpoints: Checkpointing | None
) -> list[AuditEvent]:
    """The same, on the log kept in the shared home database: its lock is held across
    servers, so the chain has one order whichever server appends."""
    database = home_database()
    with database.lock(name):
        last_line = database.last_line(name)
        seq, last_hash = (0, GENESIS_HASH) if last_line is None else _parse_tail(last_line)
        writer = CheckpointWriter(path, checkpoints) if checkpoints else None
        now = dt.datetime.now(dt.UTC)
        due = writer.key_if_due(seq + len(entries), now) if writer else None
        events = _sealed(entries, seq, last_hash)
        database.append(name, [event.to_line().encode("utf-8") for event in events], after=seq)
        if writer and due:
            writer.write(*due, seq=events[-1].seq, head=events[-1].hash, now=now)
    return events


def _sealed(entries: Sequence[_Entry], seq: int, last_hash: str) -> list[AuditEvent]:
    """The entries sealed into the chain after event ``seq`` whose hash is ``last_hash``."""
    events = []
    for entry in entries:
        seq += 1
        event = seal(
            seq=seq,
            at=_utc_now(),
            kind=entry.kind,
            actor=entry.actor,
            details=entry.details,
            prev_hash=last_hash,
        )
        last_hash = event.hash
        events.append(event)
    return events


# One committer per log file and process: every AuditLog on that file shares it. A
# forked child gets its own (its parent's threads and their lock did not come along).
_committers: dict[tuple[int, str, Checkpointing | None], GroupCommit[_Entry, AuditEvent]] = {}
_committers_lock = threading.Lock()


def _committer(path: Path, checkpoints: Checkpointing | None) -> GroupCommit[_Entry, AuditEvent]:
    key = (os.getpid(), os.path.abspath(path), checkpoints)
    with _committers_lock:
        found = _committers.get(key)
        if found is None:
            target = Path(key[1])
            found = _committers[key] = GroupCommit(
                lambda batch: _write_batch(target, batch, checkpoints)
            )
        return found


def read_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, raw line with its newline) up to the size seen under a shared lock.

    The log is append-only, so everything before that size is stable even
    while other processes keep appending; a line being written is not seen.
    """
    shared = shared_name(path)
    if shared is not None:
        yield from home_database().lines(shared)
        return
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed in finally; yields lazily
    except FileNotFoundError:
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
        size = os.fstat(handle.fileno()).st_size
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        remaining = size
        line_number = 0
        while remaining > 0:
            line = handle.readline(remaining)
            if not line:
                break
            remaining -= len(line)
            line_number += 1
            yield line_number, line
    finally:
        handle.close()


def log_bytes(path: Path) -> int:
    """The log's size in bytes (0 when there is none yet)."""
    shared = shared_name(path)
    if shared is not None:
        return home_database().size(shared)
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _read_tail(fd: int) -> tuple[int, str]:
    """(seq, hash) of the last line, or (0, genesis) for an empty file."""
    size = os.fstat(fd).st_size
    if size == 0:
        return 0, GENESIS_HASH
    if os.pread(fd, 1, size - 1) != b"\n":
        raise AuditLogDamaged("the last line of the audit log is truncated")
    # Walk back from just before the final newline to the newline before it.
    position = size - 1
    last_line = b""
    while position > 0:
        step = min(_TAIL_CHUNK, position)
        position -= step
        last_line = os.pread(fd, step, position) + last_line
        cut = last_line.rfind(b"\n")
        if cut >= 0:
            last_line = last_line[cut + 1 :]
            break
    return _parse_tail(last_line)


def _parse_tail(last_line: bytes) -> tuple[int, str]:
    """(seq, hash) of the log's last line."""
    try:
        entry = json.loads(last_line)
        seq, last_hash = entry["seq"], entry["hash"]
    except (ValueError, KeyError, TypeError):
        raise AuditLogDamaged("the last line of the audit log is not an audit event") from None
    if not isinstance(seq, int) or not isinstance(last_hash, str) or len(last_hash) != 64:
        raise AuditLogDamaged("the last line of the audit log is not an audit event")
    return seq, last_hash


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _utc_now() -> str:
    now = dt.datetime.now(dt.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
