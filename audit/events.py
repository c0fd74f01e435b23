"""One entry of the audit log and its canonical, hashable form."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64

# The kinds the hub writes today; the log accepts others so that a new
# component can audit itself without a change here.
KNOWN_KINDS = frozenset({"sync", "query", "decision", "grant", "reveal", "room_build", "demo"})

ENTRY_FIELDS = ("seq", "at", "kind", "actor", "details", "prev_hash", "hash")


@dataclass(frozen=True)
class AuditEvent:
    """One line of the log. `at` is UTC ISO-8601 with milliseconds."""

    seq: int
    at: str
    kind: str
    actor: str
    details: dict[str, Any]
    prev_hash: str
    hash: str

    def to_line(self) -> str:
        """The event as one canonical JSON line, newline included."""
        # The fields as they are (asdict would deep-copy the details first).
        return canonical_json({name: getattr(self, name) for name in ENTRY_FIELDS}) + "\n"


# allow_nan=False: NaN and Infinity are not JSON and would not verify elsewhere.
# One encoder, made once: json.dumps would build it again on every call (verify calls
# this a million times).
_CANONICAL = json.JSONEncoder(
    sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
)


def canonical_json(value: Any) -> str:
    """The single spelling used on disk and under the hash."""
    return _CANONICAL.encode(value)


def entry_hash(entry_without_hash: dict[str, Any]) -> str:
    """sha256(prev_hash + canonical JSON of the entry without its 'hash')."""
    body = canonical_json(entry_without_hash)
    return hashlib.sha256((entry_without_hash["prev_hash"] + body).encode("utf-8")).hexdigest()


def seal(
    *, seq: int, at: str, kind: str, actor: str, details: dict[str, Any], prev_hash: str
) -> AuditEvent:
    """Build an event whose hash covers every other field."""
    entry: dict[str, Any] = {
        "seq": seq,
        "at": at,
        "kind": kind,
        "actor": actor,
        "details": details,
        "prev_hash": prev_hash,
    }
    return AuditEvent(**entry, hash=entry_hash(entry))
