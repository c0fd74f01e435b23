"""The benchmark report: JSON for machines, a table for the terminal, a chart for people."""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from bench.meter import Stage

DATASETS = ("population", "enterprises", "cases", "assistance")
STRUCTURED = ("population", "enterprises")
TARGET_STRUCTURED_RATIO = 3.0
TARGET_INCREMENTAL_SHARE = 0.05
TARGET_QUERY_RATIO = 1.2
TARGET_PEAK_MB = 2048
# "Several times faster" than plain Presidio batch analysis, at identical findings.
TARGET_PII_SPEEDUP = 3.0


@dataclass
class BenchReport:
    scale: float
    seed: int
    sizes: dict[str, int]
    stages: list[Stage] = field(default_factory=list)

    def of(self, group: str, dataset: str | None = None) -> list[Stage]:
        return [
            s for s in self.stages if s.group == group and (dataset is None or s.dataset == dataset)
        ]

    def ratios(self) -> dict[str, dict[str, float]]:
        out = {}
        for dataset in DATASETS:
            floor = sum(s.seconds for s in self.of("floor", dataset))
            governed = sum(s.seconds for s in self.of("governed", dataset))
            if floor and governed:
                out[dataset] = {
                    "floor_seconds": round(floor, 3),
                    "governed_seconds": round(governed, 3),
                    "ratio": round(governed / floor, 2),
                }
        return out

    def targets(self) -> list[dict[str, object]]:
        checks: list[dict[str, object]] = []
        for dataset, r in self.ratios().items():
            if dataset in STRUCTURED:
                checks.append(
                    _target(f"{dataset}: governed/floor", r["ratio"], TARGET_STRUCTURED_RATIO, "×")
                )
        for s in self.of("incremental"):
            checks.append(
                _target(
                    "incremental / full sync",
                    s.extra["share_of_full"],
                    TARGET_INCREMENTAL_SHARE,
                    "",
                )
            )
        query = {s.name: s.seconds for s in self.of("query")}
        if len(query) == 2:
            ratio = query["street query (gateway)"] / query["street query (plain)"]
            checks.append(_target("street query gateway/plain", ratio, TARGET_QUERY_RATIO, "×"))
        peak = max((s.peak_rss_mb for s in self.stages), default=0.0)
        checks.append(_target("peak RSS (MiB)", peak, TARGET_PEAK_MB, ""))
        pii = {s.name: s.rows_per_second for s in self.of("pii")}
        plain = pii.pop("PII detection (plain Presidio batch)", None)
        ours = max(pii.values(), default=None)
        if plain and ours:
            speedup = ours / plain
            checks.append(
                {
                    "target": "PII texts/s vs plain Presidio (same findings)",
                    "value": round(speedup, 2),
                    "limit": f">= {TARGET_PII_SPEEDUP}",
                    "met": speedup >= TARGET_PII_SPEEDUP,
                }
            )
        return checks

    def as_dict(self) -> dict[str, object]:
        return {
            "scale": self.scale,
            "seed": self.seed,
            "sizes": self.sizes,
            "machine": {
                "python": platform.python_version(),
                "duckdb": duckdb.__version__,
                "cpu_count": __import__("os").cpu_count(),
                "platform": platform.platform(),
            },
            "stages": [s.as_dict() for s in self.stages],
            "ratios": self.ratios(),
            "targets": self.targets(),
        }

    def write_json(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8")


def _target(name: str, value: float, limit: float, unit: str) -> dict[str, object]:
    return {
        "target": name,
        "value": round(value, 3),
        "limit": f"≤ {limit}{unit}",
        "met": value <= limit,
    }


def print_report(report: BenchReport) -> None:
    from cli.output import print_table

    print_table(
        f"Benchmark, scale {report.scale} (seed {report.seed})",
        ["group", "dataset", "stage", "seconds", "rows", "rows/s", "peak RSS MiB", "note"],
        [
            [
                s.group,
                s.dataset or "",
                s.name,
                f"{s.seconds:.3f}",
                f"{s.rows:,}",
                f"{s.rows_per_second:,.0f}",
                f"{s.peak_rss_mb:,.0f}",
                s.note,
            ]
            for s in report.stages
        ],
    )
    print_table(
        "Governed / floor per source",
        ["dataset", "floor s", "governed s", "ratio"],
        [
            [d, f"{r['floor_seconds']:.2f}", f"{r['governed_seconds']:.2f}", f"{r['ratio']:.1f}×"]
            for d, r in report.ratios().items()
        ],
    )
    print_table(
        "Targets (issues 4 and 5)",
        ["target", "value", "limit", "met"],
        [[t["target"], t["value"], t["limit"], "✓" if t["met"] else "✗"] for t in report.targets()],
    )


def write_chart(report: BenchReport, path: Path) -> None:
    """Stacked bars: each dataset's governed stages next to its floor."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = [d for d in DATASETS if report.of("floor", d) or report.of("governed", d)]
    stage_names: list[str] = []
    for s in report.of("governed"):
        if s.dataset and s.name not in stage_names:
            stage_names.append(s.name)
    fig, ax = plt.subplots(figsize=(10, 1.2 + 1.1 * len(datasets)))
    labels, lefts = [], []
    for dataset in datasets:
        labels += [f"{dataset} floor", f"{dataset} governed"]
    y = list(range(len(labels)))
    ax.barh(
        y[0::2],
        [sum(s.seconds for s in report.of("floor", d)) for d in datasets],
        color="#999999",
        label="floor (plain read)",
    )
    lefts = [0.0] * len(datasets)
    colours = plt.get_cmap("tab10")
    for index, name in enumerate(stage_names):
        widths = [
            sum(s.seconds for s in report.of("governed", d) if s.name == name) for d in datasets
        ]
        ax.barh(y[1::2], widths, left=lefts, color=colours(index), label=name)
        lefts = [a + b for a, b in zip(lefts, widths, strict=True)]
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel("seconds")
    ax.set_title(f"Shuzhi benchmark, scale {report.scale}: governed stages vs plain read")
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
