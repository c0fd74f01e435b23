"""Audit logs written through AuditLog with the times a test chooses (a plain module)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from audit.log import AuditLog

Event = tuple[str, str, str, dict[str, Any]]  # (at UTC "…Z", kind, actor, details)


def write_log(path: Path, events: Sequence[Event], monkeypatch: pytest.MonkeyPatch) -> AuditLog:
    """Append ``events`` in order, each stamped with its own time."""
    log = AuditLog(path)
    for at, kind, actor, details in events:
        monkeypatch.setattr("audit.log._utc_now", lambda at=at: at)
        log.append(kind, actor, details)
    monkeypatch.undo()
    return log


TOKEN = "t1_" + "A" * 26
OTHER_TOKEN = "t1_" + "B" * 26

# One event of each shape the hub writes, with the fields the search reads.
SAMPLE: list[Event] = [
    ("2026-12-01T01:00:00.000Z", "query", "street_donghu", {
        "principal": "street_donghu", "purpose": "street_governance", "statement": "SELECT 1",
        "by": "person u-0001", "endpoint": "POST /api/v1/query", "outcome": "answered",
        "products": ["street_case_stats"], "grants": ["g-street-returned-products"], "rows": 3}),
    ("2026-12-02T02:00:00.000Z", "query", "street_xiling", {
        "principal": "street_xiling", "purpose": "", "statement": "SELECT 1",
        "by": "client c-0007", "outcome": "refused", "reason": "no purpose"}),
    ("2026-12-03T03:00:00.000Z", "reveal", "dept_civil_affairs", {
        "dataset": "assistance", "token": TOKEN, "purpose": "assistance_check",
        "outcome": "revealed", "allowed": True, "reasons": [], "grant": "r-civil",
        "rows_of": "district", "columns": ["name"], "rows": 1, "by": "operator root"}),
    ("2026-12-04T04:00:00.000Z", "grant", "street_donghu", {
        "principal": "street_donghu", "product": "street_enterprise_roster",
        "purpose": "企业核实", "outcome": "requested", "action": "request"}),
    ("2026-12-05T16:30:00.000Z", "query", "street_donghu", {
        "principal": "street_donghu", "purpose": "street_governance", "statement": "SELECT 1",
        "by": "person u-0002", "outcome": "stopped", "limit": "rows"}),
]  # fmt: skip
