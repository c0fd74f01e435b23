"""End to end on the demo district: a reviewer searches the log and writes the review."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow


def _search(demo: Any, *filters: str) -> list[dict[str, Any]]:
    found = demo.shuzhi(
        "audit", "search", "--kind", "query", "--principal", "street_donghu", "--json", *filters
    )
    assert found.returncode == 0, found.stderr
    events: list[dict[str, Any]] = json.loads(found.stdout)["events"]
    assert events, filters
    return events


def test_a_reviewer_finds_a_query_and_writes_the_review(demo: Any, tmp_path: Path) -> None:
    asked = demo.shuzhi(
        "query", "--as", "street_donghu", "--purpose", "street_governance", "--json",
        "select count(*) as n from street_enterprise_roster",
    )  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    refused = demo.shuzhi(
        "query", "--as", "street_donghu", "--purpose", "随便看看",
        "select count(*) as n from street_enterprise_roster",
    )  # fmt: skip
    assert refused.returncode == 2 and "accepts street_governance" in refused.stderr

    answered = _search(demo, "--product", "street_enterprise_roster", "--outcome", "answered")
    assert answered[-1]["details"]["purpose"] == "street_governance"
    # A refused read names the product it was refused (found by product, like the answered).
    refusals = _search(
        demo,
        "--product",
        "street_enterprise_roster",
        "--outcome",
        "refused",
        "--purpose",
        "随便看看",
    )
    assert "accepts street_governance" in refusals[-1]["details"]["reason"]

    out = tmp_path / "review"
    done = demo.shuzhi("audit", "report", "--since", "2000-01-01", "--out", str(out))
    assert done.returncode == 0, done.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["events"] > 0 and report["charts"]["accesses_per_principal"]["street_donghu"] >= 1
    assert any(
        a["principal"] == "street_donghu" and "street_enterprise_roster" in a["what"]
        for a in report["personal_data_access"]
    )
    assert (out / "report.html").exists() and (out / "events_per_day.png").exists()
