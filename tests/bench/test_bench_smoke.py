"""``shuzhi bench --scale 0.005`` completes and reports every stage (never its timings).

A small district (5,000 residents and cases): what is checked here is that each stage runs
and its rows reconcile, never how fast, so more rows would prove nothing more."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.report import DATASETS

pytestmark = pytest.mark.slow
SHUZHI = Path(sys.executable).with_name("shuzhi")
GOVERNED = {"sync", "standardise", "validate", "protect", "tokenise/encrypt", "PII detection"}


@pytest.fixture(scope="module")
def bench(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path_factory.mktemp("bench")
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("SHUZHI_HOME", None)
    done = subprocess.run(
        [
            str(SHUZHI),
            "bench",
            "--scale",
            "0.005",
            "--out",
            str(out),
            "--crypto-values",
            "4000",
            "--audit-events",
            "3000",
            "--startup-runs",
            "1",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    return done, out


def test_bench_completes_and_writes_json_chart_and_table(bench) -> None:
    done, out = bench
    assert done.returncode == 0, done.stderr[-3000:]
    assert (out / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Governed / floor per source" in done.stdout and "Targets" in done.stdout


def test_every_stage_is_reported_for_every_source(bench) -> None:
    _, out = bench
    report = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    assert report["sizes"] == {
        "residents": 5_000,
        "enterprises": 500,
        "cases": 5_000,
        "assistance": 250,
    }
    stages = report["stages"]
    for dataset in DATASETS:
        names = {s["name"] for s in stages if s["dataset"] == dataset and s["group"] == "governed"}
        assert names == GOVERNED, dataset
        [floor] = [s for s in stages if s["dataset"] == dataset and s["group"] == "floor"]
        assert floor["rows"] > 0
        assert dataset in report["ratios"]
    groups = {s["group"] for s in stages}
    assert groups == {
        "floor", "dlt", "governed", "query", "incremental", "pii", "crypto", "audit", "startup",
    }  # fmt: skip
    [verified] = [s for s in stages if s["group"] == "audit" and s["name"].startswith("verify")]
    assert verified["rows"] == 3_000
    names = {s["name"] for s in stages}
    assert {"products", "data room (one street)", "street query (gateway)"} <= names
    assert {
        "PII detection (shuzhi, all cores)",
        "PII detection (shuzhi, 1 core)",
        "PII detection (plain Presidio batch)",
    } <= names
    for stage in stages:
        if stage["group"] == "pii":
            # Speed is compared at equal recall: the findings must be the same.
            assert "identical to plain Presidio" in stage["note"], stage
    crypto = [s for s in stages if s["group"] == "crypto"]
    assert len(crypto) == 12  # seal, open, tokenise × ours, per-row loop × IDs, phones
    for stage in crypto:
        assert stage["rows"] == 4_000
        assert "input" in stage["note"] or "tokens identical" in stage["note"], stage
    assert set(report["crypto"]) == {"resident_id", "phone"}
    for stage in stages:
        assert stage["seconds"] >= 0 and stage["peak_rss_mb"] > 0


def test_governed_rows_reconcile_with_the_floor(bench) -> None:
    """The governed sync reads exactly the rows the plain read loads: nothing skipped."""
    _, out = bench
    stages = json.loads((out / "bench.json").read_text(encoding="utf-8"))["stages"]
    for dataset in DATASETS:
        [floor] = [s for s in stages if s["dataset"] == dataset and s["group"] == "floor"]
        [sync] = [s for s in stages if s["dataset"] == dataset and s["name"] == "sync"]
        assert sync["rows"] == floor["rows"], dataset


def test_dlt_loads_the_same_population_rows_as_the_floor(bench) -> None:
    _, out = bench
    report = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    [floor] = [
        s for s in report["stages"] if s["dataset"] == "population" and s["group"] == "floor"
    ]
    loads = [s for s in report["stages"] if s["group"] == "dlt"]
    assert {s["name"] for s in loads} == {
        "dlt sql_database (pyarrow)",
        "dlt sql_database (sqlalchemy)",
    }
    assert all(s["rows"] == floor["rows"] for s in loads)
    assert set(report["dlt"]) == {"population"}
    assert "population: governed/dlt plain load" in {t["target"] for t in report["targets"]}


def test_startup_times_each_command_a_person_types(bench) -> None:
    _, out = bench
    report = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    startup = {s["name"]: s for s in report["stages"] if s["group"] == "startup"}
    assert set(startup) == {"shuzhi --help", "shuzhi catalog list", "shuzhi query"}
    assert all(s["rows"] == 1 and s["limit_seconds"] > 0 for s in startup.values())


def test_incremental_reads_only_the_changed_rows(bench) -> None:
    _, out = bench
    stages = json.loads((out / "bench.json").read_text(encoding="utf-8"))["stages"]
    [incremental] = [s for s in stages if s["group"] == "incremental"]
    [floor] = [s for s in stages if s["dataset"] == "population" and s["group"] == "floor"]
    # The bench changes the residents whose person_id % 100 == 7: one in a hundred.
    assert floor["rows"] == 5_000
    assert incremental["rows"] == floor["rows"] // 100
