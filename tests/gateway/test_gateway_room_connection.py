import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from gateway_rooms import build_room

from gateway.room_connection import QueryFailed, QueryTimeout, open_room, run_query
from gateway.statement import StatementRefused


@pytest.fixture
def room(tmp_path: Path) -> Path:
    return build_room(tmp_path / "street-nanshan.duckdb")


@pytest.fixture
def outside_csv(tmp_path: Path) -> Path:
    """A real file next to the room that no query may read."""
    path = tmp_path / "outside.csv"
    path.write_text("secret\nleaked\n", "utf-8")
    return path


# --- the locked connection on its own: defence in depth -------------------------


def _refused_by_connection(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    with pytest.raises(duckdb.Error) as caught:
        con.execute(sql).fetchall()
    return str(caught.value)


def test_connection_settings_are_locked_down(room: Path) -> None:
    con = open_room(room, memory_limit="256MB", threads=1)
    try:
        settings = dict(
            con.execute(
                "SELECT name, value FROM duckdb_settings() WHERE name IN ("
                "'enable_external_access', 'autoinstall_known_extensions',"
                "'autoload_known_extensions', 'allow_community_extensions',"
                "'lock_configuration', 'threads', 'memory_limit')"
            ).fetchall()
        )
    finally:
        con.close()
    assert settings["enable_external_access"] == "false"
    assert settings["autoinstall_known_extensions"] == "false"
    assert settings["autoload_known_extensions"] == "false"
    assert settings["allow_community_extensions"] == "false"
    assert settings["lock_configuration"] == "true"
    assert settings["threads"] == "1"
    assert settings["memory_limit"].startswith("244")  # 256 MB shown in MiB


def test_connection_refuses_to_read_a_real_file(room: Path, outside_csv: Path) -> None:
    con = open_room(room)
    try:
        for sql in (
            f"SELECT * FROM read_csv('{outside_csv}')",
            f"SELECT * FROM '{outside_csv}'",
            f"SELECT * FROM read_text('{outside_csv}')",
        ):
            assert "disabled" in _refused_by_connection(con, sql)
    finally:
        con.close()


def test_connection_refuses_to_attach_another_database(room: Path, tmp_path: Path) -> None:
    other = tmp_path / "lake.duckdb"
    writer = duckdb.connect(str(other))
    writer.execute("CREATE TABLE people AS SELECT 1 AS id")
    writer.close()

    con = open_room(room)
    try:
        assert "disabled" in _refused_by_connection(con, f"ATTACH '{other}' AS lake")
        attached = {
            row[0] for row in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()
        }
        assert "lake" not in attached
    finally:
        con.close()


def test_connection_refuses_to_copy_out(room: Path, tmp_path: Path) -> None:
    target = tmp_path / "stolen.csv"
    con = open_room(room)
    try:
        _refused_by_connection(con, f"COPY street_case_stats TO '{target}'")
        _refused_by_connection(con, f"EXPORT DATABASE '{tmp_path / 'dump'}'")
    finally:
        con.close()
    assert not target.exists()
    assert not (tmp_path / "dump").exists()


def test_connection_refuses_to_change_settings(room: Path) -> None:
    con = open_room(room)
    try:
        for sql in (
            "SET memory_limit = '8GB'",
            "SET enable_external_access = true",
            "SET lock_configuration = false",
            "RESET memory_limit",
            "SET threads = 2",
        ):
            assert "locked" in _refused_by_connection(con, sql)
    finally:
        con.close()


def test_connection_refuses_extensions(room: Path) -> None:
    con = open_room(room)
    try:
        _refused_by_connection(con, "INSTALL httpfs")
        _refused_by_connection(con, "LOAD httpfs")
    finally:
        con.close()


def test_connection_refuses_to_write_the_room(room: Path) -> None:
    con = open_room(room)
    try:
        for sql in (
            "INSERT INTO street_case_stats VALUES ('x', 'y', 'z', 1)",
            "DELETE FROM street_case_stats",
            "CREATE TABLE stolen AS SELECT 1",
            "DROP TABLE street_case_stats",
        ):
            assert "read-only" in _refused_by_connection(con, sql)
    finally:
        con.close()
    check = duckdb.connect(str(room), read_only=True)
    assert check.execute("SELECT count(*) FROM street_case_stats").fetchone() == (100,)
    check.close()


def test_python_objects_are_not_visible_as_tables(room: Path) -> None:
    leaked_frame = pa.table({"secret": ["x"]})  # noqa: F841 - what a replacement scan would find
    con = open_room(room)
    try:
        _refused_by_connection(con, "SELECT * FROM leaked_frame")
    finally:
        con.close()


def test_missing_room_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        open_room(tmp_path / "nobody.duckdb")


# --- run_query -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "rows"),
    [
        ("SELECT * FROM street_case_stats", 100),
        ("FROM street_case_stats WHERE cases < 10", 10),
        (
            "WITH per AS (SELECT community, sum(cases) AS n FROM street_case_stats GROUP BY 1) "
            "SELECT * FROM per ORDER BY community",
            5,
        ),
        (
            "SELECT community FROM street_case_stats WHERE cases = 1 "
            "UNION SELECT community FROM street_case_stats WHERE cases = 2",
            2,
        ),
        ("VALUES (1), (2), (3)", 3),
    ],
)
def test_read_queries_return_rows(room: Path, sql: str, rows: int) -> None:
    result = run_query(room, sql)
    assert isinstance(result.table, pa.Table)
    assert result.table.num_rows == rows
    assert result.truncated is False


def test_result_carries_columns_and_tables(room: Path) -> None:
    result = run_query(
        room, "SELECT category, sum(cases) AS total FROM street_case_stats GROUP BY 1 ORDER BY 1"
    )
    assert result.table.column_names == ["category", "total"]
    assert result.tables == ["street_case_stats"]
    assert set(result.table.column("category").to_pylist()) == {"噪音", "环境卫生", "物业", "交通"}


def test_row_limit_truncates(room: Path) -> None:
    result = run_query(room, "SELECT * FROM street_case_stats ORDER BY cases", row_limit=10)
    assert result.truncated is True
    assert result.table.num_rows == 10
    assert result.table.column("cases").to_pylist() == list(range(10))


def test_row_limit_exactly_met_is_not_truncated(room: Path) -> None:
    result = run_query(room, "SELECT * FROM street_case_stats", row_limit=100)
    assert (result.truncated, result.table.num_rows) == (False, 100)


def test_row_limit_over_many_batches(room: Path) -> None:
    result = run_query(room, "SELECT * FROM range(50000) r(i)", row_limit=20_000)
    assert (result.truncated, result.table.num_rows) == (True, 20_000)


def test_empty_result_keeps_its_schema(room: Path) -> None:
    result = run_query(room, "SELECT community, cases FROM street_case_stats WHERE cases < 0")
    assert result.table.num_rows == 0
    assert result.table.column_names == ["community", "cases"]
    assert result.truncated is False


def test_statement_is_checked_before_anything_runs(room: Path, outside_csv: Path) -> None:
    with pytest.raises(StatementRefused):
        run_query(room, f"SELECT * FROM read_csv('{outside_csv}')")
    with pytest.raises(StatementRefused):
        run_query(room, "DELETE FROM street_case_stats")


def test_duckdb_errors_become_query_failed_with_first_line_only(room: Path) -> None:
    with pytest.raises(QueryFailed) as failed:
        run_query(room, "SELECT no_such_column FROM street_case_stats")
    message = str(failed.value)
    assert "\n" not in message
    assert message.startswith("Binder Error")
    assert not isinstance(failed.value, QueryTimeout)


def test_missing_table_is_query_failed(room: Path) -> None:
    with pytest.raises(QueryFailed, match="Catalog Error"):
        run_query(room, "SELECT * FROM people")


def test_slow_query_times_out(room: Path) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        run_query(
            room,
            "SELECT sum(a.i * b.i) FROM range(1000000) a(i), range(1000000) b(i)",
            timeout_s=0.5,
        )
    # The statement would run for hours: coming back at all is the interruption (the
    # bound is loose on purpose, a busy machine starts workers slowly).
    assert time.monotonic() - started < 120.0
    # The room is fine afterwards.
    assert run_query(room, "SELECT count(*) AS n FROM street_case_stats").table.to_pylist() == [
        {"n": 100}
    ]


def test_fast_query_is_not_interrupted_later(room: Path) -> None:
    # A deadline bounds each query's own wait for its worker (gateway.room_worker): a
    # query that answered leaves nothing behind to fire on the worker later. The next
    # query on the same warm worker is the proof; no wall time is measured, and the
    # timeout is generous so a busy machine cannot make the fast query late.
    result = run_query(room, "SELECT 1 AS one", timeout_s=60.0)
    assert result.table.to_pylist() == [{"one": 1}]
    after = run_query(room, "SELECT count(*) AS n FROM street_case_stats", timeout_s=60.0)
    assert after.table.to_pylist() == [{"n": 100}]
