"""Charts drawn from hand-made tables: a linkage network and a topic trend with its alert
line (the kinds the department_linkage and street_hot_topics products will use), blank
cells as gaps, Chinese that really renders, and files that stand on their own."""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import pytest
from chart_tables import (
    HOT_TOPICS,
    LINKAGE,
    TOPIC_CASES,
    WEEKS,
    answer,
    contract,
    hot_topics_table,
    linkage_table,
)

from charts import fonts
from charts.data import (
    WITHHELD_TEXT,
    Amount,
    Bars,
    ChartData,
    ChartError,
    Network,
    Trend,
    chart_data,
    chart_sql,
)
from charts.draw import chart_style, figure
from charts.files import chart_format, write_chart
from charts.fonts import cjk_family

SUBTITLE = "东湖街道办事处（street_donghu）的数据室 · 2026-12-06"


def _linkage() -> ChartData:
    return chart_data(LINKAGE, answer(LINKAGE, linkage_table(), chart_sql(LINKAGE)), subtitle="")


def _topics(alert: int = 20) -> ChartData:
    table = hot_topics_table(alert)
    return chart_data(HOT_TOPICS, answer(HOT_TOPICS, table, chart_sql(HOT_TOPICS)), subtitle="")


# --- 1. what is drawn ---------------------------------------------------------------------


def test_a_blank_cell_is_not_a_zero() -> None:
    assert Amount(None, 2).blank and Amount(None, 2).text == WITHHELD_TEXT
    # Listed empty cells (0) beside blank ones tell nothing: still 不显示, never "0".
    assert Amount(0.0, 3).blank and Amount(0.0, 3).text == WITHHELD_TEXT
    assert not Amount(0.0, 0).blank and Amount(0.0, 0).text == "0"
    assert Amount(12.0, 1).text == "≥12" and Amount(12.0, 0).text == "12"
    assert (Amount(None, 1) + Amount(None, 1)) == Amount(None, 2)
    assert (Amount(None, 1) + Amount(7.0, 0)) == Amount(7.0, 1)


def test_the_network_has_one_edge_per_pair_whichever_way_round() -> None:
    network = _linkage().body
    assert isinstance(network, Network)
    edges = {(e.source, e.target): e for e in network.edges}
    # 城管局–住建局 comes as both (a, b) and (b, a): one edge, 40 + 12 and a blank row.
    pair = edges[("住建局", "城管局")]
    assert pair.amount == Amount(52.0, 1) and pair.amount.text == "≥52"
    assert pair.label == "违章搭建"  # the heaviest row names the edge
    # An edge whose only row is blank is drawn (dashed), marked 不显示, never 0.
    blank = edges[("公安分局", "生态环境局")]
    assert blank.amount.blank and blank.amount.text == WITHHELD_TEXT
    assert network.nodes[0] == "城管局"  # the busiest department first
    assert len(network.edges) == 7  # nine rows, seven pairs


def test_the_trend_keeps_blank_weeks_as_gaps_and_reads_the_alert_per_point() -> None:
    trend = _topics().body
    assert isinstance(trend, Trend)
    assert trend.xs == WEEKS
    assert trend.series[0] == "噪音扰民"  # the largest total first
    gap = trend.amounts[("2026-W43", "停车管理")]
    assert gap.blank and gap.shown is None
    assert trend.alert_at("2026-W46", "噪音扰民") == 20
    over = [x for x in WEEKS if trend.amounts[(x, "噪音扰民")].drawn >= 20]
    assert over == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]


def test_a_trend_keeps_its_top_series_and_says_so() -> None:
    chart = {"kind": "trend", "x": "week", "value": "cases", "series": "topic", "top": 2}
    product = contract(
        "street_hot_topics",
        {"street_code": "街道", "week": "周", "topic": "话题", "cases": "工单数"},
        chart,
    )
    data = chart_data(product, answer(product, hot_topics_table(), chart_sql(product)), subtitle="")
    assert isinstance(data.body, Trend)
    assert data.body.series == ["噪音扰民", "停车管理"]
    assert any("只画出合计最多的2条" in note for note in data.notes)


def test_bars_with_many_parts_keep_the_largest_and_add_up_the_rest() -> None:
    product = contract(
        "by_category",
        {"community_name": "社区名称", "category": "类别", "cases": "工单数"},
        {"kind": "bars", "by": "community_name", "value": "cases", "stack": "category"},
    )
    rows = [
        {"community_name": "东湖社区", "category": f"类别{i:02d}", "cases": 10 + i}
        for i in range(12)
    ] + [{"community_name": "湖滨社区", "category": "类别00", "cases": None}]
    import pyarrow as pa

    table = pa.Table.from_pylist(rows)
    bars = chart_data(product, answer(product, table, chart_sql(product)), subtitle="").body
    assert isinstance(bars, Bars)
    assert len(bars.parts) == 8 and bars.parts[-1] == "其他"
    assert bars.total("东湖社区") == Amount(float(sum(10 + i for i in range(12))), 0)
    assert bars.total("湖滨社区").blank


# --- 2. Chinese renders --------------------------------------------------------------------


def _draw_png(data: ChartData, family: str, out: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" fails the test
        write_chart(data, out, family)


@pytest.mark.parametrize("make", [_linkage, _topics], ids=["network", "trend"])
def test_chinese_labels_render_with_the_cjk_font(make: object, tmp_path: Path) -> None:
    from matplotlib.image import imread

    assert callable(make)
    data = make()
    out = tmp_path / "chart.png"
    _draw_png(data, cjk_family(), out)
    assert out.stat().st_size > 20_000
    pixels = imread(out)
    assert pixels.shape[0] > 400 and pixels.shape[1] > 800
    assert pixels.std() > 0.05  # not one colour: something was drawn


def test_without_a_cjk_font_the_same_chart_misses_its_glyphs(tmp_path: Path) -> None:
    # The other half of the pair: DejaVu alone has no Chinese, and the check notices.
    with pytest.raises(UserWarning, match="missing from font"):
        _draw_png(_linkage(), "DejaVu Sans", tmp_path / "chart.png")


def test_no_cjk_font_is_a_clear_error_naming_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib import font_manager

    monkeypatch.setattr(fonts, "CJK_FAMILIES", ("No Such Font SC",))
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    with pytest.raises(ChartError, match="fonts-noto-cjk"):
        cjk_family()


def test_the_cjk_font_is_picked_by_name() -> None:
    import matplotlib
    from matplotlib import font_manager

    family = cjk_family()
    assert family in fonts.CJK_FAMILIES
    with chart_style(family):
        assert matplotlib.rcParams["font.sans-serif"][0] == family
        fig = figure(_topics())
        assert fig.get_suptitle() == "热点话题周趋势"
        found = font_manager.findfont(fig.texts[0].get_fontproperties(), fallback_to_default=False)
    assert "dejavu" not in found.lower()


# --- 3. the files --------------------------------------------------------------------------


def test_the_html_page_stands_alone_with_its_labels_as_text(tmp_path: Path) -> None:
    out = tmp_path / "linkage.html"
    write_chart(_linkage(), out, cjk_family())
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    # Nothing fetched from elsewhere: no script, no linked style, font or image.
    assert not re.search(r"<script|<link|@import|url\((?!#)|\bsrc=|<iframe", page, re.IGNORECASE)
    assert not re.search(r'href="(?!#)', page)
    for label in ("部门联动网络", "城管局", "市场监管局", "违章搭建", "≥52", WITHHELD_TEXT):
        assert label in page
    assert "<text" in page  # the SVG keeps its labels as text, not as outlines
    assert re.search(r"<text[^>]*>\s*城管局", page)


def test_the_trend_page_has_the_alert_line_and_the_gaps(tmp_path: Path) -> None:
    out = tmp_path / "topics.html"
    write_chart(_topics(), out, cjk_family())
    page = out.read_text(encoding="utf-8")
    assert "预警线 20" in page
    # The table beside the chart: a blank week is 不显示, not 0.
    row = re.search(r"<tr><td class=\"label\">2026-W43</td>(.*?)</tr>", page)
    assert row is not None
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
    assert cells[: len(TOPIC_CASES)] == ["12", WITHHELD_TEXT, "6"]


def test_a_trend_with_a_fixed_alert_number(tmp_path: Path) -> None:
    product = contract(
        "street_hot_topics",
        {"week": "周", "topic": "话题", "cases": "工单数"},
        {"kind": "trend", "x": "week", "value": "cases", "series": "topic", "alert": 25},
    )
    data = chart_data(
        product, answer(product, hot_topics_table(), chart_sql(product)), subtitle=SUBTITLE
    )
    assert isinstance(data.body, Trend) and data.body.alert == 25
    over = [x for x in WEEKS if data.body.amounts[(x, "噪音扰民")].drawn >= 25]
    assert over == ["2026-W46", "2026-W47", "2026-W48"]
    _draw_png(data, cjk_family(), tmp_path / "t.png")


@pytest.mark.parametrize("name", ["chart.jpg", "chart.svg", "chart", "chart.png.txt"])
def test_a_file_that_is_neither_png_nor_html_is_refused(name: str) -> None:
    with pytest.raises(ChartError, match=r"\.png .* or \.html"):
        chart_format(Path(name))


@pytest.mark.parametrize("name", ["chart.png", "CHART.PNG", "page.html"])
def test_png_and_html_are_accepted(name: str) -> None:
    assert chart_format(Path(name)) in (".png", ".html")


def test_a_nan_sum_is_blank_not_zero() -> None:
    import pyarrow as pa

    product = LINKAGE
    table = pa.Table.from_pylist(
        [{"source": "甲", "target": "乙", "shown": math.nan, "withheld": 1, "edge_label": None}]
    )
    network = chart_data(product, table, subtitle="").body
    assert isinstance(network, Network) and network.edges[0].amount.blank


def test_a_product_without_a_chart_block_says_where_to_add_one() -> None:
    product = LINKAGE.model_copy(update={"chart": None})
    with pytest.raises(ChartError, match=r"config/products/department_linkage\.yaml"):
        chart_sql(product)


def test_bars_of_the_latest_month_only_say_which_month() -> None:
    import pyarrow as pa

    product = contract(
        "street_case_stats",
        {"community_name": "社区名称", "month": "月份", "cases": "工单数"},
        {"kind": "bars", "by": "community_name", "value": "cases", "latest": "month"},
    )
    table = pa.Table.from_pylist(
        [
            {"community_name": "东湖社区", "month": "2026-10", "cases": 40},
            {"community_name": "东湖社区", "month": "2026-11", "cases": 12},
            {"community_name": "湖滨社区", "month": "2026-10", "cases": 9},
            {"community_name": "湖滨社区", "month": "2026-11", "cases": None},
        ]
    )
    sql = chart_sql(product)
    data = chart_data(product, answer(product, table, sql), subtitle=SUBTITLE)
    assert isinstance(data.body, Bars)
    assert data.body.total("东湖社区") == Amount(12.0, 0)
    assert data.body.total("湖滨社区").blank
    assert data.subtitle == f"{SUBTITLE} · 月份：2026-11"
