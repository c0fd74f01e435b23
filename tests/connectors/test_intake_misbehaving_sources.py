"""A department's worst day, end to end into the raw layer: every sync ends loaded,
quarantined with a reason, or refused with the last good batch still published.

Real parts only: a loopback HTTP API that misbehaves per page, SQLite files, real CSV
drops. For every committed batch, read = raw + rejected; a refused sync commits nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fake_department_api import FakeApi, PageFault, serve

from catalog.contracts import DatasetContract
from catalog.registry import load_catalog
from catalog.source_mapping import channel_fields
from connectors.batch import PagingError
from connectors.config import HttpJsonSource
from demo.generate import generate_district
from demo.population_db import upsert_population_sqlite
from demo.sizes import DistrictSize
from encryption.keystore import KeyStore, open_keystore
from encryption.master_key import MASTER_KEY_ENV, create_key_file
from home.layout import Home, config_dir
from lakehouse import meta
from lakehouse.connection import open_lake
from lakehouse.raw_landing import SyncResult, land
from lakehouse.sync_guards import IncompleteSync, ShrinkRefused

CATALOG = load_catalog(config_dir())


@dataclass
class Lake:
    home: Home
    keystore: KeyStore
    con: duckdb.DuckDBPyConnection

    def count(self, table: str) -> int:
        row = self.con.execute(f"SELECT count(*) FROM lake.{table}").fetchone()
        assert row is not None
        return int(row[0])

    def batches(self, source: str) -> list[tuple[str, int, int, int]]:
        return self.con.execute(
            "SELECT mode, rows_read, rows_raw, rows_rejected FROM lake.meta.batches "
            "WHERE source = ? ORDER BY finished_at",
            [source],
        ).fetchall()


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lake]:
    for var in (MASTER_KEY_ENV, "SHUZHI_LAKE_CATALOG", "SHUZHI_LAKE_DATA_PATH"):
        monkeypatch.delenv(var, raising=False)
    home = Home(tmp_path / "home").ensure()
    create_key_file(home.keys / "master.key")
    with open_lake(home, threads=1) as con:
        yield Lake(home, open_keystore(home.keys), con)


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """The demo's enterprise register as its API serves it (dirt included)."""
    home = Home(tmp_path_factory.mktemp("register") / "home").ensure()
    generate_district(home, seed=4, size=DistrictSize.demo(0.05), district=CATALOG.district)
    path = home.departments / "market_regulation" / "enterprises.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _api_source(api: FakeApi) -> HttpJsonSource:
    return HttpJsonSource.model_validate(
        {
            "kind": "http_json",
            "name": "mr_enterprises",
            "dataset": "enterprises",
            "base_url": api.base_url,
            "endpoint": "/api/v1/enterprises",
            "pagination": {"style": "page", "size": 10},
            "primary_key": ["uscc"],
            "max_retries": 0,
        }
    )


def _sync(lake: Lake, source: Any, contract: DatasetContract, **kw: Any) -> SyncResult:
    result = land(lake.con, source, contract, lake.keystore, **kw)
    assert result.rows_read == result.rows_raw + result.rows_rejected
    return result


ENTERPRISES = CATALOG.datasets["enterprises"]


# --- HTTP: a full sync is whole or refused ----------------------------------------------------


def test_a_whole_paged_read_commits_with_what_the_source_said(
    lake: Lake, register: list[dict[str, Any]]
) -> None:
    with serve(FakeApi(records=register)) as api:
        result = _sync(lake, _api_source(api), ENTERPRISES)
    assert (result.mode, result.rows_read, result.declared_rows) == (
        "full",
        len(register),
        len(register),
    )
    assert "uscc" in result.source_schema
    assert lake.count("raw.enterprises") == len(register)


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ({3: PageFault(records_of=2)}, "page 3 repeats page 2"),
        ({3: PageFault(empty=True)}, "empty"),
        ({3: PageFault(records_key="items")}, "page 3 has no 'data' field"),
        ({3: PageFault(record_drop=("name",))}, "page 3 item 1 has other fields"),
    ],
    ids=["repeated page", "early empty page", "renamed envelope", "changed record"],
)
def test_a_misbehaving_page_refuses_the_sync_and_keeps_the_last_good_batch(
    lake: Lake, register: list[dict[str, Any]], fault: dict[int, PageFault], message: str
) -> None:
    with serve(FakeApi(records=register)) as api:
        _sync(lake, _api_source(api), ENTERPRISES)
    with (
        serve(FakeApi(records=register, faults=fault)) as api,
        pytest.raises(PagingError, match=message),
    ):
        _sync(lake, _api_source(api), ENTERPRISES)
    assert lake.batches("mr_enterprises") == [("full", len(register), len(register), 0)]
    assert lake.count("raw.enterprises") == len(register)


def test_a_total_the_stream_does_not_reach_is_refused(
    lake: Lake, register: list[dict[str, Any]]
) -> None:
    with (
        serve(FakeApi(records=register, claimed_total=len(register) + 40)) as api,
        pytest.raises((PagingError, IncompleteSync), match=str(len(register) + 40)),
    ):
        _sync(lake, _api_source(api), ENTERPRISES)
    assert lake.count("meta.batches") == 0


def test_a_register_that_shrank_is_refused_until_a_steward_accepts_it(
    lake: Lake, register: list[dict[str, Any]]
) -> None:
    with serve(FakeApi(records=register)) as api:
        _sync(lake, _api_source(api), ENTERPRISES)
    quarter = register[: len(register) // 4]
    with serve(FakeApi(records=quarter)) as api:
        with pytest.raises(ShrinkRefused, match=f"read {len(quarter)} rows where"):
            _sync(lake, _api_source(api), ENTERPRISES)
        assert lake.count("raw.enterprises") == len(register)
        meta.record_acceptance(lake.con, "mr_enterprises", "shrink", "steward_district", "注销")
        accepted = _sync(lake, _api_source(api), ENTERPRISES)
        assert accepted.notes and accepted.notes[0].startswith(
            "shrink accepted by steward_district"
        )
        with pytest.raises(ShrinkRefused):  # one acceptance, one sync: used up
            api.records = quarter[: len(quarter) // 4]
            _sync(lake, _api_source(api), ENTERPRISES)
    assert [b[1] for b in lake.batches("mr_enterprises")] == [len(register), len(quarter)]


# --- SQL: incremental syncs never skip a row --------------------------------------------------

POPULATION = CATALOG.datasets["population"]
POPULATION_COLUMNS = [c.source_name for c in POPULATION.columns if not c.derived_from]


def _resident(person_id: int, updated_at: str | None) -> list[object]:
    import datetime as dt

    from identifiers.resident_id import make

    born = dt.date(1960, 1, 1) + dt.timedelta(days=person_id)
    ident = make("440399", born, 11)
    return [
        person_id, "测试", ident, "男", born.isoformat(), "13912345678", "户籍",
        f"01{person_id:07d}", "户主", "440399001", "440399001001", "44039900100101", "东湖路1号",
        "2020-01-01", updated_at,
    ]  # fmt: skip


class Registry:
    def __init__(self, path: Path) -> None:
        self.path = path

    def put(self, *rows: list[object]) -> None:
        upsert_population_sqlite(self.path, rows)

    def run(self, sql: str) -> None:
        with sqlite3.connect(self.path) as con:
            con.execute(sql)
        con.close()

    def source(self) -> Any:
        from connectors.config import SqlSource

        return SqlSource.model_validate(
            {
                "kind": "sql",
                "name": "ps_population",
                "dataset": "population",
                "dialect": "sqlite",
                "connection": {"path": str(self.path)},
                "table": "residents",
                "primary_key": ["person_id"],
                "incremental": {"column": "updated_at"},
            }
        )


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    registry = Registry(tmp_path / "population.sqlite")
    registry.put(*(_resident(i, f"2026-11-0{1 + i % 3} 08:00:00") for i in range(1, 10)))
    return registry


def _raw_positions(lake: Lake, batch_id: str) -> list[str]:
    rows = lake.con.execute(
        "SELECT _source_pos FROM lake.raw.population WHERE _batch_id = ? ORDER BY 1", [batch_id]
    ).fetchall()
    return [r[0] for r in rows]


def test_rows_written_behind_the_watermark_make_the_next_sync_read_in_full(
    lake: Lake, registry: Registry
) -> None:
    first = _sync(lake, registry.source(), POPULATION)
    assert str(first.watermark) == "2026-11-03 08:00:00"
    registry.put(_resident(50, "2026-10-15 00:00:00"))  # back-dated: behind the watermark
    registry.put(_resident(51, "2026-11-03 08:00:00"))  # written later at the watermark's time
    second = _sync(lake, registry.source(), POPULATION)
    assert second.mode == "full" and second.rows_read == 11
    assert "updated_at moved backwards: 2 more rows at or before the watermark" in second.notes[0]
    assert {"residents#50", "residents#51"} <= set(_raw_positions(lake, second.batch_id))
    third = _sync(lake, registry.source(), POPULATION)  # back to incremental, nothing new
    assert (third.mode, third.rows_read) == ("incremental", 0)


def test_a_row_updated_forward_is_read_incrementally_not_in_full(
    lake: Lake, registry: Registry
) -> None:
    _sync(lake, registry.source(), POPULATION)
    registry.put(_resident(3, "2026-11-20 08:00:00"))
    second = _sync(lake, registry.source(), POPULATION)
    assert (second.mode, second.rows_read, second.notes) == ("incremental", 1, [])
    assert _raw_positions(lake, second.batch_id) == ["residents#3"]


def test_unusable_change_values_are_quarantined_at_every_sync_and_never_stick(
    lake: Lake, registry: Registry
) -> None:
    registry.put(_resident(60, None), _resident(61, "0000-00-00"), _resident(62, "2099/13/01"))
    first = _sync(lake, registry.source(), POPULATION)
    assert first.rows_rejected == 3 and str(first.watermark) == "2026-11-03 08:00:00"
    registry.put(_resident(4, "2026-11-04 08:00:00"))
    second = _sync(lake, registry.source(), POPULATION)
    assert (second.mode, second.rows_raw, second.rows_rejected) == ("incremental", 1, 3)
    reasons = lake.con.execute(
        "SELECT _source_pos, reason FROM lake.quarantine.population WHERE _batch_id = ? ORDER BY 1",
        [second.batch_id],
    ).fetchall()
    assert [p for p, _ in reasons] == ["residents#60", "residents#61", "residents#62"]
    assert reasons[0][1].startswith("updated_at is NULL")
    assert reasons[1][1].startswith("updated_at '0000-00-00' is not a timestamp")


def test_a_new_source_column_is_drift_even_when_no_row_changed(
    lake: Lake, registry: Registry
) -> None:
    from lakehouse.raw_landing import SchemaDrift

    _sync(lake, registry.source(), POPULATION)
    registry.run("ALTER TABLE residents ADD COLUMN hukou_remark TEXT")
    with pytest.raises(SchemaDrift, match="new columns \\['hukou_remark'\\]"):
        _sync(lake, registry.source(), POPULATION)
    assert lake.count("meta.batches") == 1


def test_a_source_column_that_changed_type_is_refused_until_accepted(
    lake: Lake, registry: Registry
) -> None:
    from lakehouse.sync_guards import SchemaTypeChanged

    _sync(lake, registry.source(), POPULATION)
    cols = ", ".join(
        f"{c} {'INTEGER PRIMARY KEY' if c == 'person_id' else 'DATE' if c == 'move_in_date' else 'TEXT'}"
        for c in POPULATION_COLUMNS
    )
    registry.run("ALTER TABLE residents RENAME TO old_residents")
    registry.run(f"CREATE TABLE residents ({cols})")
    registry.run("INSERT INTO residents SELECT * FROM old_residents")
    with pytest.raises(SchemaTypeChanged, match="move_in_date: VARCHAR → DATE"):
        _sync(lake, registry.source(), POPULATION)
    meta.record_acceptance(lake.con, "ps_population", "schema", "steward_district", "改为日期类型")
    accepted = _sync(lake, registry.source(), POPULATION)
    assert any("schema change accepted by steward_district" in n for n in accepted.notes)


# --- Files: a bad file is quarantined as a file; the rest of the drop loads -------------------

CASES = CATALOG.datasets["cases"]
# The hotline's own fields, as its mapping reads them (its CSV has no online handle).
CASE_HEADER = list(channel_fields(CASES, CATALOG.sources["hl_cases"].mapping))


def _case_row(number: int) -> list[str]:
    values = {
        "工单编号": f"C{number:04d}", "受理渠道": "12345热线", "受理时间": "2023-05-01 08:30",
        "诉求类别": "噪音扰民", "诉求内容": "楼下夜间施工噪音", "事发地址": "东湖路1号",
        "所属社区": "东湖社区", "反映人": "欧阳测试", "联系电话": "13912345678",
        "承办部门": "城管局", "紧急程度": "一般", "办结时限": "2023-05-08", "转派次数": "0",
        "办结时间": "2023-05-02 10:00", "满意度": "满意",
    }  # fmt: skip
    return [values[name] for name in CASE_HEADER]


def _settled(path: Path, data: bytes) -> Path:
    import os
    import time

    path.write_bytes(data)
    then = time.time() - 600
    os.utime(path, (then, then))
    return path


def _csv_bytes(rows: list[list[str]], encoding: str = "gbk") -> bytes:
    lines = [",".join(CASE_HEADER)] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _drop(lake: Lake) -> Any:
    from connectors.config import FileDropSource

    folder = lake.home.departments / "hotline" / "drop"
    folder.mkdir(parents=True, exist_ok=True)
    return FileDropSource(
        kind="file_drop",
        name="hl_cases",
        dataset="cases",
        folder=str(folder),
        mapping=CATALOG.sources["hl_cases"].mapping,
    )


def test_bad_files_are_quarantined_as_files_and_the_good_ones_load(lake: Lake) -> None:
    source = _drop(lake)
    folder = Path(source.folder)
    _settled(folder / "a-good.csv", _csv_bytes([_case_row(i) for i in range(1, 4)]))
    _settled(folder / "b-empty.csv", b"")
    cut = _csv_bytes([_case_row(9)])
    _settled(folder / "c-cut.csv", cut[: cut.rindex("满".encode("gbk")) + 1])  # half a character
    _settled(folder / "d-not-a-workbook.xlsx", _csv_bytes([_case_row(10)]))

    result = _sync(lake, source, CASES)

    assert (result.rows_read, result.origins) == (3, ["a-good.csv"])
    quarantined = dict(result.files_quarantined)
    assert set(quarantined) == {"b-empty.csv", "c-cut.csv", "d-not-a-workbook.xlsx"}
    assert "empty (0 bytes)" in quarantined["b-empty.csv"]
    assert "middle of a" in quarantined["c-cut.csv"]
    assert "holds text, not a workbook" in quarantined["d-not-a-workbook.xlsx"]
    ledger = lake.con.execute(
        "SELECT file_name, status FROM lake.meta.files ORDER BY file_name"
    ).fetchall()
    assert ledger == [
        ("a-good.csv", "loaded"),
        ("b-empty.csv", "quarantined"),
        ("c-cut.csv", "quarantined"),
        ("d-not-a-workbook.xlsx", "quarantined"),
    ]
    again = _sync(lake, source, CASES)  # a quarantined file is not retried as it is
    assert (again.rows_read, again.files_quarantined) == (0, [])
    _settled(folder / "c-cut.csv", cut)  # the department sends it again, whole
    fixed = _sync(lake, source, CASES)
    assert (fixed.rows_read, fixed.origins) == (1, ["c-cut.csv"])


def test_a_file_rewritten_after_the_survey_waits_for_the_next_run(
    lake: Lake, monkeypatch: pytest.MonkeyPatch
) -> None:
    from connectors.files import FileDropConnector

    source = _drop(lake)
    path = _settled(Path(source.folder) / "a.csv", _csv_bytes([_case_row(1), _case_row(2)]))
    surveyed = FileDropConnector.pending

    def survey_then_rewrite(self: FileDropConnector, processed: Any = None) -> Any:
        ready = surveyed(self, processed)
        _settled(path, _csv_bytes([_case_row(1)]))  # the export is rewritten mid-sync
        return ready

    monkeypatch.setattr(FileDropConnector, "pending", survey_then_rewrite)
    first = _sync(lake, source, CASES)
    assert (first.rows_read, first.origins) == (0, [])
    assert "a.csv: changed while it was being read" in first.notes[0]
    assert lake.count("meta.files") == 0
    monkeypatch.setattr(FileDropConnector, "pending", surveyed)
    second = _sync(lake, source, CASES)
    assert (second.rows_read, second.origins) == (1, ["a.csv"])
