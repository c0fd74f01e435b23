"""The benchmark's chart is labelled in Chinese, and every label renders (no glyph missing)."""

from __future__ import annotations

import warnings
from pathlib import Path

from bench.meter import Stage
from bench.report import BenchReport, dataset_labels, write_chart


def test_the_stage_chart_labels_render_in_chinese(tmp_path: Path) -> None:
    stages = [
        Stage("plain read", "floor", "population", seconds=3.6, rows=1000),
        Stage("sync", "governed", "population", seconds=5.3, rows=1000),
        Stage("standardise", "governed", "population", seconds=13.3, rows=1000),
        Stage("PII detection", "governed", "cases", seconds=65.2, rows=600),
        Stage("plain read", "floor", "cases", seconds=2.8, rows=600),
        Stage("seal (seal_column)", "crypto", "phone", seconds=0.2, rows=200_000),
        Stage("seal (per-row loop)", "crypto", "phone", seconds=0.3, rows=200_000),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" fails the test
        write_chart(BenchReport(1.0, 7, {}, stages), tmp_path / "bench.png")
    assert (tmp_path / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert dataset_labels("cases") == ("诉求案件 直接读取（基线）", "诉求案件 治理全流程")
