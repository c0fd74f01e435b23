"""bench-workers' report: steps sorted into the pipeline's stages by their asset names, the
two set-ups measured one after the other kept in one table and chart, a set-up measured
again replacing its earlier figures, and the chart's Chinese labels rendered."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from bench.workers import StageFigures, WorkersRun, stage_of, table_lines, write_results
from home.layout import DEFAULT_CONFIG_DIR
from pipelines.definitions import REFRESH_JOB, build_definitions


def test_every_step_of_the_district_lands_in_a_named_stage() -> None:
    job = build_definitions(DEFAULT_CONFIG_DIR).resolve_job_def(REFRESH_JOB)
    stages = {node: stage_of(node) for node in job.graph.node_dict}  # a node is a step
    assert stages["raw_population"] == "sync" and stages["stage_population"] == "standardise"
    assert stages["protected_cases"] == "protect" and stages["merged_cases"] == "merge"
    assert stages["data_rooms"] == "rooms" and stages["street_case_stats"] == "products"
    assert stages["staged_population_check_staged_population"] == "validate"
    assert stages["freshness_population"] == "checks"
    assert set(stages.values()) <= {"sync", "standardise", "validate", "protect", "merge",
                                    "products", "rooms", "checks"}  # fmt: skip


def _run(setup: str, workers: int, seconds: float) -> WorkersRun:
    stage = StageFigures("sync", steps=3, wall_seconds=seconds / 2, step_seconds=seconds,
                         peak_step_mb=300.0)  # fmt: skip
    return WorkersRun(setup, workers, True, seconds, 1000.0 + workers, [f"r{workers}"], [stage])


def test_the_second_set_up_joins_the_first_and_a_rerun_replaces_its_own(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a glyph missing from the font fails the test
        write_results([_run("default", 1, 60.0), _run("default", 2, 50.0)], tmp_path, 1.0)
        write_results([_run("postgres+s3", 2, 40.0)], tmp_path, 1.0)
        _, chart, every = write_results([_run("default", 2, 45.0)], tmp_path, 1.0)
    assert [(r.setup, r.workers, r.seconds) for r in every] == [
        ("default", 1, 60.0),
        ("postgres+s3", 2, 40.0),
        ("default", 2, 45.0),
    ]
    stored = json.loads((tmp_path / "workers.json").read_text(encoding="utf-8"))
    assert len(stored["runs"]) == 3 and chart.stat().st_size > 10_000
    lines = table_lines(every)
    assert len(lines) == 2 + 3 and "| postgres+s3 | 2 | 40.0 |" in lines[3]


def test_figures_of_another_scale_are_not_mixed_in(tmp_path: Path) -> None:
    write_results([_run("default", 1, 60.0)], tmp_path, 0.1)
    _, _, every = write_results([_run("default", 2, 50.0)], tmp_path, 1.0)
    assert [(r.workers, r.seconds) for r in every] == [(2, 50.0)]
