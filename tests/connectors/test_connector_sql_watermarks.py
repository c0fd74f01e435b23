"""Incremental SQL syncs never skip a row: typed watermarks, and unusable change values
(NULL, zero dates, unreadable text, text in an INTEGER column) reported in every sync.

Sections: 1. SQLite change values; 2. syncs in sequence; 3. what the connector reports
(declared_rows, source_schema, count_through, check); 4. configuration; 5. PostgreSQL;
6. MariaDB.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from connector_fixtures import (
    all_positions,
    all_rejected,
    all_rows,
    mariadb_insert_permissive,
    mariadb_table,
    postgres_schema,
    rejected_by_position,
    schema_of,
    sql_source,
    sqlite_db,
    top_watermark,
)

from connectors.batch import SourceBatch
from connectors.config import SourceConfigError
from connectors.sql import SqlConnector
from connectors.watermark import Watermark, WatermarkError

DDL = "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, person_id INTEGER, updated_at TEXT)"


def ts(*parts: int) -> Watermark:
    return Watermark("timestamp", dt.datetime(*parts))  # type: ignore[arg-type]


def people_db(tmp_path: Path, stamps: list[object]) -> Path:
    rows = [(i, f"居民{i}", 1000 + i, stamp) for i, stamp in enumerate(stamps, start=1)]
    return sqlite_db(tmp_path / "people.sqlite", DDL, rows, "people")


def by_updated_at(db: Path, **extra: object) -> SqlConnector:
    incremental = {"column": "updated_at", **extra}
    return SqlConnector(sql_source("sqlite", "people", {"path": str(db)}, incremental=incremental))


def ids(batches: list[SourceBatch]) -> list[str]:
    return sorted((r["id"] for r in all_rows(batches)), key=int)


# --- 1. SQLite change values ----------------------------------------------------------------


def test_null_change_value_is_rejected_named_and_never_the_watermark(tmp_path: Path) -> None:
    db = people_db(tmp_path, ["2024-01-05 08:00:00", None, "2024-01-06 09:30:00"])
    batches = list(by_updated_at(db).read())
    assert ids(batches) == ["1", "3"]
    rejected = rejected_by_position(batches)
    assert list(rejected) == ["people#2"]
    assert rejected["people#2"].reason.startswith("updated_at is NULL: ")
    assert rejected["people#2"].text == "2,居民2,1002,"  # the row as one CSV line
    assert "居民2" not in rejected["people#2"].reason  # personal data stays out of the reason
    assert top_watermark(batches) == ts(2024, 1, 6, 9, 30)


@pytest.mark.parametrize(
    "odd",
    ["2024/1/7 8:00", "2024-01-07T08:00", "20240107 080000", "2024-01-07", "2024年1月7日 8时0分"],
)
def test_one_row_in_another_date_format_is_parsed_as_a_time(tmp_path: Path, odd: str) -> None:
    # As text, "2024/…" and "2024年…" sort after every "2024-12-…" and would stick as the max.
    db = people_db(tmp_path, ["2024-01-05 08:00:00", odd, "2024-12-01 00:00:00"])
    connector = by_updated_at(db)
    full = list(connector.read())
    assert ids(full) == ["1", "2", "3"] and not all_rejected(full)
    assert top_watermark(full) == ts(2024, 12, 1)
    newer = list(connector.read(since=ts(2024, 1, 6)))
    assert ids(newer) == ["2", "3"]
    assert all_rows(newer)[0]["updated_at"] == odd  # raw text kept as written


@pytest.mark.parametrize("bad", ["0000-00-00", "0000-00-00 00:00:00", "soon", "2024-02-30", ""])
def test_unreadable_change_value_is_rejected_with_the_value_quoted(
    tmp_path: Path, bad: str
) -> None:
    db = people_db(tmp_path, ["2024-01-05 08:00:00", bad])
    batches = list(by_updated_at(db).read())
    assert ids(batches) == ["1"]
    [rejected] = all_rejected(batches)
    assert rejected.position == "people#2"
    assert rejected.reason.startswith(f"updated_at '{bad}' is not a timestamp: ")
    assert top_watermark(batches) == ts(2024, 1, 5, 8)


def test_integer_change_column_compares_10_after_9_even_when_stored_as_text(
    tmp_path: Path,
) -> None:
    db = sqlite_db(
        tmp_path / "v.sqlite",
        "CREATE TABLE people (id INTEGER PRIMARY KEY, version TEXT)",
        [(1, "9"), (2, "10"), (3, "8")],
        "people",
    )
    source = sql_source(
        "sqlite", "people", {"path": str(db)}, incremental={"column": "version", "kind": "integer"}
    )
    connector = SqlConnector(source)
    assert top_watermark(list(connector.read())) == Watermark("integer", 10)
    assert ids(list(connector.read(since=Watermark("integer", 9)))) == ["2"]


def test_text_in_an_integer_column_is_that_rows_problem_not_the_sources(tmp_path: Path) -> None:
    db = people_db(tmp_path, ["2024-01-05 08:00:00", "2024-01-06 08:00:00"])
    with sqlite3.connect(db) as con:  # SQLite stores any value in any column
        con.execute("INSERT INTO people VALUES (3, '居民3', 'abc', '2024-01-07 08:00:00')")
    batches = list(by_updated_at(db).read())
    rows = {r["id"]: r for r in all_rows(batches)}
    assert sorted(rows) == ["1", "2", "3"]
    assert rows["3"]["person_id"] == "abc"  # the raw layer is text; staging judges it


def test_text_in_an_integer_change_column_is_rejected_and_the_rest_still_come(
    tmp_path: Path,
) -> None:
    db = people_db(tmp_path, ["2024-01-05 08:00:00"] * 3)
    with sqlite3.connect(db) as con:
        con.execute("UPDATE people SET person_id = 'abc' WHERE id = 2")
    source = sql_source("sqlite", "people", {"path": str(db)}, incremental={"column": "person_id"})
    batches = list(SqlConnector(source).read())
    assert ids(batches) == ["1", "3"]
    [rejected] = all_rejected(batches)
    assert rejected.position == "people#2"
    assert rejected.reason.startswith("person_id 'abc' is not an integer: ")
    assert top_watermark(batches) == Watermark("integer", 1003)


def test_text_in_an_integer_primary_key_still_has_a_position(tmp_path: Path) -> None:
    db = sqlite_db(
        tmp_path / "k.sqlite",
        "CREATE TABLE people (id INTEGER, updated_at TIMESTAMP)",
        [(1, "2024-01-05 08:00:00"), ("x7", "2024/1/6 8:00")],
        "people",
    )
    batches = list(by_updated_at(db).read())
    assert all_positions(batches) == ["people#1", "people#x7"]
    assert top_watermark(batches) == ts(2024, 1, 6, 8)


def test_many_rows_in_mixed_forms_over_small_batches(tmp_path: Path) -> None:
    base = dt.datetime(2024, 1, 1)
    forms = ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y年%m月%d日 %H时%M分"]
    stamps: list[object] = [
        (base + dt.timedelta(hours=i)).strftime(forms[i % 3]) for i in range(1000)
    ]
    stamps[500] = None
    db = people_db(tmp_path, stamps)
    source = sql_source(
        "sqlite", "people", {"path": str(db)}, incremental={"column": "updated_at"}, batch_rows=100
    )
    connector = SqlConnector(source)
    since = Watermark("timestamp", base + dt.timedelta(hours=989))
    newer = list(connector.read(since=since))
    assert ids(newer) == [str(i) for i in range(991, 1001)]
    assert list(rejected_by_position(newer)) == ["people#501"]
    assert top_watermark(newer) == Watermark("timestamp", base + dt.timedelta(hours=999))


# --- 2. syncs in sequence -------------------------------------------------------------------


def test_incremental_after_a_first_sync_returns_exactly_the_changed_rows(tmp_path: Path) -> None:
    db = people_db(
        tmp_path,
        ["2024-01-05 08:00:00", None, "0000-00-00", "2024-01-06 08:00:00", "2024-01-04 08:00:00"],
    )
    connector = by_updated_at(db)
    first = list(connector.read())
    assert ids(first) == ["1", "4", "5"]
    assert sorted(rejected_by_position(first)) == ["people#2", "people#3"]
    mark = top_watermark(first)
    assert mark == ts(2024, 1, 6, 8)

    with sqlite3.connect(db) as con:
        con.execute("UPDATE people SET name = '改', updated_at = '2024/1/7 9:00' WHERE id = 1")
        con.execute("INSERT INTO people VALUES (6, '居民6', 1006, '20240107 100000')")
    second = list(connector.read(since=mark))
    assert ids(second) == ["1", "6"]
    assert sorted(rejected_by_position(second)) == ["people#2", "people#3"]  # still reported
    assert top_watermark(second) == ts(2024, 1, 7, 10)

    with sqlite3.connect(db) as con:  # the department fixes one bad row
        con.execute("UPDATE people SET updated_at = '2024-01-08 00:00:00' WHERE id = 2")
    third = list(connector.read(since=top_watermark(second)))
    assert ids(third) == ["2"]
    assert sorted(rejected_by_position(third)) == ["people#3"]


def test_empty_incremental_read_yields_one_empty_batch_with_the_columns(tmp_path: Path) -> None:
    db = people_db(tmp_path, ["2024-01-05 08:00:00"])
    [batch] = list(by_updated_at(db).read(since=ts(2024, 1, 5, 8)))
    assert batch.records.num_rows == 0
    assert batch.records.schema.names == ["id", "name", "person_id", "updated_at"]
    assert len(batch.positions) == 0
    assert batch.watermark is None and batch.rejected == []
    assert batch.origin == "people"


def test_empty_table_full_read_yields_one_empty_batch(tmp_path: Path) -> None:
    db = people_db(tmp_path, [])
    [batch] = list(by_updated_at(db).read())
    assert batch.records.num_rows == 0 and batch.records.num_columns == 4


def test_a_read_with_only_rejected_rows_reports_them(tmp_path: Path) -> None:
    db = people_db(tmp_path, ["2024-01-05 08:00:00", None])
    batches = list(by_updated_at(db).read(since=ts(2024, 1, 5, 8)))
    assert all_rows(batches) == []
    assert list(rejected_by_position(batches)) == ["people#2"]
    assert top_watermark(batches) is None


# --- 3. what the connector reports ----------------------------------------------------------


def test_declared_rows_and_source_schema_after_a_full_read(tmp_path: Path) -> None:
    db = people_db(tmp_path, ["2024-01-05 08:00:00", None, "2024-01-06 08:00:00"])
    connector = by_updated_at(db)
    assert connector.declared_rows is None and connector.source_schema == {}
    list(connector.read())
    assert connector.declared_rows == 3  # rejected rows included: count(*) at the source
    assert connector.source_schema == {
        "id": "BIGINT",
        "name": "VARCHAR",
        "person_id": "BIGINT",
        "updated_at": "VARCHAR",
    }


def test_declared_rows_of_an_incremental_read_counts_what_that_read_covers(
    tmp_path: Path,
) -> None:
    db = people_db(
        tmp_path, ["2024-01-05 08:00:00", None, "2024-01-06 08:00:00", "2024-01-07 08:00:00"]
    )
    connector = by_updated_at(db)
    list(connector.read(since=ts(2024, 1, 5, 8)))
    assert connector.declared_rows == 3  # rows 3 and 4 changed, row 2 is reported again


def test_rows_through_the_watermark_are_counted_in_the_reads_own_snapshot(
    tmp_path: Path,
) -> None:
    db = people_db(
        tmp_path, ["2024-01-05 08:00:00", None, "2024-01-06 08:00:00", "2024-01-07 08:00:00"]
    )
    connector = by_updated_at(db)
    assert connector.rows_through_watermark is None
    list(connector.read())
    assert connector.rows_through_watermark == 3  # the NULL row is at no point in time
    list(connector.read(since=ts(2024, 1, 7, 8)))  # nothing newer: through ``since``
    assert connector.rows_through_watermark == connector.count_through(ts(2024, 1, 7, 8)) == 3
    plain = SqlConnector(sql_source("sqlite", "people", {"path": str(db)}))
    list(plain.read())
    assert plain.rows_through_watermark is None  # no change column, no watermark


def test_declared_rows_is_unset_until_the_read_is_consumed(tmp_path: Path) -> None:
    db = people_db(tmp_path, ["2024-01-05 08:00:00"] * 300)
    source = sql_source(
        "sqlite", "people", {"path": str(db)}, incremental={"column": "id"}, batch_rows=100
    )
    connector = SqlConnector(source)
    reader = connector.read()
    next(reader)
    assert connector.declared_rows is None
    list(reader)
    assert connector.declared_rows == 300


def test_count_through_counts_parsed_values_at_or_before(tmp_path: Path) -> None:
    db = people_db(
        tmp_path,
        ["2024-01-05 08:00:00", "2024/1/6 8:00", None, "soon", "2024-01-07 08:00:00"],
    )
    connector = by_updated_at(db)
    assert connector.count_through(ts(2024, 1, 6, 8)) == 2
    assert connector.count_through(ts(2024, 1, 4)) == 0
    assert connector.count_through(ts(2030, 1, 1)) == 3  # unusable values are not counted


def test_count_through_an_integer_column(tmp_path: Path) -> None:
    db = people_db(tmp_path, ["x"] * 12)
    source = sql_source("sqlite", "people", {"path": str(db)}, incremental={"column": "id"})
    assert SqlConnector(source).count_through(Watermark("integer", 9)) == 9


def test_check_reports_the_typed_max(tmp_path: Path) -> None:
    db = people_db(tmp_path, ["2024-12-01 00:00:00", "2024/1/7 8:00", None])
    info = by_updated_at(db).check()
    assert info["max_updated_at"] == "2024-12-01 00:00:00"
    assert info["watermark"] == "timestamp:2024-12-01 00:00:00"
    assert info["unusable_updated_at"] == 1
    assert info["rows"] == 3


# --- 4. configuration -----------------------------------------------------------------------


def test_configured_kind_overrides_the_declared_type(tmp_path: Path) -> None:
    db = people_db(tmp_path, ["2024-01-05 08:00:00"])
    source = sql_source(
        "sqlite", "people", {"path": str(db)}, incremental={"column": "id", "kind": "timestamp"}
    )
    batches = list(SqlConnector(source).read())
    [rejected] = all_rejected(batches)
    assert rejected.reason.startswith("id '1' is not a timestamp: ")


def test_a_watermark_of_the_other_kind_is_refused_with_the_fix(tmp_path: Path) -> None:
    db = people_db(tmp_path, ["2024-01-05 08:00:00"])
    with pytest.raises(WatermarkError, match=r"integer:3 is an integer .*sync in full"):
        list(by_updated_at(db).read(since=Watermark("integer", 3)))


def test_a_missing_change_column_is_a_config_error_naming_it(tmp_path: Path) -> None:
    db = people_db(tmp_path, ["2024-01-05 08:00:00"])
    source = sql_source("sqlite", "people", {"path": str(db)}, incremental={"column": "changed"})
    with pytest.raises(SourceConfigError, match=r"source test_sqlite: .*'changed'"):
        list(SqlConnector(source).read())


def test_a_change_column_of_no_usable_type_asks_for_a_kind(tmp_path: Path) -> None:
    db = sqlite_db(
        tmp_path / "r.sqlite", "CREATE TABLE people (id INTEGER, v REAL)", [(1, 1.5)], "people"
    )
    source = sql_source("sqlite", "people", {"path": str(db)}, incremental={"column": "v"})
    with pytest.raises(SourceConfigError, match=r"set incremental\.kind"):
        list(SqlConnector(source).read())


def test_integer_kind_on_a_timestamp_column_is_a_config_error(tmp_path: Path) -> None:
    db = sqlite_db(
        tmp_path / "t.sqlite",
        "CREATE TABLE people (id INTEGER, u TIMESTAMP)",
        [(1, "2024-01-05")],
        "people",
    )
    source = sql_source(
        "sqlite", "people", {"path": str(db)}, incremental={"column": "u", "kind": "integer"}
    )
    with pytest.raises(SourceConfigError, match=r"incremental\.kind is integer"):
        list(SqlConnector(source).read())


# --- 5. PostgreSQL --------------------------------------------------------------------------

PG_CONN = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "database": "test"}


@pytest.mark.postgres
def test_postgres_text_change_column_in_mixed_forms_with_null_and_junk() -> None:
    with postgres_schema() as con:
        con.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, updated_at TEXT)")
        con.execute(
            "INSERT INTO people VALUES (1, '张三', '2024-01-05 08:00:00'), "
            "(2, '李四', '2024/1/7 8:00'), (3, '王五', NULL), (4, '赵六', '0000-00-00'), "
            "(5, '钱七', '2024-12-01')"
        )
        conn = {**PG_CONN, "schema": schema_of(con)}
        connector = SqlConnector(
            sql_source("postgres", "people", conn, incremental={"column": "updated_at"})
        )
        full = list(connector.read())
        assert top_watermark(full) == ts(2024, 12, 1)
        assert connector.declared_rows == 5
        assert connector.source_schema == {
            "id": "INTEGER",
            "name": "VARCHAR",
            "updated_at": "VARCHAR",
        }
        newer = list(connector.read(since=ts(2024, 1, 6)))
        through = connector.count_through(ts(2024, 1, 7, 8))
    assert ids(newer) == ["2", "5"]
    rejected = rejected_by_position(newer)
    assert sorted(rejected) == ["people#3", "people#4"]
    assert rejected["people#3"].reason.startswith("updated_at is NULL: ")
    assert rejected["people#4"].reason.startswith("updated_at '0000-00-00' is not a timestamp: ")
    assert rejected["people#4"].text == "4,赵六,0000-00-00"
    assert through == 2


@pytest.mark.postgres
def test_postgres_timestamp_column_with_null_and_infinity() -> None:
    with postgres_schema() as con:
        con.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, updated_at TIMESTAMP)")
        con.execute(
            "INSERT INTO people VALUES (1, '2024-01-05 08:00:00'), (2, NULL), "
            "(3, 'infinity'), (4, '2024-01-06 08:00:00.5')"
        )
        conn = {**PG_CONN, "schema": schema_of(con)}
        connector = SqlConnector(
            sql_source("postgres", "people", conn, incremental={"column": "updated_at"})
        )
        batches = list(connector.read(since=ts(2024, 1, 6, 8)))
        info = connector.check()
    assert ids(batches) == ["4"]  # half a second later is later
    assert sorted(rejected_by_position(batches)) == ["people#2", "people#3"]
    assert top_watermark(batches) == Watermark(
        "timestamp", dt.datetime(2024, 1, 6, 8, 0, 0, 500000)
    )
    assert info["max_updated_at"] == "2024-01-06 08:00:00.500000"


@pytest.mark.postgres
def test_postgres_integer_change_column_and_empty_incremental_read() -> None:
    with postgres_schema() as con:
        con.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, version BIGINT, name TEXT)")
        con.execute("INSERT INTO people VALUES (1, 9, 'a'), (2, 10, 'b'), (3, NULL, 'c')")
        conn = {**PG_CONN, "schema": schema_of(con)}
        connector = SqlConnector(
            sql_source("postgres", "people", conn, incremental={"column": "version"})
        )
        newer = list(connector.read(since=Watermark("integer", 9)))
        nothing = list(connector.read(since=Watermark("integer", 10)))
    assert ids(newer) == ["2"] and top_watermark(newer) == Watermark("integer", 10)
    assert [b.records.num_rows for b in nothing] == [0]
    assert list(rejected_by_position(nothing)) == ["people#3"]  # until someone sets it


# --- 6. MariaDB -----------------------------------------------------------------------------

MARIA_CONN = {"host": "127.0.0.1", "port": 3306, "user": "root", "database": "test"}


@pytest.mark.mariadb
def test_mariadb_zero_dates_are_rejected_and_never_stop_the_source() -> None:
    with mariadb_table(
        "id INT PRIMARY KEY, name VARCHAR(20), born DATE NULL, updated_at DATETIME NULL"
    ) as (con, table):
        mariadb_insert_permissive(
            con,
            table,
            [
                (1, "张三", "1990-03-07", "2024-01-05 08:00:00"),
                (2, "李四", "0000-00-00", "2024-01-06 08:00:00"),  # zero date elsewhere
                (3, "王五", "1991-01-01", "0000-00-00 00:00:00"),
                (4, "赵六", "1992-00-00", None),
                (5, "钱七", None, "2024-01-07 08:00:00"),
            ],
        )
        connector = SqlConnector(
            sql_source("mysql", table, MARIA_CONN, incremental={"column": "updated_at"})
        )
        full = list(connector.read())
        declared, schema = connector.declared_rows, connector.source_schema
        newer = list(connector.read(since=ts(2024, 1, 5, 8)))
        through = connector.count_through(ts(2024, 1, 6, 8))
    rows = {r["id"]: r for r in all_rows(full)}
    assert sorted(rows) == ["1", "2", "5"]
    assert rows["2"]["born"] == "0000-00-00"  # the raw layer keeps it as the source wrote it
    assert rows["1"]["updated_at"] == "2024-01-05 08:00:00"
    rejected = rejected_by_position(full)
    assert sorted(rejected) == [f"{table}#3", f"{table}#4"]
    assert rejected[f"{table}#3"].reason.startswith(
        "updated_at '0000-00-00 00:00:00' is not a timestamp: "
    )
    assert rejected[f"{table}#4"].reason.startswith("updated_at is NULL: ")
    assert rejected[f"{table}#4"].text == "4,赵六,1992-00-00,"
    assert top_watermark(full) == ts(2024, 1, 7, 8)
    assert declared == 5
    assert schema == {
        "id": "INTEGER",
        "name": "VARCHAR",
        "born": "DATE",
        "updated_at": "TIMESTAMP",
    }
    assert ids(newer) == ["2", "5"]
    assert sorted(rejected_by_position(newer)) == [f"{table}#3", f"{table}#4"]
    assert through == 2


@pytest.mark.mariadb
def test_mariadb_zero_date_in_a_date_change_column() -> None:
    with mariadb_table("id INT PRIMARY KEY, changed DATE NULL") as (con, table):
        mariadb_insert_permissive(con, table, [(1, "2024-01-05"), (2, "0000-00-00")])
        connector = SqlConnector(
            sql_source("mysql", table, MARIA_CONN, incremental={"column": "changed"})
        )
        batches = list(connector.read())
    assert ids(batches) == ["1"]
    [rejected] = all_rejected(batches)
    assert rejected.reason.startswith("changed '0000-00-00' is not a timestamp: ")
    assert top_watermark(batches) == ts(2024, 1, 5)


@pytest.mark.mariadb
def test_mariadb_integer_change_column_and_empty_read_with_columns() -> None:
    with mariadb_table("id INT PRIMARY KEY, version INT NULL, name VARCHAR(10)") as (con, table):
        mariadb_insert_permissive(con, table, [(1, 9, "a"), (2, 10, "b")])
        connector = SqlConnector(
            sql_source("mysql", table, MARIA_CONN, incremental={"column": "version"})
        )
        newer = list(connector.read(since=Watermark("integer", 9)))
        [empty] = list(connector.read(since=Watermark("integer", 10)))
        declared = connector.declared_rows
    assert ids(newer) == ["2"] and top_watermark(newer) == Watermark("integer", 10)
    assert empty.records.num_rows == 0
    assert empty.records.schema.names == ["id", "version", "name"]
    assert declared == 0


def test_a_row_whose_key_is_null_is_named_by_its_place_in_the_read(tmp_path: Path) -> None:
    ddl = "CREATE TABLE people (id TEXT, name TEXT, person_id INTEGER, updated_at TEXT)"
    rows = [("1", "甲", 1, "2024-01-05"), (None, "乙", 2, "2024-01-06"), (None, "丙", 3, None)]
    db = sqlite_db(tmp_path / "people.sqlite", ddl, rows, "people")
    batches = list(by_updated_at(db).read())
    assert all_positions(batches) == ["people#1", "people#(no id, row 2 as read)"]
    assert list(rejected_by_position(batches)) == ["people#(no id, row 3 as read)"]
