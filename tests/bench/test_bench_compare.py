"""A run against its baseline, and peak memory across scales (synthetic reports, no timings)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.compare import memory_by_scale, ratio_rows, stage_rows, write_comparison_chart


def _run(scale: float, peak: float, standardise: float) -> dict[str, Any]:
    return {
        "scale": scale,
        "stages": [
            {"group": "floor", "dataset": "population", "name": "plain read", "seconds": 4.0,
             "peak_rss_mb": peak * 2},
            {"group": "governed", "dataset": "population", "name": "standardise",
             "seconds": standardise, "peak_rss_mb": peak},
            {"group": "pii", "dataset": "cases", "name": "PII detection (shuzhi, 1 core)",
             "seconds": 1.0, "peak_rss_mb": 9999.0},
        ],
        "ratios": {"population": {"floor_seconds": 4.0, "governed_seconds": standardise,
                                  "ratio": standardise / 4.0}},
        "dlt": {"population": {"dlt_seconds": 20.0}},
    }  # fmt: skip


def test_memory_is_flat_within_fifteen_percent() -> None:
    flat = memory_by_scale([_run(0.1, 1000, 1), _run(1, 1100, 1), _run(3, 1140, 1)])
    assert flat["flat"] and flat["under_limit"]
    assert flat["peak_rss_mb"] == {"0.1": 1000.0, "1": 1100.0, "3": 1140.0}


def test_memory_growing_with_scale_is_not_flat() -> None:
    growing = memory_by_scale([_run(0.1, 600, 1), _run(1, 1300, 1), _run(3, 2600, 1)])
    assert not growing["flat"] and not growing["under_limit"]


def test_only_governed_stages_count_for_memory() -> None:
    """The floor's plain copy and the PII anchor's plain Presidio are not the pipeline's."""
    assert memory_by_scale([_run(1, 1000, 1)])["peak_rss_mb"] == {"1": 1000.0}


def test_before_and_after_per_stage_and_ratio(tmp_path: Path) -> None:
    before, after = _run(1, 1600, 60.0), _run(1, 900, 6.0)
    [row] = [r for r in stage_rows(before, after) if r.stage == "standardise"]
    assert (row.before, row.after, round(row.speedup)) == (60.0, 6.0, 10)
    [ratios] = ratio_rows(before, after)
    assert ratios == ["population", 4.0, 20.0, 60.0, 6.0, 15.0, 1.5, 1600.0, 900.0]
    write_comparison_chart(before, after, tmp_path / "compare.png")
    assert (tmp_path / "compare.png").read_bytes()[:4] == b"\x89PNG"
