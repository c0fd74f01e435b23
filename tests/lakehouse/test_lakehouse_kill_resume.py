"""A sync killed with SIGKILL midway leaves nothing visible; the rerun loses and doubles nothing."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from encryption.master_key import create_key_file
from home.layout import DEFAULT_CONFIG_DIR, Home
from lakehouse.connection import open_lake, table_exists

pytestmark = pytest.mark.slow
HERE = Path(__file__).parent
COLUMNS = [
    "person_id",
    "name",
    "id_number",
    "sex",
    "birth_date",
    "phone",
    "reg_type",
    "household_no",
    "relation",
    "street_code",
    "community_code",
    "grid_code",
    "address",
    "move_in_date",
    "updated_at",
]


def _write_registry(path: Path, first: int, count: int, day: str) -> None:
    import datetime as dt

    from identifiers.resident_id import make

    db = sqlite3.connect(path)
    db.execute(f"CREATE TABLE IF NOT EXISTS residents ({', '.join(c + ' TEXT' for c in COLUMNS)})")
    rows = []
    for n in range(first, first + count):
        born = dt.date(1950, 1, 1) + dt.timedelta(days=n % 20000)
        ident = make("440305", born, n % 1000)
        rows.append(
            [
                str(n),
                "张三",
                ident,
                "男" if (n % 1000) % 2 else "女",
                born.isoformat(),
                f"138{n:08d}",
                "户籍",
                f"01{n:07d}",
                "户主",
                "440399001",
                "440399001002",
                "440399001002001",
                "示范区某路1号",
                "2020-01-01",
                f"{day} {n % 24:02d}:00:00",
            ]
        )
    db.executemany(f"INSERT INTO residents VALUES ({', '.join('?' * len(COLUMNS))})", rows)
    db.commit()
    db.close()


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Home, Path, Path]:
    home = Home(tmp_path / "home").ensure()
    create_key_file(home.keys / "master.key")
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    registry = tmp_path / "population.sqlite"
    dept = config / "departments" / "public_security.yaml"
    data = yaml.safe_load(dept.read_text())
    data["sources"][0]["connection"]["path"] = str(registry)
    data["sources"][0]["batch_rows"] = 1000
    dept.write_text(yaml.safe_dump(data, allow_unicode=True))
    return home, config, registry


def _sync(home: Home, config: Path, marker: Path, *, kill: bool, full: bool = False) -> int:
    args = [
        sys.executable,
        str(HERE / "killable_sync.py"),
        str(home.root),
        str(config),
        str(marker),
    ] + (["--full"] if full else [])
    proc = subprocess.Popen(args, env={**os.environ, "PYTHONPATH": str(HERE)})
    if not kill:
        return proc.wait(timeout=300)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, "the sync finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    return proc.wait(timeout=30)


def _raw_state(home: Home) -> tuple[int, int, int]:
    with open_lake(home) as con:
        if not table_exists(con, "raw", "population"):
            return 0, 0, 0
        counts = con.execute(
            "SELECT count(*), count(DISTINCT _source_pos) FROM lake.raw.population"
        ).fetchone()
        batches = con.execute("SELECT count(*) FROM lake.meta.batches").fetchone()
    assert counts is not None and batches is not None
    return counts[0], counts[1], batches[0]


def test_killed_full_sync_leaves_nothing_and_rerun_loads_everything_once(setup, tmp_path) -> None:
    home, config, registry = setup
    _write_registry(registry, 1, 12_000, "2026-11-01")

    assert _sync(home, config, tmp_path / "m1", kill=True) == -signal.SIGKILL
    assert _raw_state(home) == (0, 0, 0)  # no partial batch is visible

    assert _sync(home, config, tmp_path / "m2", kill=False) == 0
    assert _raw_state(home) == (12_000, 12_000, 1)


def test_killed_incremental_sync_resumes_from_last_committed_watermark(setup, tmp_path) -> None:
    home, config, registry = setup
    _write_registry(registry, 1, 4_000, "2026-11-01")
    assert _sync(home, config, tmp_path / "m1", kill=False) == 0
    assert _raw_state(home) == (4_000, 4_000, 1)

    _write_registry(registry, 4_001, 8_000, "2026-11-02")  # newer updated_at
    assert _sync(home, config, tmp_path / "m2", kill=True) == -signal.SIGKILL
    assert _raw_state(home) == (4_000, 4_000, 1)  # the killed batch left nothing

    assert _sync(home, config, tmp_path / "m3", kill=False) == 0
    rows, distinct, batches = _raw_state(home)
    assert (rows, distinct, batches) == (12_000, 12_000, 2)  # every new row exactly once


def _data_files(home: Home) -> set[Path]:
    return set((home.lakehouse / "data").rglob("*.parquet"))


def test_vacuum_removes_the_files_a_killed_sync_left_and_keeps_committed_ones(
    setup, tmp_path
) -> None:
    from lakehouse.vacuum import vacuum

    home, config, registry = setup
    _write_registry(registry, 1, 4_000, "2026-11-01")
    assert _sync(home, config, tmp_path / "m1", kill=False) == 0
    committed = _data_files(home)
    _write_registry(registry, 4_001, 8_000, "2026-11-02")
    assert _sync(home, config, tmp_path / "m2", kill=True) == -signal.SIGKILL
    orphans = _data_files(home) - committed
    assert orphans, "the killed sync wrote data files before it was killed"

    with open_lake(home) as con:
        listed = vacuum(con, home.state, older_than=dt.timedelta(0), dry_run=True)
        assert {Path(p).name for p in listed.files} == {p.name for p in orphans}
        assert _data_files(home) - committed == orphans  # a dry run deletes nothing
        vacuum(con, home.state, older_than=dt.timedelta(0))
    assert _data_files(home) == committed
    assert _raw_state(home) == (4_000, 4_000, 1)  # what was committed still reads


def test_vacuum_refuses_while_a_sync_is_running(setup) -> None:
    from lakehouse.sync_lock import sync_lock
    from lakehouse.vacuum import LakeBusy, vacuum

    home, _, _ = setup
    with (
        sync_lock(home.state, "ps_population"),
        open_lake(home) as con,
        pytest.raises(LakeBusy, match="ps_population"),
    ):
        vacuum(con, home.state)
