"""A product's chart as one read query, and its answer as what is drawn.

The query adds up the chart's value per bar, edge or point *in the room*, so
no row leaves it that the chart does not draw (a proactive list is counted per
community: no name or token is read). Beside each sum it counts the cells that
are blank (suppressed by the product's small-cell protection): a bar whose
cells are all blank is drawn as a gap marked 不显示, never as 0, and one with
some blank cells is labelled ≥ its shown part, since a blank count is at
least 0 and may be 5 or more (a cell blanked so another could not be
recovered).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from catalog.contracts import BarsChart, Chart, NetworkChart, ProductContract, TrendChart

WITHHELD_TEXT = "不显示"
BLANK_NOTE = "不显示：少于5或可由其他格推算的数不公布，不是0；≥：其中有不公布的格，实际数不小于所示"
NO_VALUE = "（空）"
OTHERS = "其他"
MAX_PARTS = 8  # stack parts drawn one by one; the rest become 其他
MAX_BARS = 40
MAX_EDGES = 60


class ChartError(Exception):
    """A chart cannot be drawn as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Amount:
    """What a bar, edge or point shows: the sum of its published cells and how many of
    its cells are blank."""

    shown: float | None  # None: every cell is blank
    withheld: int = 0

    @property
    def drawn(self) -> float:
        """The length to draw: the shown part (nothing when every cell is blank)."""
        return self.shown or 0.0

    @property
    def blank(self) -> bool:
        """Nothing is known but that it is not published: every cell blank, or the blank
        ones beside cells of 0 (listed empty cells)."""
        return self.shown is None or (self.shown == 0 and self.withheld > 0)

    @property
    def text(self) -> str:
        if self.blank:
            return WITHHELD_TEXT
        number = number_text(self.drawn)
        return f"≥{number}" if self.withheld else number

    def __add__(self, other: Amount) -> Amount:
        if self.shown is None and other.shown is None:
            return Amount(None, self.withheld + other.withheld)
        return Amount(self.drawn + other.drawn, self.withheld + other.withheld)


def number_text(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Bars:
    labels: list[str]
    parts: list[str | None]  # [None] when the bars are not stacked
    amounts: dict[tuple[str, str | None], Amount]

    def total(self, label: str) -> Amount:
        return sum((self.amounts.get((label, p), Amount(None)) for p in self.parts), Amount(None))


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    amount: Amount
    label: str | None = None


@dataclass(frozen=True)
class Network:
    edges: list[Edge]

    @property
    def nodes(self) -> list[str]:
        """Nodes by how much they carry, heaviest first (ties by name)."""
        strength: dict[str, float] = {}
        for edge in self.edges:
            for node in (edge.source, edge.target):
                strength[node] = strength.get(node, 0.0) + edge.amount.drawn
        return sorted(strength, key=lambda n: (-strength[n], n))


@dataclass(frozen=True)
class Trend:
    xs: list[str]
    series: list[str | None]  # [None] for a single line
    amounts: dict[tuple[str, str | None], Amount]
    alert: float | None = None  # one threshold for every point
    alerts: dict[tuple[str, str | None], float] = field(default_factory=dict)  # or per point

    def alert_at(self, x: str, series: str | None) -> float | None:
        return self.alert if self.alert is not None else self.alerts.get((x, series))


Body = Bars | Network | Trend


@dataclass(frozen=True)
class ChartData:
    product: str
    title: str
    subtitle: str
    titles: dict[str, str]  # the chart's keys (by, value, x…) → the column titles shown
    body: Body
    notes: list[str] = field(default_factory=list)

    @property
    def has_blanks(self) -> bool:
        amounts: list[Amount]
        if isinstance(self.body, Network):
            amounts = [e.amount for e in self.body.edges]
        else:
            amounts = list(self.body.amounts.values())
        return any(a.withheld for a in amounts)


# --- the query ---------------------------------------------------------------------------


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def chart_sql(product: ProductContract) -> str:
    """The one read statement the chart runs in the principal's room."""
    chart = _chart_of(product)
    table = product.name
    if isinstance(chart, BarsChart):
        keys = [f"{quoted(chart.by)} AS label"]
        keys.append(f"{quoted(chart.stack)} AS part" if chart.stack else "NULL AS part")
        sums = _sums(chart.value)
        latest = chart.latest
    elif isinstance(chart, NetworkChart):
        keys = [f"{quoted(chart.source)} AS source", f"{quoted(chart.target)} AS target"]
        sums = _sums(chart.weight)
        if chart.label:
            sums.append(f"arg_max({quoted(chart.label)}, {quoted(chart.weight)}) AS edge_label")
        latest = chart.latest
    else:
        keys = [f"{quoted(chart.x)} AS x"]
        keys.append(f"{quoted(chart.series)} AS series" if chart.series else "NULL AS series")
        sums = _sums(chart.value)
        if isinstance(chart.alert, str):
            sums.append(f"max({quoted(chart.alert)})::DOUBLE AS alert")
        latest = None
    where = ""
    if latest:
        sums.append(f"min({quoted(latest)}) AS latest")
        where = f" WHERE {quoted(latest)} = (SELECT max({quoted(latest)}) FROM {table})"
    group = ", ".join(str(i + 1) for i in range(len(keys)))
    return f"SELECT {', '.join(keys + sums)} FROM {table}{where} GROUP BY {group} ORDER BY {group}"


def _sums(value: str | None) -> list[str]:
    if value is None:  # count rows: how many, never who
        return ["count(*)::DOUBLE AS shown", "0 AS withheld"]
    column = quoted(value)
    return [
        f"sum({column})::DOUBLE AS shown",
        f"count(*) FILTER (WHERE {column} IS NULL) AS withheld",
    ]


def _chart_of(product: ProductContract) -> Chart:
    if product.chart is None:
        raise ChartError(
            f"{product.name} has no chart: add a chart block to config/products/"
            f"{product.name}.yaml (kind: bars, network or trend)"
        )
    return product.chart


# --- the answer --------------------------------------------------------------------------


def chart_data(
    product: ProductContract,
    answer: pa.Table,
    *,
    subtitle: str,
    truncated: bool = False,
) -> ChartData:
    """What the chart draws, from the answer of ``chart_sql`` in the room."""
    chart = _chart_of(product)
    rows = answer.to_pylist()
    columns = {c.name: c.title or c.name for c in product.columns}
    titles = {key: columns[name] for key, name in chart.columns().items()}
    notes: list[str] = []
    body: Body
    if isinstance(chart, BarsChart):
        if chart.value_title:
            titles["value"] = chart.value_title
        elif chart.value is None:
            titles["value"] = "名单人数" if product.person_level else "条数"
        body = _bars(chart, rows, notes)
    elif isinstance(chart, NetworkChart):
        body = _network(rows, notes)
    else:
        body = _trend(chart, rows, notes)
    latest = [row["latest"] for row in rows if row.get("latest") is not None]
    if latest and getattr(chart, "latest", None):
        subtitle += f" · {titles['latest']}：{label_text(latest[0])}"
    if truncated:
        notes.append("答复超出行数上限，图中只含前面的行")
    return ChartData(product.name, chart.title or product.title, subtitle, titles, body, notes)


def label_text(value: Any) -> str:
    if value is None:
        return NO_VALUE
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _amount(row: dict[str, Any]) -> Amount:
    shown = row["shown"]
    if shown is not None and math.isnan(shown):
        shown = None
    return Amount(shown, int(row["withheld"] or 0))


def _bars(chart: BarsChart, rows: list[dict[str, Any]], notes: list[str]) -> Bars:
    amounts: dict[tuple[str, str | None], Amount] = {}
    for row in rows:
        part = label_text(row["part"]) if chart.stack else None
        key = (label_text(row["label"]), part)
        amounts[key] = amounts.get(key, Amount(None)) + _amount(row)
    labels = list(dict.fromkeys(label for label, _ in amounts))  # in the query's order
    parts: list[str | None] = [None]
    if chart.stack:
        totals: dict[str | None, float] = {}
        for (_, part), amount in amounts.items():
            totals[part] = totals.get(part, 0.0) + amount.drawn
        parts = list(dict.fromkeys(part for _, part in amounts))
        drawn = [p for p in parts if totals[p] > 0]
        if len(drawn) > MAX_PARTS:  # parts with nothing to draw stay in the table only
            kept = set(sorted(drawn, key=lambda p: -totals[p])[: MAX_PARTS - 1])
            merged: dict[tuple[str, str | None], Amount] = {}
            for (label, part), amount in amounts.items():
                key = (label, part if part in kept else OTHERS)
                merged[key] = merged.get(key, Amount(None)) + amount
            amounts = merged
            parts = [p for p in parts if p in kept] + [OTHERS]
    bars = Bars(labels, parts, amounts)
    if chart.sort == "value":
        labels.sort(key=lambda label: -bars.total(label).drawn)
    if len(labels) > MAX_BARS:
        notes.append(f"共{len(labels)}项，只画出前{MAX_BARS}项")
        del labels[MAX_BARS:]
    return bars


def _network(rows: list[dict[str, Any]], notes: list[str]) -> Network:
    edges: dict[tuple[str, str], Edge] = {}
    for row in rows:
        source, target = label_text(row["source"]), label_text(row["target"])
        if source == target:
            continue  # a department linked with itself is no linkage
        pair = (source, target) if source <= target else (target, source)
        amount = _amount(row)
        label = row.get("edge_label")
        known = edges.get(pair)
        if known is not None:
            heavier = amount.drawn > known.amount.drawn
            label = label if heavier else known.label
            amount = known.amount + amount
        edges[pair] = Edge(pair[0], pair[1], amount, None if label is None else str(label))
    ordered = sorted(edges.values(), key=lambda e: (-e.amount.drawn, e.source, e.target))
    if len(ordered) > MAX_EDGES:
        notes.append(f"共{len(ordered)}条连线，只画出最粗的{MAX_EDGES}条")
    return Network(ordered[:MAX_EDGES])


def _trend(chart: TrendChart, rows: list[dict[str, Any]], notes: list[str]) -> Trend:
    amounts: dict[tuple[str, str | None], Amount] = {}
    alerts: dict[tuple[str, str | None], float] = {}
    for row in rows:
        series = label_text(row["series"]) if chart.series else None
        key = (label_text(row["x"]), series)
        amounts[key] = amounts.get(key, Amount(None)) + _amount(row)
        if row.get("alert") is not None:
            alerts[key] = float(row["alert"])
    xs = list(dict.fromkeys(x for x, _ in amounts))  # the query orders x by its own type
    totals: dict[str | None, float] = {}
    for (_, series), amount in amounts.items():
        totals[series] = totals.get(series, 0.0) + amount.drawn
    series_list = sorted(totals, key=lambda s: (-totals[s], s or ""))
    if len(series_list) > chart.top:
        notes.append(f"共{len(series_list)}条线，只画出合计最多的{chart.top}条")
        series_list = series_list[: chart.top]
    kept = set(series_list)
    amounts = {k: a for k, a in amounts.items() if k[1] in kept}
    alerts = {k: a for k, a in alerts.items() if k[1] in kept}
    constant = float(chart.alert) if isinstance(chart.alert, int | float) else None
    return Trend(xs, series_list, amounts, constant, alerts)
