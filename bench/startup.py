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
import tempfile
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


def _time_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one run: output to files, so the child is reaped
    by ``wait4``, which gives its own resource usage."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(argv, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            err.seek(0)
            said = err.read().decode(errors="replace").strip()[-400:]
            raise RuntimeError(f"{' '.join(argv[:3])} failed: {said}")
    return seconds, usage.ru_maxrss / 1024


def startup_stages(hub: Hub, runs: int = RUNS) -> list[Stage]:
    env = {**os.environ, "SHUZHI_HOME": str(hub.home.root)}
    stages = []
    for name, argv in commands().items():
        _time_once(argv, env)  # the file cache, alike for every command
        runs_done = [_time_once(argv, env) for _ in range(runs)]
        times = [seconds for seconds, _ in runs_done]
        stage = Stage(name, "startup")
        stage.peak_rss_mb = max(peak for _, peak in runs_done)
        stage.seconds = statistics.median(times)
        stage.rows = runs
        stage.note = f"median of {runs} new processes"
        stage.extra["mean_seconds"] = statistics.fmean(times)
        stage.extra["max_seconds"] = max(times)
        stage.extra["limit_seconds"] = LIMITS[name]
        stages.append(stage)
    return stages
