"""A registry that goes down after a good night: the cases that arrive since still reach
the products and rooms, built on the last good registry.

The good night is the session's demo district (tests/conftest.py), on a copy: this test
takes its registry away and drops new cases into it."""

from __future__ import annotations

import csv
import os
import time
from pathlib import Path
from typing import Any

import pytest

from demo.department_apis import serve_department_apis
from home.layout import Home
from pipelines.hub import Hub


@pytest.fixture
def hub(demo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Hub:
    """A copy of the demo home after its refresh (``demo`` is demo_run.py's DemoRun)."""
    home = Home(demo.copy(tmp_path / "home").home)
    monkeypatch.setenv("SHUZHI_HOME", str(home.root))  # the department configs name paths in it
    monkeypatch.setenv("DAGSTER_HOME", str(home.dagster))  # run_refresh points it there too
    for name in ("SHUZHI_MASTER_KEY", "SHUZHI_LAKE_CATALOG", "SHUZHI_LAKE_DATA_PATH"):
        monkeypatch.delenv(name, raising=False)
    return Hub(home)


def test_a_registry_that_is_down_still_lets_case_products_and_rooms_rebuild(
    hub: Hub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The population database goes missing after a good night (the demo's refresh, which
    succeeded): the cases that arrived since still reach street_case_stats and the rooms,
    built on the last good registry."""
    from pipelines.run import run_refresh

    with serve_department_apis(hub.home) as api_env:
        for name, value in api_env.items():
            monkeypatch.setenv(name, value)
        with hub.lake() as con:
            before = con.execute(
                "SELECT sum(cases) FROM lake.products.street_case_stats"
            ).fetchone()
        registry = hub.home.departments / "public_security" / "population.sqlite"
        registry.rename(tmp_path / "population.sqlite.away")
        _drop_more_cases(hub)

        outcome = run_refresh(hub)

    assert not outcome.success
    assert [f for f in outcome.failures if f.startswith("raw_population")]
    assert "street_case_stats" in outcome.rebuilt and "data_rooms" in outcome.rebuilt
    assert "staged_population" not in outcome.rebuilt
    assert outcome.rebuild_run_id and outcome.rebuild_run_id != outcome.run_id
    with hub.lake() as con:
        after = con.execute("SELECT sum(cases) FROM lake.products.street_case_stats").fetchone()
    assert before and after and after[0] > before[0]


def _drop_more_cases(hub: Hub) -> None:
    """Copy one of the hotline's exports under a new name with new case numbers."""

    drop = hub.home.departments / "hotline_12345" / "drop"
    source = next(p for p in sorted(drop.glob("*.csv")) if "renamed" not in p.name)
    with source.open(encoding="gbk", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], [r for r in rows[1:] if r]
    number = header.index("工单编号")
    target = drop / "late-export.csv"
    with target.open("w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in body[:50]:
            row[number] = "LATE-" + row[number]
            writer.writerow(row)
    old = time.time() - 60
    os.utime(target, (old, old))
