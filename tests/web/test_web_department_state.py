"""A source's state on the department pages, from the hub's status and a running sync."""

from __future__ import annotations

import dataclasses

import pytest

from pipelines.source_status import SourceStatus
from web.department.source_state import STATES, state_of

SYNCED = SourceStatus(
    source="hl_cases", department="hotline_12345", dataset="cases", kind="file_drop",
    schedule="manual", last_sync="2026-12-07 03:50:13", last_batch="hl_cases-1",
    watermark=None, rows_read=10, rows_loaded=9, rows_quarantined=1, status="ok", error=None,
    freshness="fresh", freshness_label="及时 (0 h ≤ 2 h)", stale=False,
)  # fmt: skip


@pytest.mark.parametrize(
    ("status", "running", "state"),
    [
        (SYNCED, False, "ok"),
        (SYNCED, True, "running"),  # a running sync shows first, whatever the last one did
        (dataclasses.replace(SYNCED, status="failed", error="boom"), False, "failed"),
        (dataclasses.replace(SYNCED, status="failed", error="boom"), True, "running"),
        (dataclasses.replace(SYNCED, stale=True, freshness="stale"), False, "stale"),
        (dataclasses.replace(SYNCED, last_batch=None, status="never synced"), False, "never"),
        (None, False, "unknown"),  # a sync holds the lakehouse: no status to read
        (None, True, "running"),
    ],
)
def test_the_state_of_a_source(status: SourceStatus | None, running: bool, state: str) -> None:
    assert state_of(status, running) == state
    assert state in STATES
