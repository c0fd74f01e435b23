"""Start-up: how long a person waits for a command, end to end, as a new process.

Each command runs once to warm the file cache, then ``RUNS`` times; the stage
reports the median and keeps the mean and the slowest. The query is the street
office's own, in its data room, through the console script as a person types it.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.extras import STREET_OFFICE, STREET_QUERY
from bench.meter import Stage
from pipelines.hub import Hub

RUNS = 10
HELP = "shuzhi --help"
CATALOG_LIST = "shuzhi catalog list"
QUERY = "shuzhi query"
# Issue 19's limits, in seconds.
LIMITS = {HELP: 0.5, CATALOG_LIST: 1.5, QUERY: 1.5}


def shuzhi_command() -> list[str]:
    """The console script beside this Python, as installed by ``make install``."""
    script = Path(sys.executable).with_name("shuzhi")
    return [str(script)] if script.exists() else [shutil.which("shuzhi") or "shuzhi"]


def commands() -> dict[str, list[str]]:
    shuzhi = shuzhi_command()
    return {
        HELP: [*shuzhi, "--help"],
        CATALOG_LIST: [*shuzhi, "catalog", "list"],
        QUERY: [
            *shuzhi,
            "query",
            "--as",
            STREET_OFFICE,
            "--purpose",
            "street_governance",
            STREET_QUERY,
        ],
    }


def _time_once(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])} failed: {done.stderr.strip()[-400:]}")
    return seconds


def startup_stages(hub: Hub, runs: int = RUNS) -> list[Stage]:
    env = {**os.environ, "SHUZHI_HOME": str(hub.home.root)}
    stages = []
    for name, argv in commands().items():
        _time_once(argv, env)  # the file cache, alike for every command
        times = [_time_once(argv, env) for _ in range(runs)]
        stage = Stage(name, "startup")
        stage.seconds = statistics.median(times)
        stage.rows = runs
        stage.note = f"median of {runs} new processes"
        stage.extra["mean_seconds"] = statistics.fmean(times)
        stage.extra["max_seconds"] = max(times)
        stage.extra["limit_seconds"] = LIMITS[name]
        stages.append(stage)
    return stages
