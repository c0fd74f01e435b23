"""The access review as files: report.json, report.html and its PNG charts.

The HTML page holds everything it shows: tables, and the charts embedded as
PNG data (no script, stylesheet or font fetched from anywhere), labelled in
Chinese with the font charts.fonts finds.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

from charts.data import ChartError

EVENTS_CHART = "events_per_day.png"
PRINCIPALS_CHART = "accesses_per_principal.png"
KIND_LABELS = {
    "query": "查询",
    "reveal": "重识别",
    "api": "接口调用",
    "grant": "授权",
    "decision": "决策",
    "room_build": "数据室构建",
    "room_prune": "数据室移除",
    "sync": "同步",
}


def write_report(report: dict[str, Any], out: Path) -> list[Path]:
    """Write the report's files into ``out``; the paths written, charts included."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    charts: dict[str, Path] = {}
    try:
        charts = _draw_charts(report["charts"], out)
        written += charts.values()
    except ChartError as error:  # no Chinese font: the tables still tell everything
        report = {**report, "notes": [*report.get("notes", []), f"charts not drawn: {error}"]}
    json_path = out / "report.json"
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    html_path = out / "report.html"
    html_path.write_text(_page(report, charts), encoding="utf-8")
    return [json_path, html_path, *written]


def _draw_charts(data: dict[str, Any], out: Path) -> dict[str, Path]:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from charts.draw import PALETTE, chart_style
    from charts.fonts import cjk_family

    family = cjk_family()
    written = {}
    with chart_style(family):
        days: dict[str, dict[str, int]] = data["events_per_day"]
        kinds = sorted({k for counts in days.values() for k in counts})
        fig = Figure(figsize=(10, 5), dpi=110, layout="constrained")
        ax = fig.add_subplot()
        ax.set_title("每日审计事件（按类型）", loc="left", fontsize=14)
        labels = list(days)
        bottom = [0] * len(labels)
        for index, kind in enumerate(kinds):
            values = [days[day].get(kind, 0) for day in labels]
            ax.bar(
                labels,
                values,
                bottom=bottom,
                label=KIND_LABELS.get(kind, kind),
                color=PALETTE[index % len(PALETTE)],
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_ylabel("事件数")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(axis="x", labelrotation=45)
        if kinds:
            ax.legend(fontsize=8)
        written["events_per_day"] = _save(fig, out / EVENTS_CHART)

        principals: dict[str, int] = data["accesses_per_principal"]
        names = list(principals)[::-1]
        fig = Figure(figsize=(9, max(3.0, 0.45 * len(names) + 1.5)), dpi=110, layout="constrained")
        ax = fig.add_subplot()
        ax.set_title("各主体的数据访问次数（已答复的查询与重识别）", loc="left", fontsize=14)
        ax.barh(names, [principals[n] for n in names], color=PALETTE[0])
        ax.set_xlabel("访问次数")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        written["accesses_per_principal"] = _save(fig, out / PRINCIPALS_CHART)
    return written


def _save(fig: Any, path: Path) -> Path:
    fig.savefig(path, format="png", metadata={"Software": None})
    return path


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    if not rows:
        return "<p class='none'>无</p>"
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_text(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _image(path: Path | None, alt: str) -> str:
    if path is None:
        return ""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{data}'>"


def _page(report: dict[str, Any], charts: dict[str, Path]) -> str:
    period = report["period"]
    grants = report["grants"]
    sections = [
        f"<h1>数据访问审查报告</h1><p>期间：{html.escape(period['since'])} 至 "
        f"{html.escape(period['until'])}（时区 {html.escape(period['zone'])}），"
        f"审计事件 {report['events']} 条。</p>",
        "<h2>异常访问发现</h2>",
        _table(
            ["类型", "人员/主体", "说明", "事件序号"],
            [[f["title"], f["who"], f["detail"], f["seqs"]] for f in report["findings"]],
        ),
        "<h2>个人数据访问（按主体与用途）</h2>",
        _table(
            ["主体", "用途", "产品/数据集", "授权", "人员", "次数", "行数", "事件序号"],
            [
                [
                    a["principal"],
                    a["purpose"],
                    a["what"],
                    a["grants"],
                    a["persons"],
                    a["events"],
                    a["rows"],
                    a["seqs"],
                ]
                for a in report["personal_data_access"]
            ],
        ),
        "<h2>即将到期的授权</h2>",
        _table(
            ["授权", "类型", "授予", "有效至", "剩余天数", "用途"],
            [
                [g["id"], g["kind"], g["to"], g["valid_until"], g["days_left"], g["purposes"]]
                for g in grants["expiring"]
            ],
        ),
        "<h2>期间内未使用的授权</h2>",
        _table(
            ["授权", "类型", "授予", "有效至", "用途"],
            [
                [g["id"], g["kind"], g["to"], g["valid_until"], g["purposes"]]
                for g in grants["unused"]
            ],
        ),
        "<h2>图表</h2>",
        _image(charts.get("events_per_day"), "每日审计事件"),
        _image(charts.get("accesses_per_principal"), "各主体的数据访问次数"),
    ]
    for note in report.get("notes", []):
        sections.append(f"<p class='note'>{html.escape(note)}</p>")
    style = (
        "body{font-family:'Noto Sans CJK SC','Source Han Sans SC',sans-serif;margin:2em}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}"
        "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}"
        "th{background:#f2f2f2}img{max-width:100%;display:block;margin:1em 0}"
        ".none{color:#777}"
    )
    return (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>数据访问审查报告</title><style>{style}</style></head><body>"
        + "".join(sections)
        + "</body></html>\n"
    )
