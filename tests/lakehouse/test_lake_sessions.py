"""Lake sessions with a DuckDB-file catalogue: one process at a time, shared within it.

A second process waits for the first (and says who holds the lake when it waits too
long); a nested or concurrent session in the same process joins the open one instead
of waiting for itself; a killed holder lets the next session open at once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from lake_fixtures import OpenLake, temp_lake

from encryption.keystore import KeyStore, open_keystore
from home.layout import Home
from lakehouse.connection import lake_transaction, open_lake
from lakehouse.lake_lock import WAIT_ENV, LakeInUse

HERE = Path(__file__).parent


@pytest.fixture
def lake(tmp_path: Path) -> Iterator[OpenLake]:
    with temp_lake(tmp_path / "home") as opened:
        opened.con.execute("CREATE TABLE lake.meta.visits (n INTEGER)")
    yield opened


def _holder(home: Home, *seconds: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(HERE)}
    holder = subprocess.Popen(
        [sys.executable, str(HERE / "lake_holder.py"), str(home.root), *seconds],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    return holder


def _visits(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM lake.meta.visits").fetchone()
    assert row is not None
    return int(row[0])


def test_a_nested_session_joins_the_open_one_with_transactions_of_its_own(
    lake: OpenLake,
) -> None:
    asked: list[int] = []

    def keys() -> KeyStore:
        asked.append(1)
        return lake.keystore

    with open_lake(lake.home, keystore=keys, wait_s=0) as outer:
        outer.execute("BEGIN TRANSACTION")
        outer.execute("INSERT INTO lake.meta.visits VALUES (1)")
        # The same process again: no wait for its own lock, no second attach of the file.
        with open_lake(lake.home, keystore=keys, wait_s=0) as inner:
            assert _visits(inner) == 0  # the outer transaction is not committed yet
            with lake_transaction(inner):
                inner.execute("INSERT INTO lake.meta.visits VALUES (2)")
        outer.execute("COMMIT")
        assert _visits(outer) == 2  # the inner block left the outer session working
    assert asked == [1]  # the key store is asked for once, when the lake is attached
    with open_lake(lake.home, wait_s=0) as con:
        assert _visits(con) == 2


def test_threads_of_one_process_share_the_open_lake(lake: OpenLake) -> None:
    errors: list[BaseException] = []

    def visit(n: int) -> None:
        try:
            with open_lake(lake.home, wait_s=5) as con, lake_transaction(con):
                con.execute("INSERT INTO lake.meta.visits VALUES (?)", [n])
        except BaseException as error:
            errors.append(error)

    with open_lake(lake.home, wait_s=0) as con:
        workers = [threading.Thread(target=visit, args=(n,)) for n in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert not errors, errors
        assert _visits(con) == 4


def test_another_process_waits_its_turn_then_opens(lake: OpenLake) -> None:
    # The order of events is asserted, not how long anything took: the session opens
    # only after the holder was told to let go, however slow the machine is.
    holder = _holder(lake.home)  # holds the lake until a line arrives on its stdin
    released = threading.Event()
    opened: list[tuple[bool, int]] = []  # (holder released by then, visits)

    def open_when_free() -> None:
        with open_lake(lake.home, wait_s=300) as con:
            opened.append((released.is_set(), _visits(con)))

    opener = threading.Thread(target=open_when_free)
    opener.start()
    try:
        opener.join(timeout=0.5)  # time to try; a busy machine only makes it try later
        assert opener.is_alive() and opened == []  # waiting: the holder has the lake
    finally:
        released.set()
        holder.communicate("\n", timeout=30)
        opener.join(timeout=300)
    assert holder.returncode == 0
    assert opened == [(True, 0)]


def test_waiting_too_long_names_the_holder_and_what_to_do(
    lake: OpenLake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(WAIT_ENV, "0.3")
    holder = _holder(lake.home)
    try:
        with pytest.raises(LakeInUse) as refused, open_lake(lake.home):
            pass
    finally:
        holder.communicate("\n", timeout=30)
    message = str(refused.value)
    assert f"process {holder.pid}" in message and "0.3 s" in message and WAIT_ENV in message
    with open_lake(lake.home, wait_s=0) as con:  # free again once the holder has finished
        assert _visits(con) == 0


def test_a_killed_holder_lets_the_next_session_open_at_once(lake: OpenLake) -> None:
    holder = _holder(lake.home)
    os.kill(holder.pid, signal.SIGKILL)
    assert holder.wait(timeout=30) == -signal.SIGKILL
    with open_lake(lake.home, wait_s=5) as con:
        assert _visits(con) == 0


def test_a_key_store_without_the_catalogue_key_or_with_another_one_is_refused(
    lake: OpenLake, tmp_path: Path
) -> None:
    from encryption.master_key import create_key_file
    from lakehouse.catalogue import LakeCatalogueError

    other = Home(tmp_path / "other").ensure()
    create_key_file(other.keys / "master.key")
    stranger = open_keystore(other.keys)
    with (
        pytest.raises(LakeCatalogueError, match="does not hold; restore the key store"),
        open_lake(lake.home, keystore=lambda: stranger, wait_s=0),
    ):
        pass
    assert stranger.catalogue_key(create=False) is None  # no new key for an existing catalogue
    stranger.catalogue_key(create=True)
    with (
        pytest.raises(LakeCatalogueError, match="does not open with the key in key store"),
        open_lake(lake.home, keystore=lambda: stranger, wait_s=0),
    ):
        pass
    with open_lake(lake.home, wait_s=0) as con:  # the failed attaches released everything
        assert _visits(con) == 0
