"""Several scales in one ``shuzhi bench``: each scale is measured in a process of its own
(peak memory is a process's, and one scale must not carry what another left allocated),
and the memory across scales is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SHUZHI = Path(sys.executable).with_name("shuzhi")


def test_each_scale_runs_in_a_process_of_its_own(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SHUZHI_HOME", "SHUZHI_MASTER_KEY")}
    done = subprocess.run(
        [str(SHUZHI), "bench", "--scale", "0.002,0.003", "--stages", "governed",
         "--out", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    runs = [
        json.loads((tmp_path / f"scale-{s}" / "bench.json").read_text()) for s in ("0.002", "0.003")
    ]
    assert [r["scale"] for r in runs] == [0.002, 0.003]
    processes = {r["machine"]["process"] for r in runs}
    assert len(processes) == 2 and os.getpid() not in processes
    memory = json.loads((tmp_path / "memory.json").read_text())
    assert set(memory["peak_rss_mb"]) == {"0.002", "0.003"}
    assert all(mb > 0 for mb in memory["peak_rss_mb"].values())
