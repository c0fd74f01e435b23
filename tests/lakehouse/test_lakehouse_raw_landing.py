"""Landing sources in the raw layer: once per file, sealed, all or nothing, resumable."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from lake_fixtures import (
    CASE,
    OpenLake,
    case,
    cases_contract,
    drop_source,
    files_under,
    temp_lake,
    write_cases,
)

from catalog.contracts import ColumnSpec, DatasetContract
from catalog.registry import load_catalog
from connectors.config import SqlSource
from connectors.watermark import Watermark
from encryption.master_key import MASTER_KEY_ENV
from home.layout import config_dir
from lakehouse import meta
from lakehouse.raw_landing import SchemaDrift, align, land, raw_columns

CASES = cases_contract()
HOTLINE_MAPPING = load_catalog(config_dir()).sources["hl_cases"].mapping


def W(value: int) -> Watermark:  # an integer watermark, named short for the asserts
    return Watermark("integer", value)


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenLake]:
    for var in (MASTER_KEY_ENV, "SHUZHI_LAKE_CATALOG", "SHUZHI_LAKE_DATA_PATH"):
        monkeypatch.delenv(var, raising=False)
    with temp_lake(tmp_path / "home") as opened:
        yield opened


@pytest.fixture
def drop(lake: OpenLake) -> Path:
    folder = lake.home.departments / "hotline" / "drop"
    folder.mkdir(parents=True)
    return folder


# --- file drops --------------------------------------------------------------------------------


def test_each_dropped_file_is_landed_once(lake: OpenLake, drop: Path) -> None:
    write_cases(drop / "2023-05-01.csv", [case(i) for i in range(1, 6)], encoding="gbk")
    source = drop_source(drop)
    first = land(lake.con, source, CASES, lake.keystore)
    assert (first.rows_read, first.rows_raw, first.rows_rejected) == (5, 5, 0)
    assert first.origins == ["2023-05-01.csv"]
    assert first.mode == "incremental"
    second = land(lake.con, source, CASES, lake.keystore)
    assert (second.rows_read, second.origins) == (0, [])
    assert lake.count("raw.cases") == 5
    assert lake.count("meta.files") == 1
    assert lake.count("meta.batches") == 2
    # a copy of the same content under a new name is not landed again
    write_cases(drop / "copy.csv", [case(i) for i in range(1, 6)], encoding="gbk")
    assert land(lake.con, source, CASES, lake.keystore).rows_read == 0


def test_raw_keeps_source_positions_batch_and_origin(lake: OpenLake, drop: Path) -> None:
    write_cases(drop / "a.csv", [case(1), case(2)])
    result = land(lake.con, drop_source(drop), CASES, lake.keystore)
    rows = lake.con.execute(
        "SELECT case_no, received_at, _batch_id, _source_pos, _origin FROM lake.raw.cases "
        "ORDER BY case_no"
    ).fetchall()
    assert rows == [
        ("C0001", "2023-05-01 08:30", result.batch_id, "a.csv:row 2", "a.csv"),
        ("C0002", "2023-05-01 08:30", result.batch_id, "a.csv:row 3", "a.csv"),
    ]


def test_rows_read_equals_raw_plus_rejected(lake: OpenLake, drop: Path) -> None:
    write_cases(drop / "cut.csv", [case(1), case(2), case(3)], tail="C0004,网格巡查,2023-05-01")
    result = land(lake.con, drop_source(drop), CASES, lake.keystore)
    assert (result.rows_read, result.rows_raw, result.rows_rejected) == (4, 3, 1)
    batch = lake.con.execute(
        "SELECT rows_read, rows_raw, rows_rejected, origins FROM lake.meta.batches "
        "WHERE batch_id = ?",
        [result.batch_id],
    ).fetchone()
    assert batch == (4, 3, 1, '["cut.csv"]')
    assert batch[0] == lake.count("raw.cases") + lake.count("quarantine.cases")
    rejected = lake.con.execute(
        "SELECT _source_pos, field, reason, _rejected_row FROM lake.quarantine.cases"
    ).fetchone()
    assert rejected is not None
    assert rejected[:3] == ("cut.csv:row 5", None, "row has 3 fields, expected 15")
    assert isinstance(rejected[3], bytes)
    assert b"C0004" not in rejected[3]  # the unreadable row is kept sealed


def test_protected_columns_are_ciphertext_in_raw_and_on_disk(lake: OpenLake, drop: Path) -> None:
    write_cases(drop / "a.csv", [case(i) for i in range(1, 4)])
    land(lake.con, drop_source(drop), CASES, lake.keystore)
    types = dict(
        (name, kind) for name, kind, *_ in lake.con.execute("DESCRIBE lake.raw.cases").fetchall()
    )
    for spec in CASES.columns:
        if spec.derived_from:
            assert spec.name not in types
        elif spec.protection != "none":
            assert types[spec.name] == "BLOB", spec.name
        else:
            assert types[spec.name] == "VARCHAR", spec.name
    phone = CASE["联系电话"].encode()
    name = CASE["反映人"].encode()
    values = lake.con.execute(
        "SELECT reporter_phone, reporter_name, location, description FROM lake.raw.cases"
    ).fetchall()
    for row in values:
        for blob in row:
            assert isinstance(blob, bytes)
            assert phone not in blob and name not in blob
    hits = lake.con.execute(
        "SELECT count(*) FROM lake.raw.cases WHERE contains(hex(reporter_phone), hex(?::BLOB))",
        [CASE["联系电话"]],
    ).fetchone()
    assert hits == (0,)
    # nothing in the catalogue or the data files (statistics, inlined rows) is plaintext
    for path in files_under(lake.home.lakehouse):
        content = path.read_bytes()
        assert phone not in content, path
        assert name not in content, path


# --- schema drift: named, and nothing loaded ---------------------------------------------------


def test_new_unmapped_column_is_drift_and_loads_nothing(lake: OpenLake, drop: Path) -> None:
    write_cases(drop / "first.csv", [case(1)])
    source = drop_source(drop)
    land(lake.con, source, CASES, lake.keystore)
    write_cases(drop / "wider.csv", [{**case(2), "备注": "x"}], header=[*CASE, "备注"])
    with pytest.raises(SchemaDrift) as info:
        land(lake.con, source, CASES, lake.keystore)
    message = str(info.value)
    assert "wider.csv" in message and "'备注'" in message and "missing columns none" in message
    assert lake.count("raw.cases") == 1
    assert lake.count("meta.batches") == 1
    assert lake.count("meta.files") == 1  # the drifted file is not marked processed


def test_dropped_column_is_drift_naming_it(lake: OpenLake, drop: Path) -> None:
    header = [h for h in CASE if h != "满意度"]
    write_cases(drop / "narrow.csv", [case(1)], header=header)
    with pytest.raises(SchemaDrift, match=r"narrow\.csv.*missing columns \['满意度'\]"):
        land(lake.con, drop_source(drop), CASES, lake.keystore)
    assert lake.count("raw.cases") == 0


def test_renamed_column_drift_suggests_the_rename(lake: OpenLake, drop: Path) -> None:
    header = ["问题描述" if h == "诉求内容" else h for h in CASE]
    row = {("问题描述" if k == "诉求内容" else k): v for k, v in case(1).items()}
    write_cases(drop / "renamed.csv", [row], header=header)
    with pytest.raises(SchemaDrift, match=r"renames: \{问题描述: 诉求内容\}"):
        land(lake.con, drop_source(drop), CASES, lake.keystore)
    fixed = land(
        lake.con, drop_source(drop, renames={"问题描述": "诉求内容"}), CASES, lake.keystore
    )
    assert fixed.rows_raw == 1


def test_header_only_file_with_drift_is_refused(lake: OpenLake, drop: Path) -> None:
    write_cases(drop / "empty.csv", [], header=[*CASE, "备注"])
    with pytest.raises(SchemaDrift):
        land(lake.con, drop_source(drop), CASES, lake.keystore)


def test_failure_midway_rolls_back_earlier_files(lake: OpenLake, drop: Path) -> None:
    write_cases(drop / "a.csv", [case(i) for i in range(1, 4)])
    write_cases(drop / "b.csv", [{**case(9), "备注": "x"}], header=[*CASE, "备注"])
    source = drop_source(drop)
    with pytest.raises(SchemaDrift, match=r"b\.csv"):
        land(lake.con, source, CASES, lake.keystore)
    assert lake.count("raw.cases") == 0
    assert lake.count("quarantine.cases") == 0
    assert lake.count("meta.files") == 0
    assert lake.count("meta.batches") == 0
    # once the bad file is taken away, the good one is still pending and lands
    (drop / "b.csv").unlink()
    result = land(lake.con, source, CASES, lake.keystore)
    assert (result.rows_raw, result.origins) == (3, ["a.csv"])


def test_progress_reports_every_row_read(lake: OpenLake, drop: Path) -> None:
    write_cases(drop / "a.csv", [case(1), case(2)], tail="C0003,x")
    write_cases(drop / "b.csv", [case(4)])
    seen: list[int] = []
    result = land(lake.con, drop_source(drop), CASES, lake.keystore, progress=seen.append)
    assert sum(seen) == result.rows_read == 4
    assert result.origins == ["a.csv", "b.csv"]


def test_align_renames_to_contract_names_and_skips_derived_columns() -> None:
    import pyarrow as pa

    from connectors.batch import SourceBatch, strings_batch

    batch = SourceBatch(
        records=strings_batch(list(reversed(CASE)), [list(reversed(CASE.values()))]),
        positions=pa.array(["x:row 2"]),
        origin="x",
    )
    aligned = align(batch, CASES, HOTLINE_MAPPING)
    assert aligned.schema.names == [c for c in raw_columns(CASES) if c != "reporter_handle"]
    assert "street_code" not in aligned.schema.names
    assert aligned.column("reporter_phone").to_pylist() == [CASE["联系电话"]]


def test_align_follows_a_channel_mapping() -> None:
    """A channel's own field names land in the contract's columns; ignored fields stay out;
    columns it does not send are not in the batch (NULL in raw); codes stay as sent."""
    import pyarrow as pa

    from catalog.source_mapping import SourceMapping
    from connectors.batch import SourceBatch, strings_batch

    mapping = SourceMapping(
        fields={"case_no": "id", "received_at": "ts", "category": "cat", "community_code": "c"},
        constants={"channel": "测试渠道"},
        absent=[
            c for c in raw_columns(CASES)
            if c not in ("case_no", "received_at", "category", "community_code", "channel")
        ],
        ignore=["changed"],
    )  # fmt: skip
    batch = SourceBatch(
        records=strings_batch(
            ["c", "ts", "id", "cat", "changed"], [["东湖社区", "1", "A-1", "7", "x"]]
        ),
        positions=pa.array(["x:line 1"]),
        origin="x",
    )
    aligned = align(batch, CASES, mapping)
    assert aligned.schema.names == ["case_no", "received_at", "category", "community_code"]
    assert aligned.to_pylist() == [
        {"case_no": "A-1", "received_at": "1", "category": "7", "community_code": "东湖社区"}
    ]
    drifted = SourceBatch(
        records=strings_batch(["c", "ts", "ident", "cat"], [["东湖社区", "1", "A-1", "7"]]),
        positions=pa.array(["x:line 1"]),
        origin="x",
    )
    with pytest.raises(SchemaDrift, match=r"missing columns \['id'\], new columns \['ident'\]"):
        align(drifted, CASES, mapping)


# --- incremental SQL ---------------------------------------------------------------------------

PEOPLE = DatasetContract(
    name="people",
    title="people",
    description="test",
    owner="public_security",
    steward="steward_district",
    sharing="conditional",
    key=["person_id"],
    columns=[
        ColumnSpec(name="person_id", type="integer", required=True),
        ColumnSpec(name="name", level="L3", protection="seal"),
        ColumnSpec(name="updated_at", type="datetime"),
    ],
)


def _people_db(path: Path, ids: range) -> None:
    with sqlite3.connect(path) as con:
        con.execute(
            "CREATE TABLE IF NOT EXISTS residents (person_id INTEGER PRIMARY KEY, name TEXT, "
            "updated_at TEXT)"
        )
        con.executemany(
            "INSERT INTO residents VALUES (?, ?, ?)",
            [(i, f"居民{i}", f"2023-05-01 {i % 24:02d}:00:00") for i in ids],
        )


def _sql_source(path: Path, **extra: object) -> SqlSource:
    return SqlSource.model_validate(
        {
            "kind": "sql",
            "name": "ps_test",
            "dataset": "people",
            "dialect": "sqlite",
            "connection": {"path": str(path)},
            "table": "residents",
            "primary_key": ["person_id"],
            "incremental": {"column": "person_id"},
            **extra,
        }
    )


def test_incremental_sql_resumes_from_the_watermark_without_duplicates(
    lake: OpenLake, tmp_path: Path
) -> None:
    db = tmp_path / "population.sqlite"
    _people_db(db, range(1, 10))  # ids 1..9
    source = _sql_source(db)
    first = land(lake.con, source, PEOPLE, lake.keystore)
    assert (first.mode, first.rows_raw, first.watermark) == ("full", 9, W(9))
    _people_db(db, range(10, 13))  # 10 > 9 as numbers, "10" < "9" as text
    second = land(lake.con, source, PEOPLE, lake.keystore)
    assert (second.mode, second.rows_raw, second.watermark) == ("incremental", 3, W(12))
    third = land(lake.con, source, PEOPLE, lake.keystore)
    assert (third.rows_raw, third.watermark) == (0, W(12))
    assert meta.last_watermark(lake.con, "ps_test") == W(12)
    positions = [
        r[0] for r in lake.con.execute("SELECT _source_pos FROM lake.raw.people").fetchall()
    ]
    assert sorted(positions) == sorted(f"residents#{i}" for i in range(1, 13))


def test_watermark_is_the_highest_across_many_batches(lake: OpenLake, tmp_path: Path) -> None:
    db = tmp_path / "population.sqlite"
    _people_db(db, range(1, 251))
    result = land(lake.con, _sql_source(db, batch_rows=100), PEOPLE, lake.keystore)
    assert (result.rows_raw, result.watermark) == (250, W(250))


def test_full_sync_rereads_everything(lake: OpenLake, tmp_path: Path) -> None:
    db = tmp_path / "population.sqlite"
    _people_db(db, range(1, 6))
    source = _sql_source(db)
    land(lake.con, source, PEOPLE, lake.keystore)
    again = land(lake.con, source, PEOPLE, lake.keystore, full=True)
    assert (again.mode, again.rows_raw, again.watermark) == ("full", 5, W(5))
    assert meta.latest_batch(lake.con, "people") == (again.batch_id, "full")


def test_a_failed_incremental_sync_leaves_the_watermark(lake: OpenLake, tmp_path: Path) -> None:
    db = tmp_path / "population.sqlite"
    _people_db(db, range(1, 6))
    source = _sql_source(db)
    land(lake.con, source, PEOPLE, lake.keystore)
    with sqlite3.connect(db) as con:
        con.execute("ALTER TABLE residents ADD COLUMN phone TEXT")
        con.execute("INSERT INTO residents VALUES (6, 'x', '2023-05-02 00:00:00', '1')")
    with pytest.raises(SchemaDrift, match=r"new columns \['phone'\]"):
        land(lake.con, source, PEOPLE, lake.keystore)
    assert meta.last_watermark(lake.con, "ps_test") == W(5)
    assert lake.count("raw.people") == 5
    origins = lake.con.execute("SELECT origins FROM lake.meta.batches").fetchall()
    assert [json.loads(o[0]) for o in origins] == [["residents"]]
