"""Drawing a chart with matplotlib: bars, a linkage network, a trend with its alert line.

Figures are made without pyplot (no global state, no display needed: the Agg
canvas). Text takes its font when it is made, so drawing and saving both run
inside ``chart_style`` with the Chinese family ``charts.fonts`` found.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from charts.data import (
    BLANK_NOTE,
    WITHHELD_TEXT,
    Amount,
    Bars,
    ChartData,
    Network,
    Trend,
    number_text,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# matplotlib's tab10, in an order that keeps neighbours apart.
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
)
ALERT = "#d62728"
GREY = "#8a8a8a"


@contextmanager
def chart_style(family: str) -> Iterator[None]:
    """matplotlib settings for one chart: the Chinese font, SVG text kept as text."""
    import matplotlib

    with matplotlib.rc_context(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [family, "DejaVu Sans"],
            "axes.unicode_minus": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.fonttype": "none",  # labels stay text in the HTML page: searchable, readable
            "svg.hashsalt": "shuzhi",  # the same chart gives the same file
        }
    ):
        yield


def figure(data: ChartData) -> Figure:
    """The chart as a matplotlib figure (call inside ``chart_style``)."""
    from matplotlib.figure import Figure

    body = data.body
    if isinstance(body, Bars):
        size = (9.0, max(3.2, 0.42 * max(len(body.labels), len(body.parts) * 0.6) + 2.4))
    elif isinstance(body, Network):
        size = (9.0, 8.0)
    else:
        size = (10.0, 5.6)
    fig = Figure(figsize=size, dpi=120, layout="constrained")
    fig.suptitle(data.title, x=0.01, ha="left", fontsize=15, fontweight="bold")
    ax = fig.add_subplot()
    ax.set_title(data.subtitle, loc="left", fontsize=9, color="#555555")
    if isinstance(body, Bars):
        _bars(ax, data, body)
    elif isinstance(body, Network):
        _network(ax, data, body)
    else:
        _trend(ax, data, body)
    notes = ([BLANK_NOTE] if data.has_blanks else []) + data.notes
    if notes:
        fig.supxlabel("\n".join(notes), x=0.01, ha="left", fontsize=8, color="#666666")
    return fig


def _colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _bars(ax: Axes, data: ChartData, bars: Bars) -> None:
    from matplotlib.ticker import MaxNLocator

    positions = list(range(len(bars.labels)))
    lefts = [0.0] * len(positions)
    for index, part in enumerate(bars.parts):
        widths = [bars.amounts.get((label, part), Amount(None)).drawn for label in bars.labels]
        ax.barh(
            positions,
            widths,
            left=lefts,
            height=0.62,
            color=_colour(index),
            # The legend names only what can be seen.
            label=part if part is not None and any(widths) else "_nolegend_",
        )
        lefts = [left + width for left, width in zip(lefts, widths, strict=True)]
    longest = max(lefts, default=0.0) or 1.0
    for position, label in zip(positions, bars.labels, strict=True):
        total = bars.total(label)
        if total.blank:  # a gap, said in words: never a bar of 0
            ax.text(0, position, f" {WITHHELD_TEXT}", va="center", color=GREY, style="italic")
        else:
            ax.text(total.drawn + longest * 0.01, position, total.text, va="center", fontsize=9)
    ax.set_yticks(positions, bars.labels)
    ax.set_ylim(len(positions) - 0.5, -0.5)  # the first bar on top, no empty margin
    ax.set_xlim(0, longest * 1.14)
    ax.set_xlabel(data.titles.get("value", ""))
    ax.set_ylabel(data.titles.get("by", ""))
    if _whole(bars.amounts.values()):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if bars.parts != [None]:
        ax.legend(
            title=data.titles.get("stack"),
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            frameon=False,
            fontsize=9,
        )


def _network(ax: Axes, data: ChartData, network: Network) -> None:
    from matplotlib.lines import Line2D

    nodes = network.nodes
    # A circle: every node readable, every edge visible, the same layout every time.
    place = {
        node: (
            math.cos(math.pi / 2 - 2 * math.pi * i / len(nodes)),
            math.sin(math.pi / 2 - 2 * math.pi * i / len(nodes)),
        )
        for i, node in enumerate(nodes)
    }
    heaviest = max((e.amount.drawn for e in network.edges), default=0.0) or 1.0
    by_label: dict[str, float] = {}
    for edge in network.edges:
        if edge.label is not None:
            by_label[edge.label] = by_label.get(edge.label, 0.0) + edge.amount.drawn
    labels = sorted(by_label, key=lambda label: (-by_label[label], label))[: len(PALETTE) - 1]
    colour = {label: _colour(i) for i, label in enumerate(labels)}
    for rank, edge in reversed(list(enumerate(network.edges))):  # thick ones drawn last
        (x0, y0), (x1, y1) = place[edge.source], place[edge.target]
        if edge.amount.blank:
            ax.plot([x0, x1], [y0, y1], linestyle="--", color=GREY, linewidth=1, zorder=1)
        else:
            ax.plot(
                [x0, x1],
                [y0, y1],
                color=colour.get(edge.label or "", PALETTE[-1]),
                linewidth=1 + 9 * edge.amount.drawn / heaviest,
                alpha=0.75,
                solid_capstyle="round",
                zorder=1,
            )
        if rank < 20:
            ax.text(
                x0 + (x1 - x0) * 0.5,
                y0 + (y1 - y0) * 0.5,
                edge.amount.text,
                fontsize=8,
                ha="center",
                va="center",
                color=GREY if edge.amount.blank else "#222222",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
                zorder=2,
            )
    strength = dict.fromkeys(nodes, 0.0)
    for edge in network.edges:
        strength[edge.source] += edge.amount.drawn
        strength[edge.target] += edge.amount.drawn
    strongest = max(strength.values(), default=0.0) or 1.0
    ax.scatter(
        [place[n][0] for n in nodes],
        [place[n][1] for n in nodes],
        s=[250 + 1400 * strength[n] / strongest for n in nodes],
        facecolors="white",
        edgecolors="#333333",
        linewidths=1.5,
        zorder=3,
    )
    for node in nodes:
        x, y = place[node]
        ax.text(
            x * 1.2,
            y * 1.2,
            node,
            ha="left" if x > 0.15 else "right" if x < -0.15 else "center",
            va="bottom" if y > 0.15 else "top" if y < -0.15 else "center",
            fontsize=10,
            zorder=4,
        )
    ax.set_xlim(-1.75, 1.75)
    ax.set_ylim(-1.45, 1.45)
    ax.set_aspect("equal")
    ax.axis("off")
    handles = [Line2D([], [], color=colour[label], linewidth=4) for label in labels]
    names = list(labels)
    if any(e.amount.blank for e in network.edges):
        handles.append(Line2D([], [], color=GREY, linestyle="--"))
        names.append(WITHHELD_TEXT)
    if handles:
        ax.legend(
            handles,
            names,
            title=data.titles.get("label"),
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            frameon=False,
            fontsize=9,
        )
    weight = data.titles.get("weight", "")
    ax.text(0.0, -0.04, f"线宽：{weight}", transform=ax.transAxes, fontsize=8, color="#555555")


def _trend(ax: Axes, data: ChartData, trend: Trend) -> None:
    from matplotlib.ticker import MaxNLocator

    positions = list(range(len(trend.xs)))
    shared_alert = _shared_alert(trend)
    for index, series in enumerate(trend.series):
        colour = _colour(index)
        points = [trend.amounts.get((x, series), Amount(None)) for x in trend.xs]
        # A blank point is a gap in the line (NaN), never a dip to 0.
        ys = [math.nan if p.blank else p.drawn for p in points]
        ax.plot(
            positions,
            ys,
            marker="o",
            markersize=4,
            linewidth=2,
            color=colour,
            label=series if series is not None else data.titles.get("value"),
        )
        partial = [(i, p.drawn) for i, p in enumerate(points) if not p.blank and p.withheld]
        if partial:  # hollow: at least this much
            ax.scatter(
                [i for i, _ in partial],
                [y for _, y in partial],
                s=30,
                facecolors="white",
                edgecolors=colour,
                zorder=3,
            )
        over = [
            (i, p.drawn)
            for i, (x, p) in enumerate(zip(trend.xs, points, strict=True))
            if not p.blank and (limit := trend.alert_at(x, series)) is not None and p.drawn >= limit
        ]
        if over:
            ax.scatter(
                [i for i, _ in over],
                [y for _, y in over],
                s=140,
                facecolors="none",
                edgecolors=ALERT,
                linewidths=1.8,
                zorder=4,
            )
        if shared_alert is None and trend.alerts:
            limits = [trend.alerts.get((x, series), math.nan) for x in trend.xs]
            ax.plot(positions, limits, linestyle="--", linewidth=1, color=colour, alpha=0.8)
    if trend.alert is not None:
        ax.axhline(
            trend.alert,
            linestyle="--",
            linewidth=1.5,
            color=ALERT,
            label=f"预警线 {number_text(trend.alert)}",
        )
    elif shared_alert is not None:
        levels = {v for v in shared_alert if not math.isnan(v)}
        ax.plot(
            positions,
            shared_alert,
            linestyle="--",
            linewidth=1.5,
            color=ALERT,
            drawstyle="steps-mid",
            label=f"预警线 {number_text(levels.pop())}" if len(levels) == 1 else "预警线",
        )
    elif trend.alerts:
        ax.plot([], [], linestyle="--", color=GREY, label="虚线：各自的预警线")
    step = max(1, math.ceil(len(positions) / 16))
    ax.set_xticks(positions[::step], trend.xs[::step], rotation=45 if len(positions) > 8 else 0)
    ax.set_xlabel(data.titles.get("x", ""))
    ax.set_ylabel(data.titles.get("value", ""))
    ax.set_ylim(bottom=0)
    if _whole(trend.amounts.values()):
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", color="#e5e5e5")
    ax.legend(
        title=data.titles.get("series"),
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
        fontsize=9,
    )


def _whole(amounts: Iterable[Amount]) -> bool:
    """Counts get whole-number ticks; rates keep their fractions."""
    return all(float(a.drawn).is_integer() for a in amounts)


def _shared_alert(trend: Trend) -> list[float] | None:
    """The alert line when every series has the same threshold at each x, else None."""
    if not trend.alerts:
        return None
    line: list[float] = []
    for x in trend.xs:
        values = {trend.alerts[(x, s)] for s in trend.series if (x, s) in trend.alerts}
        if len(values) > 1:
            return None
        line.append(values.pop() if values else math.nan)
    return line
