"""Which stages run, and how the report turns stages into ratios and targets."""

from __future__ import annotations

import pytest

from bench.meter import Stage
from bench.report import BenchReport
from bench.run import plan


def test_prerequisites_run_but_are_not_reported() -> None:
    report, run = plan(["query"])
    assert report == {"query"}
    assert run == {"query", "room", "products", "governed"}


def test_unknown_stage_is_named() -> None:
    with pytest.raises(ValueError, match=r"unknown stage.*nope"):
        plan(["floor", "nope"])


def _report(*stages: Stage) -> BenchReport:
    return BenchReport(1.0, 7, {}, list(stages))


def test_ratio_is_all_governed_stages_over_the_floor() -> None:
    report = _report(
        Stage("plain read", "floor", "population", seconds=2.0),
        Stage("sync", "governed", "population", seconds=3.0),
        Stage("tokenise/encrypt", "governed", "population", seconds=1.0),
    )
    assert report.ratios()["population"]["ratio"] == 2.0
    [target] = [t for t in report.targets() if t["target"] == "population: governed/floor"]
    assert target["met"] is True


def test_missed_targets_are_marked() -> None:
    slow_query = _report(
        Stage("street query (gateway)", "query", seconds=0.5),
        Stage("street query (plain)", "query", seconds=0.1),
        Stage("x", "governed", peak_rss_mb=4096),
    )
    met = {t["target"]: t["met"] for t in slow_query.targets()}
    assert met["street query gateway/plain"] is False
    assert met["governed peak RSS (MiB)"] is False


def test_no_governed_stage_no_memory_verdict() -> None:
    """A floor-only run judged nothing: it must not show the memory target as met."""
    floor_only = _report(Stage("plain read", "floor", "population", seconds=1.0))
    assert "governed peak RSS (MiB)" not in {t["target"] for t in floor_only.targets()}
    governed = _report(Stage("sync", "governed", "population", peak_rss_mb=900))
    met = {t["target"]: t["met"] for t in governed.targets()}
    assert met["governed peak RSS (MiB)"] is True
