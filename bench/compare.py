"""Side by side: this run against a baseline run, and the peak memory across scales.

Both read the ``bench.json`` files ``shuzhi bench`` writes, so a baseline kept in
``bench/results/`` (or any earlier run) compares with today's on the same terms:
seconds per governed stage and dataset, governed/floor ratios, peak memory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.labels_zh import DATASET_ZH, STAGE_ZH

# Issue 19: peak memory within 15% across scales, and under 2 GiB.
FLAT_TOLERANCE = 0.15
PEAK_LIMIT_MB = 2048.0


@dataclass(frozen=True)
class Row:
    dataset: str
    stage: str
    before: float
    after: float

    @property
    def speedup(self) -> float:
        return self.before / self.after if self.after else 0.0


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _seconds(run: dict[str, Any]) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    for s in run["stages"]:
        if s["group"] in ("floor", "governed") and s.get("dataset"):
            key = (s["dataset"], s["name"])
            out[key] = out.get(key, 0.0) + float(s["seconds"])
    return out


def stage_rows(before: dict[str, Any], after: dict[str, Any]) -> list[Row]:
    """Each (dataset, stage) both runs measured, in the order of the newer run."""
    old, new = _seconds(before), _seconds(after)
    return [Row(d, n, old[(d, n)], new[(d, n)]) for (d, n) in new if (d, n) in old]


def ratio_rows(before: dict[str, Any], after: dict[str, Any]) -> list[list[Any]]:
    """Per dataset: floor, dlt, governed and governed/floor before and after, peak memory."""
    rows = []
    dlt = after.get("dlt", {})
    for dataset, new in after.get("ratios", {}).items():
        old = before.get("ratios", {}).get(dataset, {})
        rows.append(
            [
                dataset,
                new["floor_seconds"],
                dlt.get(dataset, {}).get("dlt_seconds"),
                old.get("governed_seconds"),
                new["governed_seconds"],
                old.get("ratio"),
                new["ratio"],
                peak_of(before, dataset),
                peak_of(after, dataset),
            ]
        )
    return rows


def peak_of(run: dict[str, Any], dataset: str | None = None) -> float:
    """The governed path's peak memory (the floor is a plain copy, not ours to keep flat)."""
    return max(
        (
            float(s["peak_rss_mb"])
            for s in run["stages"]
            if s["group"] == "governed" and (dataset is None or s["dataset"] == dataset)
        ),
        default=0.0,
    )


def memory_by_scale(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Peak memory of the governed stages per scale, and whether it stays flat."""
    peaks: dict[str, float] = {str(run["scale"]): round(peak_of(run), 1) for run in runs}
    values: list[float] = list(peaks.values())
    lowest, highest = min(values, default=0.0), max(values, default=0.0)
    spread = (highest - lowest) / lowest if lowest else 0.0
    return {
        "peak_rss_mb": peaks,
        "spread": round(spread, 3),
        "flat": spread <= FLAT_TOLERANCE,
        "under_limit": highest <= PEAK_LIMIT_MB,
    }


def print_comparison(before: dict[str, Any], after: dict[str, Any]) -> None:
    from cli.output import print_table

    print_table(
        f"Before ({before.get('date', 'baseline')}) and after, scale {after['scale']}",
        [
            "dataset",
            "floor s",
            "dlt s",
            "governed s before",
            "governed s after",
            "ratio before",
            "ratio after",
            "peak MiB before",
            "peak MiB after",
        ],
        ratio_rows(before, after),
    )
    print_table(
        "Per stage: seconds before and after",
        ["dataset", "stage", "before s", "after s", "speed-up"],
        [
            [r.dataset, r.stage, f"{r.before:.2f}", f"{r.after:.2f}", f"{r.speedup:.1f}×"]
            for r in stage_rows(before, after)
        ],
    )


def write_comparison_chart(before: dict[str, Any], after: dict[str, Any], path: Path) -> None:
    """Grouped bars: seconds of each governed stage before and after, per dataset (Chinese)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from charts.draw import chart_style
    from charts.fonts import cjk_family

    rows = [r for r in stage_rows(before, after) if r.stage != "plain read"]
    labels = [
        f"{DATASET_ZH.get(r.dataset, r.dataset)} {STAGE_ZH.get(r.stage, r.stage)}" for r in rows
    ]
    with chart_style(cjk_family()):
        fig, ax = plt.subplots(figsize=(10, 1.2 + 0.45 * len(rows)))
        y = [2 * i for i in range(len(rows))]
        ax.barh(
            [v - 0.4 for v in y],
            [r.before for r in rows],
            height=0.8,
            color="#999999",
            label="优化前",
        )
        ax.barh(
            [v + 0.4 for v in y],
            [r.after for r in rows],
            height=0.8,
            color="#1f77b4",
            label="优化后",
        )
        for position, row in zip(y, rows, strict=True):
            ax.annotate(
                f" {row.speedup:.1f}×", (row.after, position + 0.4), va="center", fontsize="small"
            )
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.set_xlabel("秒（越短越好）")
        ax.set_title(f"治理各环节耗时：优化前后对比（规模 {after['scale']}）")
        ax.legend(loc="lower right")
        fig.tight_layout()
        fig.savefig(path, dpi=120)
        plt.close(fig)


def write_memory_chart(memory: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from charts.draw import chart_style
    from charts.fonts import cjk_family

    peaks = memory["peak_rss_mb"]
    with chart_style(cjk_family()):
        fig, ax = plt.subplots(figsize=(7, 4))
        ax.bar([f"规模 {s}" for s in peaks], list(peaks.values()), color="#1f77b4")
        ax.axhline(PEAK_LIMIT_MB, color="#d62728", linestyle="--", label="上限 2 GiB")
        ax.set_ylabel("峰值内存（MiB）")
        ax.set_title(f"各规模峰值内存（相差 {memory['spread']:.0%}，目标 ≤ 15%）")
        ax.legend(loc="lower right")
        fig.tight_layout()
        fig.savefig(path, dpi=120)
        plt.close(fig)
