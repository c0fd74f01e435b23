"""The whole district refreshed as Dagster runs it, on 1, 2, 4… worker processes.

Each run is ``shuzhi run --workers N`` in a process of its own, on a lakehouse made
fresh for it: the default one in the home, or, when ``SHUZHI_LAKE_CONFIG`` names the
scaled-out lakehouse, a new catalogue database and a new prefix in the same bucket, and
a new home database (keys, audit log) as the scaled-out set-up keeps them.
Per stage (sync, standardise, protect, …) the report gives the wall time from its
first step's start to its last step's end, the seconds its steps took together, and
the highest memory of any one of its steps' worker processes; for the whole run, the
wall time and the peak of the run's process tree (workers counted by PSS).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.meter import PeakSampler
from home.layout import Home
from home.shared_home import HOME_DATABASE_ENV
from lakehouse.lake_config import CONFIG_ENV

Say = Callable[[str], None]
SHUZHI = Path(sys.executable).with_name("shuzhi")
# Step key → stage, by the asset names the graph gives (pipelines.definitions).
STAGE_OF_PREFIX = (
    ("raw_", "sync"),
    ("stage_", "standardise"),
    ("staged_", "validate"),  # the staged layer's checks: GX rules, the quarantine ratio
    ("protected_", "protect"),
    ("merged_", "merge"),
    ("data_rooms", "rooms"),
    ("freshness", "checks"),
)
STAGE_ZH = {
    "sync": "同步",
    "standardise": "标准化",
    "validate": "质量校验",
    "protect": "保护",
    "merge": "合并",
    "products": "数据产品",
    "rooms": "数据室",
    "checks": "检查",
}


@dataclass
class StageFigures:
    stage: str
    steps: int = 0
    wall_seconds: float = 0.0  # first step's start to last step's end
    step_seconds: float = 0.0  # the steps' own seconds, added up
    peak_step_mb: float = 0.0  # the most any one step's worker held


@dataclass
class WorkersRun:
    setup: str
    workers: int
    success: bool
    seconds: float
    peak_tree_mb: float
    run_ids: list[str]
    stages: list[StageFigures] = field(default_factory=list)


def stage_of(step_key: str) -> str:
    for prefix, stage in STAGE_OF_PREFIX:
        if step_key.startswith(prefix):
            return stage
    return "products"


def workers_runs(home: Home, counts: list[int], env: dict[str, str], say: Say) -> list[WorkersRun]:
    """One whole-district run per worker count, each on a fresh lakehouse."""
    setup = "postgres+s3" if os.environ.get(CONFIG_ENV) else "default"
    runs = []
    for workers in counts:
        with _fresh_lake(home, workers) as lake_env:
            say(f"{setup}: the whole district on {workers} worker(s)…")
            run = _one_run(home, setup, workers, {**os.environ, **env, **lake_env})
        say(
            f"{setup}: {workers} worker(s): {run.seconds:.1f}s, peak {run.peak_tree_mb:,.0f} MiB"
            + ("" if run.success else " (FAILED)")
        )
        runs.append(run)
    return runs


@contextmanager
def _fresh_lake(home: Home, workers: int) -> Iterator[dict[str, str]]:
    """An empty lakehouse for one run: the home's own, or a new catalogue database and a
    new prefix of the scaled-out lakehouse (its database dropped afterwards)."""
    for folder in (home.lakehouse, home.rooms):
        shutil.rmtree(folder, ignore_errors=True)
    home.ensure()
    config = os.environ.get(CONFIG_ENV)
    if not config:
        yield {}
        return
    import psycopg

    settings = yaml.safe_load(Path(config).read_text(encoding="utf-8"))
    pg = settings["catalog"]["postgres"]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    database = f"{pg['database']}_w{workers}_{stamp}"
    settings["catalog"]["postgres"]["database"] = database
    settings["storage"]["s3"]["prefix"] = (
        f"{settings['storage']['s3'].get('prefix', '')}w{workers}-{stamp}/"
    )
    server = f"host={pg['host']} port={pg.get('port', 5432)} user={pg['user']}"
    # The home's shared part (keys, audit log) in a database of its own, as a district runs it.
    home_database = f"{database}_home"
    with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as con:
        for name in (database, home_database):
            con.execute(f'CREATE DATABASE "{name}"')
    per_run = home.root / f"lake-w{workers}.yaml"
    per_run.write_text(yaml.safe_dump(settings), encoding="utf-8")
    try:
        yield {CONFIG_ENV: str(per_run), HOME_DATABASE_ENV: f"{server} dbname={home_database}"}
    finally:
        with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as con:
            for name in (database, home_database):
                con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _one_run(home: Home, setup: str, workers: int, env: dict[str, str]) -> WorkersRun:
    command = [str(SHUZHI), "run", "--workers", str(workers), "--json"]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    with PeakSampler(process.pid) as sampler:
        out, _ = process.communicate()
    seconds = time.perf_counter() - started
    outcome: dict[str, Any] = json.loads(out) if out.strip() else {"success": False, "run_id": ""}
    run_ids = [outcome["run_id"], *outcome.get("retry_run_ids", [])]
    if outcome.get("rebuild_run_id"):
        run_ids.append(outcome["rebuild_run_id"])
    run = WorkersRun(
        setup, workers, bool(outcome["success"]), seconds, sampler.peak / 2**20, run_ids
    )
    run.stages = _stage_figures(home, [r for r in run_ids if r], sampler.peaks_by_pid)
    return run


def _stage_figures(home: Home, run_ids: list[str], peaks: dict[int, int]) -> list[StageFigures]:
    """Per stage, from the runs' step events in the home's Dagster instance."""
    from dagster import DagsterEventType, DagsterInstance

    kinds = {DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS,
             DagsterEventType.STEP_FAILURE}  # fmt: skip
    steps: dict[tuple[str, str], dict[str, Any]] = {}
    os.environ["DAGSTER_HOME"] = str(home.dagster)
    with DagsterInstance.get() as instance:
        for run_id in run_ids:
            for entry in instance.all_logs(run_id, of_type=kinds):
                event = entry.dagster_event
                if event is None or event.step_key is None:
                    continue
                step = steps.setdefault((run_id, event.step_key), {"pid": event.pid})
                if event.event_type == DagsterEventType.STEP_START:
                    step["began"] = entry.timestamp
                    step["pid"] = event.pid
                else:
                    step["ended"] = entry.timestamp
    figures: dict[str, StageFigures] = {}
    spans: dict[str, list[float]] = {}
    for (_, key), step in steps.items():
        if "began" not in step or "ended" not in step:
            continue
        name = stage_of(key)
        stage = figures.setdefault(name, StageFigures(name))
        stage.steps += 1
        stage.step_seconds += step["ended"] - step["began"]
        stage.peak_step_mb = max(stage.peak_step_mb, peaks.get(step["pid"], 0) / 2**20)
        span = spans.setdefault(name, [step["began"], step["ended"]])
        span[0], span[1] = min(span[0], step["began"]), max(span[1], step["ended"])
    for name, (began, ended) in spans.items():
        figures[name].wall_seconds = ended - began
    order = list(STAGE_ZH)
    return sorted(figures.values(), key=lambda s: order.index(s.stage))


def write_results(
    runs: list[WorkersRun], out: Path, scale: float
) -> tuple[Path, Path, list[WorkersRun]]:
    """Write the runs with those of the other set-up measured earlier at the same scale in
    the same folder (run once without, once with SHUZHI_LAKE_CONFIG: one table and chart)."""
    out.mkdir(parents=True, exist_ok=True)
    data = out / "workers.json"
    every = [*_earlier_runs(data, scale, {(r.setup, r.workers) for r in runs}), *runs]
    data.write_text(
        json.dumps({"scale": scale, "runs": [asdict(r) for r in every]}, indent=2),
        encoding="utf-8",
    )
    chart = out / "workers.png"
    _chart(every, chart, scale)
    return data, chart, every


def _earlier_runs(data: Path, scale: float, replaced: set[tuple[str, int]]) -> list[WorkersRun]:
    if not data.exists():
        return []
    earlier = json.loads(data.read_text(encoding="utf-8"))
    if earlier.get("scale") != scale:
        return []
    kept = []
    for raw in earlier["runs"]:
        if (raw["setup"], raw["workers"]) in replaced:
            continue
        stages = [StageFigures(**stage) for stage in raw.pop("stages")]
        kept.append(WorkersRun(**raw, stages=stages))
    return kept


def table_lines(runs: list[WorkersRun]) -> list[str]:
    lines = [
        "| set-up | workers | whole run s | peak MiB | "
        + " | ".join(f"{s} s (step s, MiB)" for s in STAGE_ZH)
        + " |",
        "|---|---|---|---|" + "---|" * len(STAGE_ZH),
    ]
    for run in runs:
        by_stage = {s.stage: s for s in run.stages}
        cells = [
            f"{s.wall_seconds:.1f} ({s.step_seconds:.1f}, {s.peak_step_mb:,.0f})"
            if (s := by_stage.get(name))
            else "–"
            for name in STAGE_ZH
        ]
        status = "" if run.success else " FAILED"
        lines.append(
            f"| {run.setup} | {run.workers}{status} | {run.seconds:.1f} | "
            f"{run.peak_tree_mb:,.0f} | " + " | ".join(cells) + " |"
        )
    return lines


def _chart(runs: list[WorkersRun], path: Path, scale: float) -> None:
    """The whole run's time and peak memory per set-up and worker count, in Chinese."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from charts.draw import chart_style
    from charts.fonts import cjk_family

    setup_zh = {"default": "单机默认", "postgres+s3": "分布式"}
    labels = [f"{setup_zh.get(r.setup, r.setup)}\n{r.workers} 进程" for r in runs]
    with chart_style(cjk_family()):
        fig, (time_ax, memory_ax) = plt.subplots(1, 2, figsize=(13, 4.8))
        time_ax.bar(labels, [r.seconds for r in runs], color="#3b6ea5")
        time_ax.set_ylabel("全程耗时（秒）")
        time_ax.set_title("全区刷新耗时")
        memory_ax.bar(labels, [r.peak_tree_mb for r in runs], color="#c07a2c")
        memory_ax.set_ylabel("峰值内存（MiB，工作进程按 PSS 计）")
        memory_ax.set_title("进程树峰值内存")
        fig.suptitle(f"数治全区刷新：工作进程数对比（规模 {scale:g}）")
        fig.tight_layout()
        fig.savefig(path, dpi=120)
        plt.close(fig)
