"""At the command line, a lakehouse that cannot be opened as it is says why in one line."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from encryption.master_key import create_key_file
from home.layout import Home

SHUZHI = Path(sys.executable).with_name("shuzhi")
LAKE_HOLDER = """
import sys
from pathlib import Path
from home.layout import Home
from lakehouse.connection import open_lake
with open_lake(Home(Path(sys.argv[1]))):
    print("holding", flush=True)
    sys.stdin.readline()
"""


def _run(home: Home, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "SHUZHI_HOME": str(home.root), **env}
    for name in ("SHUZHI_DEBUG", "SHUZHI_MASTER_KEY", "SHUZHI_LAKE_CATALOG"):
        full_env.pop(name, None)
    return subprocess.run(
        [str(SHUZHI), *args], env=full_env, capture_output=True, text=True, timeout=120, check=False
    )


def _home(tmp_path: Path) -> Home:
    home = Home(tmp_path / "home").ensure()
    create_key_file(home.keys / "master.key")
    return home


def test_a_lakehouse_made_by_an_older_version_is_one_line_saying_rebuild(tmp_path: Path) -> None:
    home = _home(tmp_path)
    sqlite3.connect(home.lakehouse / "catalog.sqlite").close()
    done = _run(home, "catalog", "list")
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("error: the lakehouse in ") and "unexpected" not in done.stderr
    assert "older version" in done.stderr and "sync every source again" in done.stderr


def test_a_lakehouse_another_process_keeps_open_too_long_is_one_line_naming_it(
    tmp_path: Path,
) -> None:
    home = _home(tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", LAKE_HOLDER, str(home.root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        done = _run(home, "catalog", "list", SHUZHI_LAKE_WAIT_SECONDS="0.2")
    finally:
        holder.communicate("\n", timeout=30)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert f"in use by process {holder.pid}" in done.stderr and "unexpected" not in done.stderr
    assert _run(home, "catalog", "list").returncode == 0  # free once the holder has finished
