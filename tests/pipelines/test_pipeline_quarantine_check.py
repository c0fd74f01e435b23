"""The quarantine check counts each bad row once: rows a department has not fixed yet come
back at every incremental sync, and must not fail a small batch on their own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from demo.population_db import upsert_population_sqlite
from encryption.master_key import MASTER_KEY_ENV, create_key_file
from home.layout import DEFAULT_CONFIG_DIR, Home
from identifiers.resident_id import make
from pipelines import steps
from pipelines.hub import Hub


def _resident(person_id: int, updated_at: str | None, community: str = "440399001001") -> tuple:
    born = dt.date(1960, 1, 1) + dt.timedelta(days=person_id)
    return (
        person_id, "测试", make("440399", born, 11), "男", born.isoformat(), "13912345678",
        "户籍", f"01{person_id:07d}", "户主", "440399001", community, "44039900100101", "东湖路1号",
        "2020-01-01", updated_at,
    )  # fmt: skip


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Hub:
    for var in (MASTER_KEY_ENV, "SHUZHI_LAKE_CATALOG", "SHUZHI_LAKE_DATA_PATH"):
        monkeypatch.delenv(var, raising=False)
    home = Home(tmp_path / "home").ensure()
    monkeypatch.setenv("SHUZHI_HOME", str(home.root))
    create_key_file(home.keys / "master.key")
    return Hub(home, DEFAULT_CONFIG_DIR)


def _sync(hub: Hub) -> None:
    steps.sync_dataset(hub, "population")
    steps.stage_dataset(hub, "population", today=dt.date(2026, 11, 30))


def test_rows_quarantined_again_for_the_same_reason_are_not_counted_again(hub: Hub) -> None:
    registry = hub.home.departments / "public_security" / "population.sqlite"
    registry.parent.mkdir(parents=True)
    upsert_population_sqlite(registry, [_resident(i, "2026-11-01 08:00:00") for i in range(1, 21)])
    upsert_population_sqlite(registry, [_resident(90, None), _resident(91, "0000-00-00")])
    _sync(hub)
    assert steps.quarantine_ratio(hub, "population") == (22, 2, pytest.approx(2 / 22))

    upsert_population_sqlite(
        registry, [_resident(3, "2026-11-02 08:00:00"), _resident(4, "2026-11-02 09:00:00")]
    )
    _sync(hub)  # 2 changed rows, and the 2 unfixed rows reported again
    assert steps.quarantine_ratio(hub, "population") == (2, 0, 0.0)


def test_a_new_bad_row_in_a_small_batch_still_counts(hub: Hub) -> None:
    registry = hub.home.departments / "public_security" / "population.sqlite"
    registry.parent.mkdir(parents=True)
    upsert_population_sqlite(registry, [_resident(i, "2026-11-01 08:00:00") for i in range(1, 21)])
    upsert_population_sqlite(registry, [_resident(90, None)])
    _sync(hub)
    upsert_population_sqlite(
        registry, [_resident(3, "2026-11-02 08:00:00", community="999999999999")]
    )
    _sync(hub)
    read, quarantined, share = steps.quarantine_ratio(hub, "population")
    assert (read, quarantined, share) == (1, 1, 1.0)
