"""The sharing assessment (共享考核) per department: datasets registered, freshness met,
quality score, access requests answered and how fast. A hand-made lake (empty meta
tables, nothing synced) for the counting, the demo home for the command and chart."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb

from catalog.assessment import assess
from catalog.registry import load_catalog
from lakehouse import meta
from policies.access_requests import AccessRequest, Transition

CONFIG = Path(__file__).resolve().parents[2] / "config"


def _request(number: int, product: str, asked: str, answered: str | None) -> AccessRequest:
    history = (
        [Transition(state="approved", by="steward_district", at=answered, reason="同意")]
        if answered
        else []
    )
    return AccessRequest(
        id=f"req-{number:04d}",
        principal="street_donghu",
        product=product,
        purpose="走访",
        until=dt.date(2027, 6, 1),
        state="approved" if answered else "requested",
        requested_at=asked,
        history=history,
    )


def test_counts_per_department() -> None:
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS lake")
    con.execute("CREATE SCHEMA lake.meta")
    catalog = load_catalog(CONFIG)
    requests = [
        _request(1, "street_case_stats", "2026-12-01T08:00:00+00:00", "2026-12-01T14:00:00+00:00"),
        _request(2, "street_hot_topics", "2026-12-01T08:00:00+00:00", "2026-12-02T10:00:00+00:00"),
        _request(3, "street_case_channels", "2026-12-03T08:00:00+00:00", None),
        _request(4, "proactive_elderly_alone", "2026-12-03T08:00:00+00:00", None),
    ]
    rows = {r.department: r for r in assess(con, catalog, requests, meta.utcnow())}
    assert set(rows) == set(catalog.departments)
    assert sum(r.datasets for r in rows.values()) == len(catalog.datasets)
    hotline = rows["hotline_12345"]
    assert hotline.datasets == sum(
        1 for c in catalog.datasets.values() if c.owner == "hotline_12345"
    )
    assert (hotline.requests, hotline.answered) == (3, 2)
    assert hotline.median_hours_to_answer == 16.0  # 6 h and 26 h
    assert hotline.fresh == 0  # nothing synced: never fresh
    owner = catalog.products["proactive_elderly_alone"].owner
    assert (rows[owner].requests, rows[owner].answered) == (1, 0)
    assert rows[owner].median_hours_to_answer is None


def test_assessment_command_on_the_demo(demo: Any, tmp_path: Path) -> None:
    chart = tmp_path / "assessment.png"
    done = demo.shuzhi("catalog", "assessment", "--json", "--chart", str(chart))
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert {r["department"] for r in rows} >= {"civil_affairs", "hotline_12345"}
    assert all(r["quality_score"] is not None for r in rows if r["datasets"])
    assert all(0 <= r["fresh"] <= r["datasets"] for r in rows)
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = demo.shuzhi("catalog", "assessment")
    assert table.returncode == 0 and "示范区民政局" in table.stdout
