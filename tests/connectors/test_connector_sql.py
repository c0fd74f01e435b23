"""SQL sources read through DuckDB's scanners: SQLite files, PostgreSQL and MariaDB servers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from connector_fixtures import (
    SECRET,
    all_positions,
    all_rows,
    mariadb_table,
    postgres_schema,
    schema_of,
    sql_source,
    sqlite_db,
)

from connectors.batch import SourceUnavailable
from connectors.config import SourceConfigError
from connectors.sql import SqlConnector
from connectors.watermark import Watermark

PEOPLE_DDL = (
    "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, born DATE, score REAL, "
    "updated_at TEXT, note TEXT)"
)


def people(n: int) -> list[tuple[object, ...]]:
    return [
        (i, f"居民{i}", "1990-03-07", i * 1.5, f"2023-05-{i % 28 + 1:02d} 08:00:00", None)
        for i in range(1, n + 1)
    ]


@pytest.fixture
def people_db(tmp_path: Path) -> Path:
    return sqlite_db(tmp_path / "population.sqlite", PEOPLE_DDL, people(12), "people")


# --- SQLite -------------------------------------------------------------------------------


def test_sqlite_rows_arrive_as_text_with_table_and_key_positions(people_db: Path) -> None:
    source = sql_source("sqlite", "people", {"path": str(people_db)})
    batches = list(SqlConnector(source).read())
    rows = all_rows(batches)
    assert len(rows) == 12
    assert rows[0] == {
        "id": "1",
        "name": "居民1",
        "born": "1990-03-07",
        "score": "1.5",
        "updated_at": "2023-05-02 08:00:00",
        "note": None,  # NULL stays NULL, not the text "None"
    }
    assert all(str(t) == "string" for b in batches for t in b.records.schema.types)
    assert all_positions(batches)[:2] == ["people#1", "people#2"]
    assert {b.origin for b in batches} == {"people"}
    assert all(b.watermark is None for b in batches)  # not incremental


def test_sqlite_composite_key_positions(tmp_path: Path) -> None:
    db = sqlite_db(
        tmp_path / "h.sqlite",
        "CREATE TABLE members (household TEXT, seq INTEGER, name TEXT)",
        [("H1", 1, "甲"), ("H1", 2, "乙")],
        "members",
    )
    source = sql_source("sqlite", "members", {"path": str(db)}, primary_key=["household", "seq"])
    assert all_positions(list(SqlConnector(source).read())) == ["members#H1/1", "members#H1/2"]


def test_bounded_batches_100_rows_over_1000(tmp_path: Path) -> None:
    db = sqlite_db(tmp_path / "big.sqlite", PEOPLE_DDL, people(1000), "people")
    source = sql_source("sqlite", "people", {"path": str(db)}, batch_rows=100)
    batches = list(SqlConnector(source).read())
    assert [b.records.num_rows for b in batches] == [100] * 10
    positions = all_positions(batches)
    assert len(set(positions)) == 1000


def test_incremental_integer_key_compares_as_numbers_not_text(people_db: Path) -> None:
    # ids 1..12: as text "9" > "12" and "10" < "9"; the connector must compare integers.
    source = sql_source("sqlite", "people", {"path": str(people_db)}, incremental={"column": "id"})
    connector = SqlConnector(source)
    full = list(connector.read())
    assert max(b.watermark for b in full if b.watermark) == Watermark("integer", 12)
    newer = list(connector.read(since=Watermark("integer", 9)))
    assert [r["id"] for r in all_rows(newer)] == ["10", "11", "12"]
    assert [b.watermark for b in newer] == [Watermark("integer", 12)]


def test_incremental_with_nothing_newer_yields_one_empty_batch(people_db: Path) -> None:
    source = sql_source("sqlite", "people", {"path": str(people_db)}, incremental={"column": "id"})
    batches = list(SqlConnector(source).read(since=Watermark("integer", 12)))
    assert [b.records.num_rows for b in batches] == [0]
    assert batches[0].watermark is None and not batches[0].rejected


def test_incremental_by_updated_at_text_timestamps(people_db: Path) -> None:
    source = sql_source(
        "sqlite", "people", {"path": str(people_db)}, incremental={"column": "updated_at"}
    )
    since = Watermark("timestamp", dt.datetime(2023, 5, 10, 8))
    batches = list(SqlConnector(source).read(since=since))
    stamps = [r["updated_at"] for r in all_rows(batches)]
    assert stamps == ["2023-05-11 08:00:00", "2023-05-12 08:00:00", "2023-05-13 08:00:00"]
    assert batches[-1].watermark == Watermark("timestamp", dt.datetime(2023, 5, 13, 8))


def test_check_reports_columns_rows_and_max_watermark(people_db: Path) -> None:
    source = sql_source("sqlite", "people", {"path": str(people_db)}, incremental={"column": "id"})
    info = SqlConnector(source).check()
    assert info["table"] == "people"
    assert info["columns"] == ["id", "name", "born", "score", "updated_at", "note"]
    assert info["rows"] == 12
    assert info["max_id"] == "12"


def test_sqlite_source_is_opened_read_only(people_db: Path) -> None:
    before = people_db.read_bytes()
    list(SqlConnector(sql_source("sqlite", "people", {"path": str(people_db)})).read())
    assert people_db.read_bytes() == before


def test_missing_sqlite_file_is_unavailable(tmp_path: Path) -> None:
    source = sql_source("sqlite", "people", {"path": str(tmp_path / "absent.sqlite")})
    with pytest.raises(SourceUnavailable, match="not found"):
        list(SqlConnector(source).read())


def test_sqlite_without_a_path_is_a_config_error() -> None:
    with pytest.raises(SourceConfigError, match=r"connection\.path"):
        list(SqlConnector(sql_source("sqlite", "people", {})).read())


def test_missing_table_is_unavailable_and_named(people_db: Path) -> None:
    source = sql_source("sqlite", "residents", {"path": str(people_db)})
    with pytest.raises(SourceUnavailable, match="'residents'"):
        list(SqlConnector(source).read())


def test_sqlite_path_expands_shuzhi_home(people_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHUZHI_HOME", str(people_db.parent))
    source = sql_source("sqlite", "people", {"path": "${SHUZHI_HOME}/population.sqlite"})
    assert len(all_rows(list(SqlConnector(source).read()))) == 12


# --- unreachable servers: one line, never the password -------------------------------------


@pytest.mark.parametrize("dialect", ["postgres", "mysql"])
def test_unreachable_server_is_unavailable_without_the_password(
    dialect: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_DB_PASSWORD", SECRET)
    source = sql_source(
        dialect,
        "people",
        {
            "host": "127.0.0.1",
            "port": 1,
            "user": "hub",
            "database": "test",
            "password_env": "TEST_DB_PASSWORD",
        },
    )
    with pytest.raises(SourceUnavailable) as info:
        list(SqlConnector(source).read())
    message = str(info.value)
    assert SECRET not in message
    assert "\n" not in message
    assert message.startswith(f"source test_{dialect}: cannot connect to {dialect} database")
    assert info.value.__cause__ is None and info.value.__suppress_context__


# --- PostgreSQL --------------------------------------------------------------------------------

PG_CONN = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "database": "test"}


@pytest.mark.postgres
def test_postgres_types_arrive_as_text_from_the_configured_schema() -> None:
    with postgres_schema() as con:
        con.execute(
            "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, born DATE, "
            "amount NUMERIC(10,2), updated_at TIMESTAMP, active BOOLEAN, note TEXT)"
        )
        con.execute(
            "INSERT INTO people VALUES (1, '张三', '1990-03-07', 12.5, "
            "'2023-05-01 08:30:00', true, NULL), (2, '㐀李𠀀', NULL, 0, "
            "'2023-05-02 09:00:00', false, 'x')"
        )
        source = sql_source("postgres", "people", {**PG_CONN, "schema": schema_of(con)})
        batches = list(SqlConnector(source).read())
    rows = sorted(all_rows(batches), key=lambda r: r["id"])
    assert rows[0] == {
        "id": "1",
        "name": "张三",
        "born": "1990-03-07",
        "amount": "12.50",
        "updated_at": "2023-05-01 08:30:00",
        "active": "true",
        "note": None,
    }
    assert rows[1]["name"] == "㐀李𠀀"
    assert sorted(all_positions(batches)) == ["people#1", "people#2"]


@pytest.mark.postgres
def test_postgres_incremental_by_timestamp_and_integer_key() -> None:
    with postgres_schema() as con:
        con.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, updated_at TIMESTAMP)")
        con.execute(
            "INSERT INTO people SELECT g, timestamp '2023-01-01' + g * interval '1 hour' "
            "FROM generate_series(1, 12) g"
        )
        conn = {**PG_CONN, "schema": schema_of(con)}
        by_time = sql_source("postgres", "people", conn, incremental={"column": "updated_at"})
        since = Watermark("timestamp", dt.datetime(2023, 1, 1, 10))
        newer = list(SqlConnector(by_time).read(since=since))
        assert sorted(int(r["id"]) for r in all_rows(newer)) == [11, 12]
        assert max(b.watermark for b in newer if b.watermark) == Watermark(
            "timestamp", dt.datetime(2023, 1, 1, 12)
        )
        by_key = sql_source("postgres", "people", conn, incremental={"column": "id"})
        newer = list(SqlConnector(by_key).read(since=Watermark("integer", 9)))
        assert sorted(int(r["id"]) for r in all_rows(newer)) == [10, 11, 12]
        assert SqlConnector(by_key).check()["max_id"] == "12"


@pytest.mark.postgres
def test_postgres_batches_are_bounded() -> None:
    with postgres_schema() as con:
        con.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)")
        con.execute("INSERT INTO people SELECT g, 'n' || g FROM generate_series(1, 1000) g")
        source = sql_source(
            "postgres", "people", {**PG_CONN, "schema": schema_of(con)}, batch_rows=100
        )
        batches = list(SqlConnector(source).read())
    assert all(b.records.num_rows <= 100 for b in batches)
    assert len(set(all_positions(batches))) == 1000


@pytest.mark.postgres
def test_postgres_missing_table_is_unavailable() -> None:
    with postgres_schema() as con:
        source = sql_source("postgres", "nothing_here", {**PG_CONN, "schema": schema_of(con)})
        with pytest.raises(SourceUnavailable, match="'nothing_here'"):
            list(SqlConnector(source).read())


@pytest.mark.postgres
def test_postgres_unknown_role_is_unavailable_without_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEST_DB_PASSWORD", SECRET)
    source = sql_source(
        "postgres",
        "people",
        {**PG_CONN, "user": "no_such_role", "password_env": "TEST_DB_PASSWORD"},
    )
    with pytest.raises(SourceUnavailable) as info:
        SqlConnector(source).check()
    assert SECRET not in str(info.value)
    assert "\n" not in str(info.value)


# --- MariaDB -----------------------------------------------------------------------------------

MARIA_CONN = {"host": "127.0.0.1", "port": 3306, "user": "root", "database": "test"}


@pytest.mark.mariadb
def test_mariadb_rows_with_chinese_text_and_integer_watermark() -> None:
    with mariadb_table(
        "id INT PRIMARY KEY, name VARCHAR(40), updated_at DATETIME, note VARCHAR(10)"
    ) as (con, table):
        with con.cursor() as cur:
            cur.executemany(
                f"INSERT INTO `{table}` VALUES (%s, %s, %s, %s)",
                [(i, f"居民{i}𠀀", f"2023-01-01 {i:02d}:00:00", None) for i in range(1, 13)],
            )
        source = sql_source("mysql", table, MARIA_CONN, incremental={"column": "id"})
        connector = SqlConnector(source)
        rows = all_rows(list(connector.read()))
        newer = list(connector.read(since=Watermark("integer", 9)))
        info = connector.check()
    assert len(rows) == 12
    first = next(r for r in rows if r["id"] == "1")
    assert first == {
        "id": "1",
        "name": "居民1𠀀",
        "updated_at": "2023-01-01 01:00:00",
        "note": None,
    }
    assert sorted(int(r["id"]) for r in all_rows(newer)) == [10, 11, 12]
    assert max(b.watermark for b in newer if b.watermark) == Watermark("integer", 12)
    assert sorted(all_positions(newer)) == [f"{table}#10", f"{table}#11", f"{table}#12"]
    assert info["rows"] == 12 and info["max_id"] == "12"


@pytest.mark.mariadb
def test_mariadb_batches_are_bounded() -> None:
    with mariadb_table("id INT PRIMARY KEY, name VARCHAR(20)") as (con, table):
        with con.cursor() as cur:
            cur.executemany(
                f"INSERT INTO `{table}` VALUES (%s, %s)", [(i, f"n{i}") for i in range(1000)]
            )
        source = sql_source("mysql", table, MARIA_CONN, batch_rows=100)
        batches = list(SqlConnector(source).read())
    assert all(b.records.num_rows <= 100 for b in batches)
    assert sum(b.records.num_rows for b in batches) == 1000


@pytest.mark.mariadb
def test_mariadb_wrong_password_is_unavailable_without_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEST_DB_PASSWORD", SECRET)
    source = sql_source("mysql", "people", {**MARIA_CONN, "password_env": "TEST_DB_PASSWORD"})
    with pytest.raises(SourceUnavailable) as info:
        list(SqlConnector(source).read())
    assert SECRET not in str(info.value)
    assert "\n" not in str(info.value)
