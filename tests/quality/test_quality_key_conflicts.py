"""The source's primary key is the row's identity; the contract key stays unique.

A new registry row that reuses another person's ID number must never silently replace
that person: both are held back with the conflict named.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from staging_fixtures import StagingHub, staging_hub

from connectors.config import SqlSource
from demo.population_db import upsert_population_sqlite
from identifiers.resident_id import make
from lakehouse.raw_landing import land
from quality.staging import StageResult, identity_columns, stage

TODAY = dt.date(2026, 11, 1)


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StagingHub]:
    with staging_hub(tmp_path / "home", monkeypatch) as opened:
        yield opened


def _person(person_id: int, id_number: str, updated: str = "2026-10-01 08:00:00") -> tuple:
    born = dt.datetime.strptime(id_number[6:14], "%Y%m%d").date()  # as the number says
    return (
        person_id,
        "测试人员",
        id_number,
        "男" if int(id_number[16]) % 2 else "女",
        born.isoformat(),
        "13912345678",
        "户籍",
        f"01{person_id:07d}",
        "户主",
        "440399001",
        "440399001001",
        "44039900100101",
        "东湖路1号",
        "2020-01-01",
        updated,
    )


def _id(person_id: int, sequence: int = 11) -> str:
    return make("440399", dt.date(1980, 1, 1) + dt.timedelta(days=person_id), sequence)


class Registry:
    def __init__(self, path: Path) -> None:
        self.path = path

    def put(self, *rows: tuple) -> None:
        upsert_population_sqlite(self.path, rows)

    def source(self) -> SqlSource:
        return SqlSource.model_validate(
            {
                "kind": "sql",
                "name": "ps_test",
                "dataset": "population",
                "dialect": "sqlite",
                "connection": {"path": str(self.path)},
                "table": "residents",
                "primary_key": ["person_id"],
                "incremental": {"column": "updated_at"},
            }
        )


def _sync(hub: StagingHub, registry: Registry, *, full: bool = False) -> StageResult:
    contract = hub.catalog.datasets["population"]
    landed = land(hub.con, registry.source(), contract, hub.keystore, full=full)
    return stage(
        hub.con,
        contract,
        hub.catalog.district,
        hub.keystore,
        landed.batch_id,
        replace=landed.mode == "full",
        identity=identity_columns(contract, ["person_id"]),
        today=TODAY,
    )


def _staged_people(hub: StagingHub) -> list[int]:
    return [r[0] for r in hub.rows("SELECT person_id FROM lake.staged.population ORDER BY 1")]


def _conflicts(hub: StagingHub) -> list[tuple[str, str]]:
    return hub.rows(
        "SELECT _source_pos, reason FROM lake.quarantine.population "
        "WHERE reason LIKE 'conflict:%' ORDER BY 1"
    )


def test_identity_is_the_source_primary_key_mapped_to_contract_columns(hub: StagingHub) -> None:
    contract = hub.catalog.datasets["population"]
    assert identity_columns(contract, ["person_id"]) == ["person_id"]
    assert identity_columns(contract, []) == ["id_number"]
    with pytest.raises(ValueError, match="primary_key names \\['pid'\\]"):
        identity_columns(contract, ["pid"])


def test_a_new_row_reusing_an_id_number_holds_back_both_people(
    hub: StagingHub, tmp_path: Path
) -> None:
    registry = Registry(tmp_path / "population.sqlite")
    registry.put(_person(1, _id(1)), _person(2, _id(2)))
    first = _sync(hub, registry)
    assert (first.rows_loaded, first.rows_quarantined) == (2, 0)

    registry.put(_person(3, _id(1), updated="2026-10-02 08:00:00"))  # person 1's number
    second = _sync(hub, registry)

    assert (second.rows_read, second.rows_loaded, second.rows_quarantined) == (1, 0, 1)
    assert second.rows_withdrawn == 1
    assert second.reasons["conflict"] == 1
    assert _staged_people(hub) == [2]  # neither claimant of the number stays published
    conflicts = _conflicts(hub)
    assert [pos for pos, _ in conflicts] == ["residents#1", "residents#3"]
    assert "same id_number as residents#3 with a different person_id" in conflicts[0][1]
    assert "same id_number as residents#1" in conflicts[1][1]


def test_two_rows_of_one_batch_claiming_one_number_are_both_quarantined(
    hub: StagingHub, tmp_path: Path
) -> None:
    registry = Registry(tmp_path / "population.sqlite")
    registry.put(_person(1, _id(1)), _person(2, _id(1)), _person(3, _id(3)))
    result = _sync(hub, registry)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 1, 2)
    assert result.rows_withdrawn == 0
    assert _staged_people(hub) == [3]
    assert [pos for pos, _ in _conflicts(hub)] == ["residents#1", "residents#2"]


def test_a_corrected_id_number_of_the_same_person_replaces_the_old_row(
    hub: StagingHub, tmp_path: Path
) -> None:
    """Allowed: the same identity with a new number is an update, not a conflict."""
    registry = Registry(tmp_path / "population.sqlite")
    registry.put(_person(1, _id(1)), _person(2, _id(2)))
    _sync(hub, registry)
    registry.put(_person(1, _id(1, sequence=12), updated="2026-10-03 08:00:00"))
    result = _sync(hub, registry)
    assert (result.rows_loaded, result.rows_quarantined, result.rows_withdrawn) == (1, 0, 0)
    assert _staged_people(hub) == [1, 2]
    assert _conflicts(hub) == []


def test_a_full_sync_after_the_department_fixes_the_registry_loads_both(
    hub: StagingHub, tmp_path: Path
) -> None:
    registry = Registry(tmp_path / "population.sqlite")
    registry.put(_person(1, _id(1)), _person(2, _id(2)))
    _sync(hub, registry)
    registry.put(_person(3, _id(1), updated="2026-10-02 08:00:00"))
    _sync(hub, registry)
    registry.put(_person(3, _id(3), updated="2026-10-04 08:00:00"))  # corrected at the source
    result = _sync(hub, registry, full=True)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 3, 0)
    assert _staged_people(hub) == [1, 2, 3]
