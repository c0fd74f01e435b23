"""Issue 13: the home's files at rest stay shut.

A copy of the session's demo home, built by the real pipeline (``shuzhi demo``; the
killed writer below changes the copy, the original is left alone). Its lakehouse folder
is copied alone (what a stolen disk or backup holds, without the master key) and plain
DuckDB and SQLite get nothing out of the copy: the catalogue does not attach, no data
file reads, and no byte of any file is a known value or a data file's key. With the key store and master key
the same data reads as ever. Every file of the home is its owner's alone.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from home.layout import Home
from lakehouse.catalogue import CATALOGUE_FILE, METADATA
from lakehouse.extensions import load_extensions, offline_connection
from pipelines.hub import Hub

pytestmark = pytest.mark.slow
HERE = Path(__file__).parent
WAL_MARK = "最低生活保障·仍在日志中"  # committed just before a kill, so only the WAL holds it


@dataclass(frozen=True)
class Known:
    """What whoever holds the master key can read, to look for in the raw bytes."""

    values: frozenset[str]  # plaintext values of the lake (categories, communities, dates)
    file_keys: frozenset[bytes]  # every data and delete file's encryption key
    catalogue_key: bytes


@pytest.fixture(scope="module")
def hub(demo: Any, tmp_path_factory: pytest.TempPathFactory) -> Hub:
    """``demo`` is tests/end_to_end/demo_run.py's DemoRun."""
    return Hub(Home(demo.copy(tmp_path_factory.mktemp("at_rest") / "home").home))


@pytest.fixture(scope="module")
def known(hub: Hub) -> Known:
    with hub.lake() as con:
        categories = _column(con, "SELECT DISTINCT category FROM lake.protected.assistance")
        assert "最低生活保障" in categories
        communities = _column(con, "SELECT DISTINCT community_code FROM lake.raw.assistance")
        births = _column(con, "SELECT DISTINCT birth_date FROM lake.raw.assistance LIMIT 20")
        keys = _column(
            con,
            f"SELECT encryption_key FROM {METADATA}.ducklake_data_file UNION ALL "
            f"SELECT encryption_key FROM {METADATA}.ducklake_delete_file",
        )
    assert len(keys) > 20 and all(keys), "every data file is encrypted under its own key"
    catalogue_key = hub.keystore.catalogue_key(create=False)
    assert catalogue_key is not None
    return Known(
        values=frozenset(categories + [c for c in communities if c] + births + [WAL_MARK]),
        file_keys=frozenset(base64.b64decode(k) for k in keys),
        catalogue_key=catalogue_key,
    )


@pytest.fixture(scope="module")
def copied(hub: Hub, known: Known, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lakehouse folder alone, copied while a killed writer's last commit sits in the WAL."""
    holder = subprocess.Popen(
        [sys.executable, str(HERE / "lake_holder.py"), str(hub.home.root), "--commit", WAL_MARK],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(HERE)},
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    copy = tmp_path_factory.mktemp("stolen") / "lakehouse"
    shutil.copytree(hub.home.lakehouse, copy)
    return copy


def _column(con: duckdb.DuckDBPyConnection, sql: str) -> list[Any]:
    return [row[0] for row in con.execute(sql).fetchall()]


def _files(folder: Path) -> Iterator[Path]:
    return (p for p in sorted(folder.rglob("*")) if p.is_file())


def _plain_duckdb() -> duckdb.DuckDBPyConnection:
    con = offline_connection()
    load_extensions(con, "ducklake", "httpfs", "sqlite_scanner")
    return con


def test_the_copy_holds_the_catalogue_its_wal_and_the_data_files(copied: Path) -> None:
    names = {p.name for p in _files(copied)}
    assert {CATALOGUE_FILE, CATALOGUE_FILE + ".wal"} <= names
    assert sum(name.endswith(".parquet") for name in names) > 20


def test_the_catalogue_does_not_attach_without_its_key(copied: Path) -> None:
    catalogue = copied / CATALOGUE_FILE
    con = _plain_duckdb()
    for attach in (
        f"ATTACH '{catalogue}' AS stolen",
        f"ATTACH '{catalogue}' AS stolen (READ_ONLY)",
        f"ATTACH 'ducklake:{catalogue}' AS stolen (DATA_PATH '{copied / 'data'}/')",
    ):
        with pytest.raises(duckdb.Error, match="encrypted database"):
            con.execute(attach)


def test_no_file_of_the_copy_opens_as_sqlite(copied: Path) -> None:
    con = _plain_duckdb()
    for path in _files(copied):
        if path.stat().st_size == 0:
            continue  # the lock file: nothing to open
        with pytest.raises(sqlite3.DatabaseError):
            sqlite3.connect(f"file:{path}?mode=ro", uri=True).execute(
                "SELECT * FROM sqlite_master"
            ).fetchall()
        with pytest.raises(duckdb.Error, match="not a database"):
            con.execute(f"SELECT * FROM sqlite_scan('{path}', 'ducklake_data_file')").fetchall()


def test_no_data_file_reads_without_the_catalogue(copied: Path) -> None:
    con = _plain_duckdb()
    parquet = [p for p in _files(copied) if p.suffix == ".parquet"]
    for path in parquet:
        with pytest.raises(duckdb.Error, match="encrypted"):
            con.execute(f"SELECT * FROM read_parquet('{path}')").fetchall()


def _needles(known: Known) -> dict[str, bytes]:
    needles = {f"value {v!r}": v.encode("utf-8") for v in known.values}
    for n, key in enumerate(sorted(known.file_keys)):
        needles[f"file key {n}"] = key
        needles[f"file key {n} as base64"] = base64.b64encode(key)
    needles["catalogue key"] = known.catalogue_key
    needles["catalogue key as base64"] = base64.b64encode(known.catalogue_key)
    return needles


def test_no_byte_of_the_copy_is_a_known_value_or_key(copied: Path, known: Known) -> None:
    needles = _needles(known)
    assert len(needles) > 60
    for path in _files(copied):
        blob = path.read_bytes()
        found = [what for what, needle in needles.items() if needle in blob]
        assert not found, f"{path.relative_to(copied)} holds {found[:5]}"


def test_the_same_scan_finds_keys_and_values_in_the_catalogue_once_decrypted(
    copied: Path, known: Known, tmp_path: Path
) -> None:
    """What the encryption hides: written out unencrypted, the catalogue holds every file
    key and, in its statistics, values such as 最低生活保障."""
    con = _plain_duckdb()
    key = base64.b64encode(known.catalogue_key).decode()
    con.execute(f"ATTACH '{copied / CATALOGUE_FILE}' AS meta (ENCRYPTION_KEY ?)", [key])
    con.execute(f"ATTACH '{tmp_path / 'plain.duckdb'}' AS plain")
    con.execute("COPY FROM DATABASE meta TO plain")
    con.close()
    blob = (tmp_path / "plain.duckdb").read_bytes()
    found = {what for what, needle in _needles(known).items() if needle in blob}
    assert "value '最低生活保障'" in found
    assert sum(what.startswith("file key") for what in found) >= len(known.file_keys)


def test_with_the_key_store_the_home_and_the_copy_read_as_ever(
    hub: Hub, copied: Path, known: Known
) -> None:
    with hub.lake() as con:  # the killed writer's commit was replayed from the WAL
        assert _column(con, "SELECT mark FROM lake.meta.held_marks") == [WAL_MARK]
        categories = set(_column(con, "SELECT category FROM lake.protected.assistance"))
    assert "最低生活保障" in categories
    # The copy opens with the catalogue key from the key store (DuckLake recorded the
    # original data path, so the copy is pointed at its own files).
    con = _plain_duckdb()
    key = base64.b64encode(known.catalogue_key).decode()
    con.execute(f"ATTACH '{copied / CATALOGUE_FILE}' AS meta (ENCRYPTION_KEY ?)", [key])
    con.execute(
        f"ATTACH 'ducklake:{copied / CATALOGUE_FILE}' AS copy "
        "(METADATA_CATALOG 'meta', DATA_PATH ?, OVERRIDE_DATA_PATH true)",
        [f"{copied / 'data'}/"],
    )
    assert set(_column(con, "SELECT category FROM copy.protected.assistance")) == categories


def test_every_file_of_the_home_is_private(hub: Hub, copied: Path) -> None:
    """departments/ is spared: it stands in for the departments' own systems."""
    home = hub.home
    seen = {"lakehouse": 0, "rooms": 0, "dagster": 0, "keys": 0, "audit": 0, "state": 0}
    loose = []
    assert stat.S_IMODE(home.root.stat().st_mode) == 0o700
    for folder, dirs, files in os.walk(home.root):
        here = Path(folder)
        if here == home.root:
            dirs.remove("departments")
        else:
            seen[here.relative_to(home.root).parts[0]] += len(files)
        for name in dirs:
            if stat.S_IMODE((here / name).lstat().st_mode) != 0o700:
                loose.append(f"{here / name}/ {stat.S_IMODE((here / name).lstat().st_mode):o}")
        for name in files:
            if stat.S_IMODE((here / name).lstat().st_mode) != 0o600:
                loose.append(f"{here / name} {stat.S_IMODE((here / name).lstat().st_mode):o}")
    assert not loose, loose
    assert all(seen.values()), seen  # every part of the home was there to be checked
