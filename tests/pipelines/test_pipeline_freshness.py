"""A dataset left unsynced past its contract's freshness expectation is flagged 过期 in the
catalogue, in ``sources list`` and by its Dagster freshness check; within it, in none.

The clock is moved by moving the last-sync timestamps back in ``lake.meta.batches``."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from cli.catalog_command import catalog_entries
from demo.population_db import upsert_population_sqlite
from encryption.master_key import MASTER_KEY_ENV, create_key_file
from home.layout import DEFAULT_CONFIG_DIR, Home
from identifiers.resident_id import make
from pipelines import steps
from pipelines.definitions import build_definitions
from pipelines.hub import Hub
from pipelines.resources import HubResource
from pipelines.source_status import source_statuses

SHUZHI = Path(sys.executable).with_name("shuzhi")


def _resident(person_id: int) -> tuple:
    born = dt.date(1960, 1, 1) + dt.timedelta(days=person_id)
    return (
        person_id, "测试", make("440399", born, 11), "男", born.isoformat(), "13912345678",
        "户籍", f"01{person_id:07d}", "户主", "440399001", "440399001001", "44039900100101",
        "东湖路1号", "2020-01-01", "2026-11-01 08:00:00",
    )  # fmt: skip


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A home whose population (expected fresh within 26 h) was synced once, just now."""
    monkeypatch = pytest.MonkeyPatch()
    for var in (MASTER_KEY_ENV, "SHUZHI_LAKE_CATALOG", "SHUZHI_LAKE_DATA_PATH", "SHUZHI_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    home = Home(tmp_path_factory.mktemp("fresh") / "home").ensure()
    monkeypatch.setenv("SHUZHI_HOME", str(home.root))
    create_key_file(home.keys / "master.key")
    hub = Hub(home, DEFAULT_CONFIG_DIR)
    registry = home.departments / "public_security" / "population.sqlite"
    registry.parent.mkdir(parents=True)
    upsert_population_sqlite(registry, [_resident(i) for i in range(1, 21)])
    steps.sync_dataset(hub, "population")
    steps.stage_dataset(hub, "population", today=dt.date(2026, 11, 30))
    yield hub
    monkeypatch.undo()


def _set_age(hub: Hub, source: str, hours: float) -> None:
    """Move the source's last sync to ``hours`` ago (the only sync the test made)."""
    with hub.lake() as con:
        con.execute(
            "UPDATE lake.meta.batches SET finished_at = ? WHERE source = ?",
            [dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=hours), source],
        )


def _dagster_check(hub: Hub) -> dg.AssetCheckEvaluation:
    """Run the graph's own freshness check of raw_population, as its sensor would."""
    defs = build_definitions(hub.config)
    [check] = [
        c
        for c in defs.asset_checks or []
        if isinstance(c, dg.AssetChecksDefinition) and c.node_def.name == "freshness_population"
    ]
    result = dg.materialize(
        [dg.AssetSpec("raw_population"), check],
        resources={"hub": HubResource(home=str(hub.home.root))},
        selection=dg.AssetSelection.checks(check),
    )
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.asset_key == dg.AssetKey("raw_population")
    assert evaluation.check_name == "freshness_check"
    return evaluation


def _states(hub: Hub) -> dict[str, object]:
    entries = {e["name"]: e for e in catalog_entries()}
    status = {s.source: s for s in source_statuses(hub)}
    check = _dagster_check(hub)
    return {
        "catalogue raw": entries["raw_population"]["freshness"],
        "catalogue staged": entries["staged_population"]["freshness"],
        "catalogue stale flag": entries["protected_population"]["stale"],
        "sources list": status["ps_population"].freshness,
        "dagster passed": check.passed,
        "other dataset": entries["staged_enterprises"]["freshness"],
    }


def test_synced_just_now_is_fresh_everywhere(hub: Hub) -> None:
    _set_age(hub, "ps_population", 0)
    assert _states(hub) == {
        "catalogue raw": "fresh", "catalogue staged": "fresh", "catalogue stale flag": False,
        "sources list": "fresh", "dagster passed": True, "other dataset": "never",
    }  # fmt: skip


def test_older_but_within_its_expectation_is_not_flagged(hub: Hub) -> None:
    _set_age(hub, "ps_population", 25)  # population: update.freshness_hours 26
    states = _states(hub)
    assert states["sources list"] == states["catalogue raw"] == "fresh"
    assert states["dagster passed"] is True and states["catalogue stale flag"] is False


def test_left_unsynced_past_its_expectation_is_flagged_in_all_three_places(hub: Hub) -> None:
    _set_age(hub, "ps_population", 27)
    assert _states(hub) == {
        "catalogue raw": "stale", "catalogue staged": "stale", "catalogue stale flag": True,
        "sources list": "stale", "dagster passed": False, "other dataset": "never",
    }  # fmt: skip
    evaluation = _dagster_check(hub)
    assert evaluation.severity == dg.AssetCheckSeverity.WARN
    assert "过期 (27 h > 26 h)" in (evaluation.description or "")

    # and people see it: both tables say 过期
    env = {**os.environ, "SHUZHI_HOME": str(hub.home.root), "COLUMNS": "250"}
    for command in (["sources", "list"], ["catalog", "list"]):
        shown = subprocess.run(
            [str(SHUZHI), *command], env=env, capture_output=True, text=True, timeout=300
        )
        assert shown.returncode == 0, shown.stderr
        [line] = [
            ln
            for ln in shown.stdout.splitlines()
            if "ps_population" in ln or "raw_population" in ln
        ]
        assert "过期 (27 h > 26 h)" in line
