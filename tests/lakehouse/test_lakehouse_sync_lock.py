"""Two syncs of one source never both run; a killed sync never leaves the source stuck."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lakehouse.sync_lock import SyncInProgress, busy_sources, sync_lock

HOLDER = """
import sys
from pathlib import Path
from lakehouse.sync_lock import sync_lock
with sync_lock(Path(sys.argv[1]), "ps_population"):
    print("holding", flush=True)
    sys.stdin.readline()
"""


def _hold(state: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(state)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    return holder


def test_a_second_sync_of_the_same_source_refuses_naming_the_first(tmp_path: Path) -> None:
    holder = _hold(tmp_path)
    try:
        with pytest.raises(SyncInProgress) as refused, sync_lock(tmp_path, "ps_population"):
            pass
        message = str(refused.value)
        assert f"process {holder.pid}" in message and "did not start" in message
        assert busy_sources(tmp_path) == ["ps_population"]
    finally:
        holder.communicate("\n", timeout=10)
    with sync_lock(tmp_path, "ps_population"):
        pass  # free again once the first has finished


def test_another_source_syncs_at_the_same_time(tmp_path: Path) -> None:
    holder = _hold(tmp_path)
    try:
        with sync_lock(tmp_path, "hl_cases"):
            assert busy_sources(tmp_path) == ["hl_cases", "ps_population"]
    finally:
        holder.communicate("\n", timeout=10)


def test_a_killed_sync_releases_its_source(tmp_path: Path) -> None:
    holder = _hold(tmp_path)
    holder.kill()
    holder.wait(timeout=10)
    with sync_lock(tmp_path, "ps_population"):
        assert busy_sources(tmp_path) == ["ps_population"]
    assert busy_sources(tmp_path) == []
