"""The delivery register: every person-level delivery, who received it and how to trace it.

A delivery is a query result, a download, a proactive-service list or a
reveal that holds person-level data (a column at L3/L4 or person tokens). For
each one the register keeps one JSON line: delivery id, time, the person
behind it (``by``), principal, grants, products, the statement's shape and
purpose as the audit log has them, the person tokens it held, the mark id
its text cells carry (audit.watermark) and a keyed fingerprint of every
delivered cell per row (audit.fingerprints). Tokens and hashes only: the
plaintext guard checks every line before it is written.

The register lives beside the audit log (``$SHUZHI_HOME/audit/deliveries.jsonl``,
mode 0600; appended under an flock, as the log is, because the CLI, the
service and Dagster deliver from several processes); the key for marks and
fingerprints lives apart from it, in the key folder (``keys/delivery_trace.key``),
so the register alone lets nobody test a guessed name against a fingerprint.
The audit event of the access names the delivery id in its ``delivery`` field.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from audit.fingerprints import as_letters, row_fingerprints
from audit.plaintext_guard import assert_no_plaintext_identifiers
from audit.watermark import encode_mark, mark_text
from encryption.tokens import TOKEN_PATTERN
from home.shared_home import home_database, shared_name

REGISTER_NAME = "deliveries.jsonl"
KEY_NAME = "delivery_trace.key"
PERSON_LEVELS = frozenset({"L3", "L4"})


@dataclass
class Delivery:
    """One line of the register."""

    id: str
    at: str
    kind: str  # query, list, download or reveal
    principal: str
    by: str | None
    grants: list[str]
    products: list[str]
    statement: str
    purpose: str
    mark: int | None  # the mark id its text cells carry; None when none could be marked
    format: str | None = None
    columns: list[str] = field(default_factory=list)
    marked_columns: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Everything but the per-row fingerprints."""
        data = asdict(self)
        data.pop("rows")
        data["row_count"] = len(self.rows)
        return data


@dataclass(frozen=True)
class Register:
    """The register file and the key its marks and fingerprints are made with."""

    path: Path
    key_path: Path

    def key(self) -> bytes:
        if shared_name(self.path) is not None:
            # Every server marks with one key: kept wrapped in the shared key store.
            from encryption.keystore import open_keystore

            return open_keystore(self.key_path.parent).delivery_trace_key()
        return _load_or_create_key(self.key_path)

    def append(self, delivery: Delivery) -> None:
        record = asdict(delivery)
        # Tokens and hashes only; the guard reads every field a person could fill in.
        assert_no_plaintext_identifiers({k: v for k, v in record.items() if k != "rows"})
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        shared = shared_name(self.path)
        if shared is not None:
            database = home_database()
            with database.lock(shared):
                database.append(shared, [line.encode("utf-8")])
            return
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def deliveries(self) -> Iterator[Delivery]:
        shared = shared_name(self.path)
        if shared is not None:
            for _, raw in home_database().lines(shared):
                yield Delivery(**json.loads(raw))
            return
        try:
            handle = open(self.path, encoding="utf-8")  # noqa: SIM115 - closed in finally
        except FileNotFoundError:
            return
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
            lines = handle.readlines()
        finally:
            handle.close()
        for line in lines:
            if line.endswith("\n") and line.strip():
                yield Delivery(**json.loads(line))

    def of_token(self, token: str) -> list[Delivery]:
        return [d for d in self.deliveries() if token in d.tokens]

    def new_mark(self) -> int:
        taken = {d.mark for d in self.deliveries()}
        while True:
            mark = secrets.randbits(32)
            if mark not in taken:
                return mark


def register_beside(audit_log: Path) -> Register:
    """The register of the hub whose audit log is ``audit_log``.

    In a home (``<home>/audit/audit.log``) it is ``audit/deliveries.jsonl`` with its key in
    ``keys/``; beside a log kept elsewhere (tests) it is ``<log stem>.deliveries.jsonl``.
    """
    folder = audit_log.parent
    if folder.name == "audit" and audit_log.name == "audit.log":
        return Register(folder / REGISTER_NAME, folder.parent / "keys" / KEY_NAME)
    stem = audit_log.stem
    return Register(folder / f"{stem}.{REGISTER_NAME}", folder / f"{stem}.{KEY_NAME}")


def _load_or_create_key(path: Path) -> bytes:
    """32 random bytes made on first use (0600), the same ever after."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()  # another process made it first
    try:
        os.write(fd, secrets.token_bytes(32))
        os.fsync(fd)
    finally:
        os.close(fd)
    return path.read_bytes()


def is_token(value: Any) -> bool:
    return isinstance(value, str) and TOKEN_PATTERN.match(value) is not None


@dataclass
class Marked:
    """Rows as delivered (marked) and the register line that describes them."""

    rows: list[dict[str, Any]]
    delivery: Delivery


def mark_and_record(
    register: Register,
    rows: Sequence[dict[str, Any]],
    *,
    person_columns: Sequence[str],
    kind: str,
    principal: str,
    by: str | None,
    grants: Sequence[str],
    products: Sequence[str],
    statement: str,
    purpose: str,
    format: str | None = None,
    tokens: Sequence[str] = (),
) -> Marked:
    """Mark the text cells of ``person_columns`` with a new delivery's mark and register it.

    Token cells are never marked (a token must still join and reveal); tokens found in
    any column are recorded. Fingerprints are of the values as granted, before marking.
    """
    key = register.key()
    mark_id = register.new_mark()
    mark = encode_mark(mark_id, key)
    columns = list(rows[0]) if rows else []
    found_tokens: dict[str, None] = dict.fromkeys(tokens)
    carriers = [
        c
        for c in columns
        if c in person_columns and any(isinstance(r[c], str) and not is_token(r[c]) for r in rows)
    ]
    marked_rows = []
    fingerprints = []
    for row in rows:
        fingerprints.append(row_fingerprints(list(row.values()), key))
        for value in row.values():
            if is_token(value):
                found_tokens[value] = None
        marked_rows.append(
            {
                c: mark_text(v, mark) if c in carriers and isinstance(v, str) and v else v
                for c, v in row.items()
            }
        )
    delivery = Delivery(
        id="dlv-" + as_letters(secrets.token_hex(8)),  # letters: never a number
        at=_utc_now(),
        kind=kind,
        principal=principal,
        by=by,
        grants=list(grants),
        products=list(products),
        statement=statement,
        purpose=purpose,
        mark=mark_id if carriers else None,
        format=format,
        columns=columns,
        marked_columns=carriers,
        tokens=list(found_tokens),
        rows=fingerprints,
    )
    register.append(delivery)
    return Marked(marked_rows if carriers else [dict(r) for r in rows], delivery)


def _utc_now() -> str:
    now = dt.datetime.now(dt.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
