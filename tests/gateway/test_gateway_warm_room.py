"""A worker keeps its room open between statements, and never past a change of the file."""

import os
from pathlib import Path

import duckdb
import pytest
from gateway_rooms import build_room

from gateway.room_connection import QueryFailed, run_query
from gateway.warm_room import WarmRoom


@pytest.fixture
def room(tmp_path: Path) -> Path:
    return build_room(tmp_path / "street_nanshan.duckdb")


def _replace_with_rows(room: Path, rows: int) -> None:
    """Swap in a rebuilt room with one rename, as building and pruning do."""
    building = room.with_name(f".{room.stem}.building.duckdb")
    con = duckdb.connect(str(building))
    con.execute(f"CREATE TABLE street_case_stats AS SELECT i AS cases FROM range({rows}) t(i)")
    con.close()
    os.replace(building, room)


def test_the_open_room_serves_the_next_statement_while_the_file_is_unchanged(room: Path) -> None:
    warm = WarmRoom()
    first = warm.connection(room, "256MB")
    assert warm.connection(room, "256MB") is first
    assert first.tables == {
        f"{db}.main.{name}": "street_case_stats"
        for db in ("street_nanshan", '"street_nanshan"')
        for name in ("street_case_stats", '"street_case_stats"')
    }
    warm.close()


def test_a_room_swapped_in_by_rename_is_opened_anew(room: Path) -> None:
    warm = WarmRoom()
    before = warm.connection(room, "256MB")
    _replace_with_rows(room, 7)
    after = warm.connection(room, "256MB")
    assert after is not before
    assert after.con.execute("SELECT count(*) FROM street_case_stats").fetchone() == (7,)
    with pytest.raises(duckdb.ConnectionException):
        before.con.execute("SELECT 1")  # the old file's connection is closed
    warm.close()


def test_a_worker_holds_one_room_at_a_time(room: Path, tmp_path: Path) -> None:
    other = build_room(tmp_path / "street_xiling.duckdb")
    warm = WarmRoom()
    nanshan = warm.connection(room, "256MB")
    xiling = warm.connection(other, "256MB")
    assert xiling.path == other
    with pytest.raises(duckdb.ConnectionException):
        nanshan.con.execute("SELECT 1")
    warm.close()


def test_a_room_that_is_gone_is_refused_without_its_path(room: Path) -> None:
    warm = WarmRoom()
    warm.connection(room, "256MB")
    room.unlink()
    with pytest.raises(FileNotFoundError, match=r"no data room at street_nanshan\.duckdb"):
        warm.connection(room, "256MB")


def test_statements_through_the_worker_pool_see_a_rebuilt_room_at_once(room: Path) -> None:
    count = "SELECT count(*) AS n FROM street_case_stats"
    assert run_query(room, count).table.column("n").to_pylist() == [100]
    _replace_with_rows(room, 3)  # the worker that answered keeps the old file open
    assert run_query(room, count).table.column("n").to_pylist() == [3]
    room.unlink()
    with pytest.raises(QueryFailed, match="no data room"):
        run_query(room, count)


def test_a_worker_that_died_while_idle_is_replaced(room: Path) -> None:
    from gateway import room_worker

    count = "SELECT count(*) AS n FROM street_case_stats"
    assert run_query(room, count).table.column("n").to_pylist() == [100]
    idle = list(room_worker._POOL.idle)
    assert idle and any(worker.room == room for worker in idle)
    for worker in idle:
        worker.process.kill()
        worker.process.wait()
    assert run_query(room, count).table.column("n").to_pylist() == [100]
    assert not any(worker in room_worker._POOL.idle for worker in idle)
