"""The lifecycle's audit events fit their schemas (a misfit is refused at write time,
which would stop the retention job after it had deleted)."""

from __future__ import annotations

import datetime as dt

import pytest

from audit.event_schemas import AuditEventInvalid, check_details
from lakehouse.retention import DatasetRetention
from pipelines.lifecycle_steps import Rebuilt, RetentionRun, retention_details


def _run() -> RetentionRun:
    visits = DatasetRetention(
        "visits", 1095, dt.date(2026, 8, 12), "visited_on", {"staged": 3, "raw": 3}
    )
    return RetentionRun(dt.date(2029, 8, 12), False, [visits], Rebuilt(products=["p"], rooms=3))


def test_a_retention_run_is_a_valid_retention_event() -> None:
    details = retention_details(_run())
    check_details("retention", details)
    assert details["rooms_rebuilt"] == 3 and details["rows"] == 6


def test_a_retention_event_with_a_mistyped_count_is_refused() -> None:
    details = {**retention_details(_run()), "rooms_rebuilt": ["street_donghu"]}
    with pytest.raises(AuditEventInvalid, match="rooms_rebuilt"):
        check_details("retention", details)
