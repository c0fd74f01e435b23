"""Searching the audit log: each filter finds its events and only them; JSON and table."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from crafted_log import OTHER_TOKEN, SAMPLE, TOKEN, write_log

from audit.log import AuditLog
from audit.search import AuditQuery, SearchError, parse_time, search

SHUZHI = Path(sys.executable).with_name("shuzhi")


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AuditLog:
    return write_log(tmp_path / "audit" / "audit.log", SAMPLE, monkeypatch)


def _seqs(log: AuditLog, **filters: object) -> list[int]:
    return [event.seq for event in search(log.events(), AuditQuery(**filters)).events]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, [1, 2, 3, 4, 5]),
        ({"persons": ("u-0001",)}, [1]),
        ({"persons": ("person u-0002",)}, [5]),
        ({"persons": ("root",)}, [3]),  # an operator is a person too
        ({"persons": ("c-0007",)}, []),  # a client is not
        ({"clients": ("c-0007",)}, [2]),
        ({"principals": ("street_donghu",)}, [1, 4, 5]),
        ({"principals": ("dept_civil_affairs",)}, [3]),  # the actor when no principal field
        ({"datasets": ("assistance",)}, [3]),
        ({"products": ("street_case_stats",)}, [1]),
        ({"products": ("street_enterprise_roster",)}, [4]),  # a single product field
        ({"tokens": (TOKEN,)}, [3]),
        ({"tokens": (OTHER_TOKEN,)}, []),
        ({"purposes": ("street_governance",)}, [1, 5]),
        ({"purposes": ("核实",)}, [4]),  # contained text
        ({"grants": ("g-street-returned-products",)}, [1]),
        ({"grants": ("r-civil",)}, [3]),
        ({"outcomes": ("refused", "stopped")}, [2, 5]),
        ({"kinds": ("reveal", "grant")}, [3, 4]),
        ({"kinds": ("query",), "principals": ("street_donghu",)}, [1, 5]),  # AND
        ({"seqs": (2, 4)}, [2, 4]),  # a finding's events
        ({"seqs": (2, 4), "kinds": ("grant",)}, [4]),
    ],
)
def test_each_filter_finds_its_events_only(
    log: AuditLog, filters: dict[str, object], expected: list[int]
) -> None:
    assert _seqs(log, **filters) == expected


def test_times_are_read_in_the_district_zone_unless_given(log: AuditLog) -> None:
    # 2026-12-05T16:30Z is 2026-12-06 00:30 in Shanghai.
    assert _seqs(log, since=parse_time("2026-12-06")) == [5]
    assert _seqs(log, until=parse_time("2026-12-05", end=True)) == [1, 2, 3, 4]
    assert _seqs(
        log,
        since=parse_time("2026-12-02T10:00:00+08:00"),
        until=parse_time("2026-12-03T11:00:00Z"),
    ) == [2, 3]
    assert parse_time("2026-12-02T10:00") == dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)


def test_a_malformed_time_is_refused_with_an_example() -> None:
    with pytest.raises(SearchError, match="2026-12-06T09:30:00"):
        parse_time("last tuesday")


def test_a_limit_keeps_the_last_matches_and_counts_them_all(log: AuditLog) -> None:
    result = search(log.events(), AuditQuery(), limit=2)
    assert [e.seq for e in result.events] == [4, 5] and result.matched == 5


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHUZHI_HOME": str(home), "COLUMNS": "250"}
    return subprocess.run(
        [str(SHUZHI), "audit", "search", *args], env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


def test_the_cli_prints_json_and_a_table(log: AuditLog, tmp_path: Path) -> None:
    found = _cli(tmp_path, "--kind", "query", "--outcome", "answered,stopped", "--json")
    assert found.returncode == 0, found.stderr
    body = json.loads(found.stdout)
    assert body["matched"] == 2 and [e["seq"] for e in body["events"]] == [1, 5]
    table = _cli(tmp_path, "--person", "u-0001")
    assert table.returncode == 0, table.stderr
    assert "street_case_stats" in table.stdout and "1 matching events" in table.stdout
    assert "street_xiling" not in table.stdout
    bad = _cli(tmp_path, "--since", "yesterday")
    assert bad.returncode != 0 and "ISO date" in bad.stderr
