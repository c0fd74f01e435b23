"""Prove that an audit log is whole: every line intact, in order, nothing removed.

What the chain alone cannot show is a removal of the newest entries, or a log
whose hashes were all recomputed after an edit. ``anchors`` closes both: the
(seq, hash) pairs of signed checkpoints (``audit.checkpoints``), which the
chain must pass through; ``audit.sealed_verify`` checks the signatures and
passes them in.

Fast by design (a million lines in seconds): one ``json.loads``, one
``json.dumps`` and one sha256 per line, nothing else per line.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.events import ENTRY_FIELDS, GENESIS_HASH, canonical_json
from audit.log import read_lines
from home.private_files import private_file_exists

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class VerifyResult:
    """`events` counts the entries that checked out before the first problem;
    `head_hash` is the hash of the last of them (None when there is none)."""

    ok: bool
    events: int
    problem: str | None
    line: int | None
    head_hash: str | None


@dataclass(frozen=True)
class Anchor:
    """A signed (seq, hash) the chain must pass through; ``label`` names the checkpoint."""

    seq: int
    hash: str
    label: str


class _Broken(Exception):
    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def verify(path: Path, anchors: Mapping[int, Anchor] | None = None) -> VerifyResult:
    """Check every line of the log; stop at the first problem and name its line."""
    anchors = anchors or {}
    count = 0
    prev_hash = GENESIS_HASH
    head: str | None = None
    passed: Anchor | None = None  # the last anchor the chain went through
    line_number = 0
    for line_number, raw in read_lines(Path(path)):
        try:
            entry, text = _parse(raw)
            _check_link(entry, text, expected_seq=count + 1, prev_hash=prev_hash)
            anchor = anchors.get(entry["seq"])
            if anchor is not None:
                _check_anchor(entry, anchor, passed)
                passed = anchor
        except _Broken as broken:
            return VerifyResult(
                ok=False,
                events=count,
                problem=f"line {line_number}: {broken.problem}",
                line=line_number,
                head_hash=head,
            )
        count += 1
        prev_hash = head = entry["hash"]
    beyond = [a for a in anchors.values() if a.seq > count]
    if beyond:
        last = max(beyond, key=lambda a: a.seq)
        return VerifyResult(
            ok=False,
            events=count,
            problem=(
                f"the log ends at seq {count} (line {line_number}) but {last.label} signed "
                f"seq {last.seq}: the last {last.seq - count} event(s), seq {count + 1}"
                f"..{last.seq}, were removed (the tail was cut off)"
            ),
            line=line_number + 1,
            head_hash=head,
        )
    return VerifyResult(ok=True, events=count, problem=None, line=None, head_hash=head)


def signs_of_history(root: Path) -> list[str]:
    """What in a hub's home shows it has done audited work (a key store, a lakehouse,
    data rooms, access requests). With any of these, an empty or missing log is a log
    that was removed, not one that never began."""
    found = []
    for what, pattern in (
        ("key store", "keys/keystore.json"),
        ("lakehouse", "lakehouse/catalog.ducklake"),
        ("lakehouse", "lakehouse/catalog.sqlite"),  # made by an older version
        ("data rooms", "rooms/*.duckdb"),
        ("access requests", "state/access_requests.json"),
    ):
        if what in found:
            continue
        # A shared key store or request file is in the home database, not the folder.
        here = Path(root) / pattern
        if any(Path(root).glob(pattern)) if "*" in pattern else private_file_exists(here):
            found.append(what)
    return found


def _parse(raw: bytes) -> tuple[dict[str, Any], str]:
    if not raw.endswith(b"\n"):
        raise _Broken("the line is truncated (it has no line end)")
    body = raw[:-1]
    if not body.strip():
        raise _Broken("the line is empty")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _Broken("the line is not valid UTF-8") from None
    try:
        entry = json.loads(text)
    except ValueError:
        raise _Broken("the line is not valid JSON") from None
    if not isinstance(entry, dict) or set(entry) != set(ENTRY_FIELDS):
        raise _Broken("the line is not an audit event (wrong fields)")
    if not (
        type(entry["seq"]) is int
        and isinstance(entry["at"], str)
        and isinstance(entry["kind"], str)
        and isinstance(entry["actor"], str)
        and isinstance(entry["details"], dict)
        and isinstance(entry["prev_hash"], str)
        and isinstance(entry["hash"], str)
        and _HEX64.match(entry["hash"])
    ):
        raise _Broken("the line is not an audit event (wrong field types)")
    # The writer only ever writes the canonical spelling.
    if canonical_json(entry) != text:
        raise _Broken("the line was rewritten (it is not in canonical form)")
    return entry, text


def _check_link(entry: dict[str, Any], text: str, *, expected_seq: int, prev_hash: str) -> None:
    seq = entry["seq"]
    if seq > expected_seq:
        raise _Broken(
            f"seq is {seq} where {expected_seq} was expected: "
            "an entry was removed or entries were reordered"
        )
    if seq < expected_seq:
        raise _Broken(
            f"seq is {seq} where {expected_seq} was expected: "
            "entries were reordered or an entry was duplicated"
        )
    if entry["prev_hash"] != prev_hash:
        raise _Broken("prev_hash does not match the previous entry: the chain is broken")
    # The canonical line less its "hash" member is the canonical entry without it
    # (audit.events.entry_hash), so the hash needs no second json.dumps. Keys are sorted:
    # "hash" follows "details" and no later value can hold this marker.
    marker = ',"hash":"' + entry["hash"] + '"'
    cut = text.rfind(marker)
    body = text[:cut] + text[cut + len(marker) :]
    if hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest() != entry["hash"]:
        raise _Broken("hash does not match the entry's content: the entry was altered")


def _check_anchor(entry: dict[str, Any], anchor: Anchor, passed: Anchor | None) -> None:
    if entry["hash"] == anchor.hash:
        return
    since = f"after seq {passed.seq} ({passed.label})" if passed else "from seq 1"
    raise _Broken(
        f"seq {entry['seq']} has hash {entry['hash'][:12]}… but {anchor.label} signed "
        f"{anchor.hash[:12]}…: the log was changed after it was signed, somewhere {since} "
        f"up to seq {anchor.seq} (an entry altered, removed, inserted or reordered, "
        "and the chain recomputed)"
    )
