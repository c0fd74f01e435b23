"""A product's chart for the page: the contract's own ``chart:`` block (what its users
read, as ``shuzhi products chart`` draws it), turned into the ECharts JSON that
web/static/shuzhi.js draws.

The one query is charts.data's: values added up in the room per bar, line point or
edge, so no row the chart does not draw leaves the room (a list of people is counted
per community, never who). A bar whose cells are all blank (small-cell suppression)
stays a gap, never 0.
"""

from __future__ import annotations

from typing import Any

from charts.data import Amount, Bars, ChartData, Network


def _value(amount: Amount | None) -> float | None:
    return None if amount is None or amount.blank else amount.drawn


def echarts_json(data: ChartData) -> dict[str, Any]:
    body = data.body
    title = data.title
    if isinstance(body, Network):
        nodes = [{"name": node, "category": data.titles.get("source", "")} for node in body.nodes]
        links = [{"source": e.source, "target": e.target} for e in body.edges]
        return {"kind": "graph", "title": title, "nodes": nodes, "links": links}
    if isinstance(body, Bars):
        series = [
            {
                "name": part if part is not None else data.titles.get("value", ""),
                "data": [_value(body.amounts.get((label, part))) for label in body.labels],
            }
            for part in body.parts
        ]
        return {"kind": "bar", "title": title, "x": body.labels, "series": series}
    lines = [
        {
            "name": series if series is not None else data.titles.get("value", ""),
            "data": [_value(body.amounts.get((x, series))) for x in body.xs],
        }
        for series in body.series
    ]
    if body.alert is not None:
        lines.append({"name": "预警线", "data": [body.alert for _ in body.xs]})
    return {"kind": "line", "title": title, "x": body.xs, "series": lines}
