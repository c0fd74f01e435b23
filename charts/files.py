"""A chart written as a PNG or as one self-contained HTML page.

The page holds the chart as inline SVG whose labels are text, and the numbers
drawn as a table (blank cells written 不显示): no script, no font or style
from elsewhere, so it opens offline and can be mailed as it is.
"""

from __future__ import annotations

import html
import io
import os
import tempfile
from pathlib import Path

from charts.data import (
    BLANK_NOTE,
    Amount,
    Bars,
    ChartData,
    ChartError,
    Network,
    Trend,
    number_text,
)
from charts.draw import chart_style, figure

FORMATS = (".png", ".html")


def chart_format(out: Path) -> str:
    """The file's format from its name: ``.png`` or ``.html``, or a clear error."""
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ChartError(
            f"--out {out}: a chart is written as .png (an image) or .html (a page that "
            f"opens offline); {suffix or 'no extension'} is neither"
        )
    return suffix


def write_chart(data: ChartData, out: Path, family: str) -> None:
    """Draw ``data`` with the Chinese font ``family`` and write it to ``out``."""
    suffix = chart_format(out)
    with chart_style(family):
        fig = figure(data)
        buffer = io.BytesIO()
        if suffix == ".png":
            fig.savefig(buffer, format="png", metadata={"Software": None})
            content = buffer.getvalue()
        else:
            fig.savefig(buffer, format="svg", metadata={"Date": None})
            content = page(data, buffer.getvalue().decode("utf-8"), family).encode("utf-8")
    _write_whole(out, content)


def _write_whole(out: Path, content: bytes) -> None:
    """Write beside the target and rename: a reader never sees half a chart."""
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(name, out)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


_STYLE = """
body { font-family: "{family}", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
       "WenQuanYi Zen Hei", sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
.meta, .note { color: #555; font-size: 0.9em; }
svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin-top: 1em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td.label { text-align: left; }
td.withheld { color: #888; font-style: italic; }
"""


def page(data: ChartData, svg: str, family: str) -> str:
    """The self-contained HTML page: title, the SVG, the notes and the numbers."""
    start = svg.find("<svg")
    if start < 0:
        raise ChartError("matplotlib wrote no SVG for the chart")
    notes = ([BLANK_NOTE] if data.has_blanks else []) + data.notes
    header, rows = _table(data)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        '<head><meta charset="utf-8">',
        f"<title>{html.escape(data.title)}</title>",
        f"<style>{_STYLE.replace('{family}', family)}</style></head>",
        "<body>",
        f"<h1>{html.escape(data.title)}</h1>",
        f'<p class="meta">{html.escape(data.subtitle)}</p>',
        f"<figure>{svg[start:]}</figure>",
        *(f'<p class="note">{html.escape(note)}</p>' for note in notes),
        "<table>",
        "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>",
        *("<tr>" + "".join(row) + "</tr>" for row in rows),
        "</table>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _label(text: str | None) -> str:
    return f'<td class="label">{html.escape(text or "")}</td>'


def _cell(amount: Amount | None) -> str:
    if amount is None:
        return "<td></td>"
    css = ' class="withheld"' if amount.blank else ""
    return f"<td{css}>{html.escape(amount.text)}</td>"


def _table(data: ChartData) -> tuple[list[str], list[list[str]]]:
    """The numbers the chart draws, one row per bar, edge or x."""
    body, titles = data.body, data.titles
    if isinstance(body, Bars):
        stacked = body.parts != [None]
        header = [titles.get("by", "")]
        if stacked:
            header += [p or "" for p in body.parts] + ["合计"]
        else:
            header.append(titles.get("value", ""))
        rows = []
        for label in body.labels:
            cells = [_label(label)]
            if stacked:
                cells += [_cell(body.amounts.get((label, p))) for p in body.parts]
            cells.append(_cell(body.total(label)))
            rows.append(cells)
        return header, rows
    if isinstance(body, Network):
        header = [titles.get("source", ""), titles.get("target", ""), titles.get("weight", "")]
        if "label" in titles:
            header.append(titles["label"])
        rows = []
        for edge in body.edges:
            cells = [_label(edge.source), _label(edge.target), _cell(edge.amount)]
            if "label" in titles:
                cells.append(_label(edge.label))
            rows.append(cells)
        return header, rows
    return _trend_table(body, titles)


def _trend_table(trend: Trend, titles: dict[str, str]) -> tuple[list[str], list[list[str]]]:
    header = [titles.get("x", "")]
    header += [s if s is not None else titles.get("value", "") for s in trend.series]
    shared = trend.alert is not None or bool(trend.alerts)
    if shared:
        header.append("预警线")
    rows = []
    for x in trend.xs:
        cells = [_label(x)] + [_cell(trend.amounts.get((x, s))) for s in trend.series]
        if shared:
            limits = sorted({v for s in trend.series if (v := trend.alert_at(x, s)) is not None})
            cells.append(f"<td>{html.escape(' / '.join(number_text(v) for v in limits))}</td>")
        rows.append(cells)
    return header, rows
