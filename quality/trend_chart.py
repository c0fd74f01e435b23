"""The trend of each rule's failing share over check runs, as a PNG (Chinese labels)."""

from __future__ import annotations

from pathlib import Path

from quality.results import TrendPoint


def draw_trend(points: list[TrendPoint], titles: dict[str, str], title: str, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from charts.fonts import cjk_family

    # The one font finder of the charts: a clear error naming the package when none.
    matplotlib.rcParams["font.family"] = [cjk_family(), "sans-serif"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.5))
    for rule in dict.fromkeys(p.rule for p in points):
        mine = [p for p in points if p.rule == rule]
        ax.plot(
            [p.at for p in mine],  # type: ignore[arg-type]  # matplotlib takes datetimes
            [100 * p.failing_share for p in mine],
            marker="o",
            label=titles.get(rule) or rule,
        )
    ax.set_title(f"{title}：各规则不合格行占比")
    ax.set_ylabel("不合格行占比 (%)")
    ax.set_xlabel("检查时间")
    if points:
        ax.legend(loc="upper left", fontsize="small")
    fig.autofmt_xdate()
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
