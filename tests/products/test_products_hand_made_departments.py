"""The department and hot-topic products on a tiny hand-made district, answers worked out
by hand: department_buck_passing, department_linkage, street_hot_topics (and its alert).

The build date is 2026-12-15 (``TODAY``); codes are the demo district's (东湖街道
440399001, 西岭街道 440399002, 南桥街道 440399003).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import duckdb
import pytest
from hand_made_district import (
    CATALOG,
    DONGHU,
    DONGHU_C1,
    XILING,
    XILING_C1,
    built,
    hand_made_lake,
    put,
    raw_answer,
)

from products.alerts import product_alerts

T = dt.datetime
NOISE = "噪音扰民"


@pytest.fixture
def lake() -> Iterator[duckdb.DuckDBPyConnection]:
    con = hand_made_lake()
    yield con
    con.close()


def _only(rows: list[dict[str, Any]], **match: object) -> dict[str, Any]:
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def _record(
    source: str,
    case_no: str,
    received: dt.datetime,
    *,
    community: str = DONGHU_C1,
    **fields: object,
) -> dict[str, object]:
    return {"_source": source, "case_no": case_no, "received_at": received,
            "community_code": community, "street_code": community[:9], "category": NOISE,
            **fields}  # fmt: skip


def _hop(
    source: str, case_no: str, seq: int, route: str, at: dt.datetime, returned: bool = False
) -> dict[str, object]:
    sender, receiver = route.split(">")
    return {"case_source": source, "case_no": case_no, "seq": seq, "from_department": sender,
            "to_department": receiver, "transferred_at": at,
            "is_return": "是" if returned else "否"}  # fmt: skip


def _merged(con: duckdb.DuckDBPyConnection, case_of: dict[tuple[str, str], str]) -> None:
    """``lake.protected.cases_merged``: each record its own case unless ``case_of`` says."""
    con.execute(
        """CREATE OR REPLACE TABLE lake.protected.cases_merged AS
           SELECT _source || ':' || case_no AS record_id, _source, case_no,
                  'C-' || _source || ':' || case_no AS case_id, 1 AS case_records
           FROM lake.protected.cases"""
    )
    for (source, case_no), case_id in case_of.items():
        con.execute(
            "UPDATE lake.protected.cases_merged SET case_id = ? WHERE _source = ? AND case_no = ?",
            [case_id, source, case_no],
        )


# --- department_buck_passing -------------------------------------------------------------


def _buck_passing_district(con: duckdb.DuckDBPyConnection) -> None:
    """Five orders bounced 街道办→环保局→街道办 and then passed to 城管局; one kept by
    城管局; one passed by 环保局 to 城管局; one in 西岭 passed by 街道办 to 城管局."""
    records, hops = [], []
    for n in range(1, 6):
        no = f"H{n}"
        records.append(_record("hl_cases", no, T(2026, 11, 1, 8), department="城管局"))
        hops += [
            _hop("hl_cases", no, 1, "街道办>环保局", T(2026, 11, 1, 10)),  # held 2 h
            _hop("hl_cases", no, 2, "环保局>街道办", T(2026, 11, 1, 14), returned=True),  # 4 h
            _hop("hl_cases", no, 3, "街道办>城管局", T(2026, 11, 2, 14)),  # 24 h
        ]
    records.append(_record("hl_cases", "H6", T(2026, 11, 3, 8), department="城管局"))
    records.append(_record("wx_cases", "W1", T(2026, 11, 4, 8), department="城管局"))
    hops.append(_hop("wx_cases", "W1", 1, "环保局>城管局", T(2026, 11, 4, 20)))  # 12 h
    records.append(
        _record("hl_cases", "X1", T(2026, 11, 5, 8), community=XILING_C1, department="城管局")
    )
    hops.append(_hop("hl_cases", "X1", 1, "街道办>城管局", T(2026, 11, 5, 9)))  # 1 h
    # A hand-over of an order no channel record holds (quarantined): left out.
    hops.append(_hop("hl_cases", "GONE", 1, "街道办>城管局", T(2026, 11, 6, 9)))
    put(con, "cases", records)
    put(con, "case_transfers", hops)


def test_buck_passing_counts_hand_overs_returns_and_ping_pong_by_hand(
    lake: duckdb.DuckDBPyConnection,
) -> None:
    _buck_passing_district(lake)
    answer = raw_answer(lake, "department_buck_passing")
    # 3 streets × the 3 departments × the 1 category.
    assert len(answer) == 3 * 3 * 1
    street = _only(answer, street_code=DONGHU, department="街道办")
    # Held H1-H5; passed each on twice (2 h and 24 h); each bounced with 环保局.
    assert (street["orders_held"], street["transfers_out"], street["returns"]) == (5, 10, 0)
    assert (street["orders_passed_on"], street["orders_returned"]) == (5, 0)
    assert street["orders_ping_pong"] == 5
    assert (street["median_hours_held"], street["mean_hours_held"]) == (13.0, 13.0)
    assert street["buck_passing_index"] == 70.0  # 100 × (0.2 × 5 + 0.3 × 0 + 0.5 × 5) / 5
    env = _only(answer, street_code=DONGHU, department="环保局")
    # Held H1-H5 and W1; sent H1-H5 back after 4 h, passed W1 on after 12 h.
    assert (env["orders_held"], env["transfers_out"], env["returns"]) == (6, 6, 5)
    assert (env["orders_passed_on"], env["orders_returned"], env["orders_ping_pong"]) == (6, 5, 5)
    assert env["median_hours_held"] == 4.0 and env["mean_hours_held"] == 5.3  # 32 / 6
    assert env["buck_passing_index"] == 86.7  # 100 × (0.2 × 6 + 0.3 × 5 + 0.5 × 5) / 6
    city = _only(answer, street_code=DONGHU, department="城管局")
    assert (city["orders_held"], city["transfers_out"], city["buck_passing_index"]) == (7, 0, 0.0)
    assert city["median_hours_held"] is None
    west = _only(answer, street_code=XILING, department="街道办")
    assert (west["orders_held"], west["orders_passed_on"], west["median_hours_held"]) == (1, 1, 1.0)
    assert west["buck_passing_index"] == 20.0
    assert _only(answer, street_code=XILING, department="城管局")["orders_held"] == 1
    assert _only(answer, street_code=XILING, department="环保局")["orders_held"] == 0

    shown = built(lake, "department_buck_passing")
    assert _only(shown, street_code=DONGHU, department="环保局") == env
    # 西岭's 1s are blank. 街道办 knows its district-wide count (6 held, 11 passed on, 6
    # orders passed on): 东湖's 5, 10 and 5 would give them back, so they are blank too,
    # with the times and the index; its 5 ping-pongs (西岭: 0) stay.
    west, street = (_only(shown, street_code=s, department="街道办") for s in (XILING, DONGHU))
    for row in (west, street):
        assert row["orders_held"] is None and row["transfers_out"] is None
        assert row["orders_passed_on"] is None and row["buck_passing_index"] is None
        assert row["median_hours_held"] is None and row["mean_hours_held"] is None
    assert street["orders_ping_pong"] == 5 and street["returns"] == 0
    # Same for 城管局's held orders: 西岭's 1 and 东湖's 7 blank, 南桥's 0 shown.
    assert _only(shown, street_code=DONGHU, department="城管局")["orders_held"] is None
    assert _only(shown, street_code=XILING, department="城管局")["orders_held"] is None
    assert _only(shown, street_code="440399003", department="城管局")["orders_held"] == 0


# --- department_linkage ------------------------------------------------------------------


def test_linkage_pairs_the_departments_of_each_merged_case(
    lake: duckdb.DuckDBPyConnection,
) -> None:
    records, hops, case_of = [], [], {}
    for n in range(1, 6):
        # One incident on two channels: the hotline's record (noise, passed 街道办→城管局),
        # then the WeChat one (filed as sanitation, handled by 环保局): one case, whose
        # category is the earliest record's.
        records += [
            _record("hl_cases", f"H{n}", T(2026, 11, n, 8), department="城管局"),
            _record("wx_cases", f"W{n}", T(2026, 11, n, 9), department="环保局",
                    category="环境卫生"),
        ]  # fmt: skip
        hops.append(_hop("hl_cases", f"H{n}", 1, "街道办>城管局", T(2026, 11, n, 10)))
        case_of[("hl_cases", f"H{n}")] = case_of[("wx_cases", f"W{n}")] = f"C-{n}"
    records.append(_record("hl_cases", "P1", T(2026, 11, 9, 8), department="公安分局"))
    hops.append(_hop("hl_cases", "P1", 1, "街道办>公安分局", T(2026, 11, 9, 9)))
    put(lake, "cases", records)
    put(lake, "case_transfers", hops)
    _merged(lake, case_of)

    answer = raw_answer(lake, "department_linkage")
    # 4 departments: 6 pairs (公 < 城 < 环 < 街 in code points) × the one case category.
    assert [(r["department_a"], r["department_b"], r["category"]) for r in answer] == [
        ("公安分局", "城管局", NOISE),
        ("公安分局", "环保局", NOISE),
        ("公安分局", "街道办", NOISE),
        ("城管局", "环保局", NOISE),
        ("城管局", "街道办", NOISE),
        ("环保局", "街道办", NOISE),
    ]
    counts = [(r["shared_cases"], r["transfers_between"]) for r in answer]
    assert counts == [(0, 0), (0, 0), (1, 1), (5, 0), (5, 5), (5, 0)]

    shown = built(lake, "department_linkage")
    counts = [(r["shared_cases"], r["transfers_between"]) for r in shown]
    assert counts == [(0, 0), (0, 0), (None, None), (5, 0), (5, 5), (5, 0)]


# --- street_hot_topics -------------------------------------------------------------------

# Weeks end on TODAY (2026-12-15): week 0 is 12-09…12-15, week 1 12-02…12-08, week 2
# 11-25…12-01; the oldest of the 8 weeks shown, week 7, is 10-21…10-27, and week 8
# (10-14…10-20) is read only as week 7's previous week.
WEEK = {k: T(2026, 12, 12, 9) - dt.timedelta(days=7 * k) for k in range(9)}
START = {k: dt.date(2026, 12, 9) - dt.timedelta(days=7 * k) for k in range(9)}
# What the redaction might have missed, planted in every description of the rising topic:
# a name, a mobile, a resident ID, a plate, a road and door number, an estate.
PLANTED = "联系人张晓芳，电话13812345678，身份证440301199001011234，车牌粤B12345，住在幸福路8号桃源华庭3栋。"
PLANTED_WORDS = ("张晓芳", "13812345678", "440301199001011234", "粤B12345", "幸福", "幸福路",
                 "桃源", "华庭", "桃源华庭", "联系人", "身份证")  # fmt: skip
FUME_WORDS = {"餐馆", "油烟", "熏得", "没法", "开窗", "车牌"}
SANITATION, STREETSCAPE = "环境卫生", "市容环境"


def _topic_case(
    n: int, received: dt.datetime, text: str | None, *, reporter: str, category: str = SANITATION
) -> dict[str, object]:
    return _record("hl_cases", f"K{n:03d}", received, category=category, description=text,
                   reporter_phone_token=reporter)  # fmt: skip


def _hot_topics_district(con: duckdb.DuckDBPyConnection) -> None:
    """东湖街道 over three weeks, and one week before the window:

    - restaurant fumes (环境卫生): 6 cases in week 2, 3 in week 1, 10 in week 0, each from
      a reporter of its own;
    - one resident's square-dance noise (噪音扰民): 10 cases in week 1, 6 in week 0;
    - overflowing bins (市容环境): 2 cases in week 2, 2 in week 1, 1 in week 0, five
      reporters; and 7 cases without text in week 8, before the window;
    - a lift breakdown (环境卫生) told on five channels by five people in week 0, merged
      into two cases.
    """
    cases = []
    n = 0

    def add(week: int, count: int, text: str | None, reporter: str | None, category: str) -> None:
        nonlocal n
        for _ in range(count):
            n += 1
            cases.append(
                _topic_case(n, WEEK[week], text, reporter=reporter or f"t1_phone{n}",
                            category=category)
            )  # fmt: skip

    fumes = "楼下餐馆油烟很大，熏得没法开窗。" + PLANTED
    for week, count in ((2, 6), (1, 3), (0, 10)):
        add(week, count, fumes, None, SANITATION)
    for week, count in ((1, 10), (0, 6)):
        add(week, count, "广场舞音响太吵，晚上十点还在跳。", "t1_same", NOISE)
    for week, count in ((2, 2), (1, 2), (0, 1)):
        add(week, count, "楼下垃圾桶满了，三天没人清运。", None, STREETSCAPE)
    add(8, 7, None, "t1_old", STREETSCAPE)
    add(0, 5, "电梯故障，困人两小时。", None, SANITATION)
    put(con, "cases", cases)
    _merged(con, {("hl_cases", f"K{k:03d}"): f"C-lift{k % 2}" for k in range(n - 4, n + 1)})


def _week(rows: list[dict[str, Any]], topic: str, week: int) -> tuple[object, ...]:
    """(cases, cases_previous_week, growth, alert_level, rising) of 东湖's ``topic`` in
    ``week`` (0 the latest)."""
    row = _only(rows, street_code=DONGHU, topic=topic, week_start=START[week])
    assert row["week_end"] == START[week] + dt.timedelta(days=6)
    return tuple(
        row[c] for c in ("cases", "cases_previous_week", "growth", "alert_level", "rising")
    )


def test_hot_topics_hold_eight_weeks_of_categories_and_words(
    lake: duckdb.DuckDBPyConnection,
) -> None:
    _hot_topics_district(lake)
    answer = raw_answer(lake, "street_hot_topics")
    # Every street, category and word in each of the 8 weeks, week 8 only read.
    cells = {(r["street_code"], r["topic_kind"], r["topic"]) for r in answer}
    assert len(answer) == 8 * len(cells)
    assert {r["week_start"] for r in answer} == {START[k] for k in range(8)}
    words = {r["topic"] for r in answer if r["topic_kind"] == "关键词"}
    # Fume words: 19 cases from 19 reporters (车牌, the word, is no one's: the plate is
    # gone). Bin words: 5 cases from 5 reporters over the window, never 5 in one week.
    # Not 音响 (16 cases, one reporter), not 电梯 (two cases).
    assert words == FUME_WORDS | {"垃圾桶", "清运"}
    assert {r["street_code"] for r in answer if r["topic_kind"] == "关键词"} == {DONGHU}

    # alert_level = max(min_cases 5, ceil(2.0 × max(previous week, threshold 5))).
    assert _week(answer, "油烟", 3) == (0, 0, None, 10, False)
    assert _week(answer, "油烟", 2) == (6, 0, None, 10, False)  # 6 < 2.0 × 5
    assert _week(answer, "油烟", 1) == (3, 6, 0.5, 12, False)
    # The previous week's 3 counts as the threshold 5: 10 ≥ 2.0 × 5, and 10 ≥ min_cases 5.
    assert _week(answer, "油烟", 0) == (10, 3, 3.33, 10, True)
    # 环境卫生: the fume cases and, in week 0, the lift's 2 cases.
    assert _week(answer, SANITATION, 0) == (12, 3, 4.0, 10, True)
    # A rise in week 1 (10 ≥ 2.0 × 5) that week 0 does not keep up (6 < 2.0 × 10).
    assert _week(answer, NOISE, 1) == (10, 0, None, 10, True)
    assert _week(answer, NOISE, 0) == (6, 10, 0.6, 20, False)
    assert [_week(answer, "垃圾桶", k)[0] for k in (2, 1, 0)] == [2, 2, 1]
    # Week 8's 7 cases are the oldest week's previous week, and no row of their own.
    assert _week(answer, STREETSCAPE, 7) == (0, 7, 0.0, 14, False)
    # Every category in every street and week, 0 where none.
    quiet = _only(answer, street_code=XILING, topic_kind="类别", topic=NOISE, week_start=START[1])
    assert (quiet["cases"], quiet["cases_previous_week"], quiet["rising"]) == (0, 0, False)

    shown = built(lake, "street_hot_topics")
    # Counts below 5 are blank, their growth with them; alert_level and a rise stay (neither
    # read the small count: it counts as the threshold).
    assert _week(shown, "油烟", 1) == (None, 6, None, 12, None)
    assert _week(shown, "油烟", 0) == (10, None, None, 10, True)
    assert _week(shown, NOISE, 1) == (10, 0, None, 10, True)
    # A word of the window's cases shows no week's few.
    bins = [_week(shown, "垃圾桶", k)[:2] for k in (2, 1, 0)]
    assert bins == [(None, 0), (None, None), (None, None)]
    alerts = product_alerts(lake, CATALOG.products["street_hot_topics"])
    # The latest week's rises only: the 6 fume words and 环境卫生, not week 1's 噪音扰民.
    assert alerts.count == 7
    assert "440399001 类别 环境卫生 <5 12" in alerts.alerts
    assert "440399001 关键词 油烟 <5 10" in alerts.alerts
    assert not any(NOISE in alert for alert in alerts.alerts)


def test_no_name_phone_id_plate_or_address_becomes_a_topic(
    lake: duckdb.DuckDBPyConnection,
) -> None:
    _hot_topics_district(lake)
    shown = built(lake, "street_hot_topics")
    topics = {r["topic"] for r in shown}
    for planted in PLANTED_WORDS:
        assert planted not in topics
        assert not any(planted in t or t in planted for t in topics if len(t) > 1), planted
    alerts = product_alerts(lake, CATALOG.products["street_hot_topics"])
    listed = " ".join(alerts.alerts)
    assert not any(planted in listed for planted in PLANTED_WORDS)


def test_no_alert_without_a_rise_in_the_latest_week(lake: duckdb.DuckDBPyConnection) -> None:
    # 6 cases in each of two weeks: short of 2.0 × the threshold 5 after none, and of
    # 2.0 × 6 after 6. Nothing rises.
    put(
        lake,
        "cases",
        [
            _topic_case(n, day, "楼下餐馆油烟很大。", reporter=f"t1_p{n}")
            for n, day in enumerate([WEEK[1]] * 6 + [WEEK[0]] * 6)
        ],
    )
    _merged(lake, {})
    shown = built(lake, "street_hot_topics")
    assert _week(shown, "油烟", 0) == (6, 6, 1.0, 12, False)
    assert _week(shown, "油烟", 1) == (6, 0, None, 10, False)
    alerts = product_alerts(lake, CATALOG.products["street_hot_topics"])
    assert not alerts.raised and alerts.as_metadata()["alerts"] == "0"


def test_a_rise_only_in_an_older_week_is_no_alert(lake: duckdb.DuckDBPyConnection) -> None:
    # 10 cases in week 1 after none: rising then; 10 again in week 0 (< 2.0 × 10): not now.
    put(
        lake,
        "cases",
        [
            _topic_case(n, day, "楼下餐馆油烟很大。", reporter=f"t1_p{n}")
            for n, day in enumerate([WEEK[1]] * 10 + [WEEK[0]] * 10)
        ],
    )
    _merged(lake, {})
    shown = built(lake, "street_hot_topics")
    assert _week(shown, "油烟", 1)[-1] is True and _week(shown, "油烟", 0)[-1] is False
    alerts = product_alerts(lake, CATALOG.products["street_hot_topics"])
    assert not alerts.raised
