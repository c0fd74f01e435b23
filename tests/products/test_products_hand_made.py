"""Each product's SQL on a tiny hand-made district, its answers worked out by hand.

The build date is 2026-12-15 (``TODAY``) throughout; codes are the demo
district's (东湖街道 440399001 with communities …001, …002, …003).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hand_made_district import (
    CATALOG,
    DONGHU,
    DONGHU_C1,
    DONGHU_C2,
    DONGHU_C3,
    XILING,
    XILING_C1,
    built,
    hand_made_lake,
    merged,
    people,
    put,
    raw_answer,
)
from recovery_attacks import Known, groups_by, pinned, ranges, subtract

from products.build import ProductInputMissing

G1, G2 = DONGHU_C1 + "001", DONGHU_C1 + "002"
NANQIAO = "440399003"
DAY = dt.date


@pytest.fixture
def lake() -> Iterator[duckdb.DuckDBPyConnection]:
    con = hand_made_lake()
    yield con
    con.close()


def _only(rows: list[dict[str, Any]], **match: object) -> dict[str, Any]:
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def _resident(**fields: object) -> dict[str, object]:
    return {"street_code": DONGHU, "community_code": DONGHU_C1, **fields}


# --- street_population_profile ---------------------------------------------------------


def test_population_profile_counts_every_cell_and_blanks_what_gives_a_small_one_away(
    lake: duckdb.DuckDBPyConnection,
) -> None:
    put(
        lake,
        "population",
        people(6, **_resident(grid_code=G1, sex="男", reg_type="户籍", birth_date=DAY(1980, 5, 1)))
        + people(
            1, **_resident(grid_code=G1, sex="女", reg_type="流动", birth_date=DAY(1950, 1, 1))
        )
        + people(
            7, **_resident(grid_code=G1, sex="女", reg_type="户籍", birth_date=DAY(2000, 1, 1))
        )
        + people(
            8, **_resident(grid_code=G2, sex="男", reg_type="流动", birth_date=DAY(2000, 6, 1))
        ),
    )
    answer = raw_answer(lake, "street_population_profile")
    # 31 grid cells in the district × 5 age bands × 2 sexes × 2 registration types.
    assert len(answer) == 31 * 5 * 2 * 2
    assert sum(r["residents"] for r in answer) == 22
    cell = {"grid_code": G1, "sex": "男", "reg_type": "户籍"}
    assert _only(answer, age_band="35-59", **cell)["residents"] == 6  # 46 on 2026-12-15
    assert (
        _only(answer, grid_code=G1, age_band="60-79", sex="女", reg_type="流动")["residents"] == 1
    )
    assert (
        _only(answer, grid_code=G2, age_band="15-34", sex="男", reg_type="流动")["residents"] == 8
    )
    assert _only(answer, grid_code=G2, age_band="80+", sex="女", reg_type="户籍")["residents"] == 0

    shown = built(lake, "street_population_profile")
    # The 1 is below 5. Grid G1 holds 6 + 1 + 7 = 14, which its grid workers know: with
    # only the 1 blank, 14 - 6 - 7 gives it back. So the smallest cell of G1 that leaves
    # the 1 room to be 5 (the 6) is blanked too: the attacker then knows only 1 + 6 = 7.
    assert (
        _only(shown, grid_code=G1, age_band="60-79", sex="女", reg_type="流动")["residents"] is None
    )
    assert _only(shown, age_band="35-59", **cell)["residents"] is None
    assert _only(shown, grid_code=G1, age_band="15-34", sex="女", reg_type="户籍")["residents"] == 7
    assert _only(shown, grid_code=G2, age_band="15-34", sex="男", reg_type="流动")["residents"] == 8
    assert sum(1 for r in shown if r["residents"] is None) == 2
    assert {r["community_name"] for r in shown if r["community_code"] == DONGHU_C1} == {"东湖社区"}


# --- street_case_stats -----------------------------------------------------------------


_CASE_NO = [0]


def _case(community: str, category: str, received: dt.datetime, **fields: object) -> dict:
    """A hotline record (another channel's with ``_source``), numbered in order."""
    _CASE_NO[0] += 1
    return {"community_code": community, "street_code": community[:9], "category": category,
            "received_at": received, "_source": "hl_cases", "case_no": f"H{_CASE_NO[0]:04d}",
            "department": "城管局", **fields}  # fmt: skip


def test_case_stats_rates_closure_and_a_rounded_population_base(
    lake: duckdb.DuckDBPyConnection,
) -> None:
    oct_ = dt.datetime(2026, 10, 3, 9, 0)
    nov = dt.datetime(2026, 11, 5, 9, 0)
    deadline = DAY(2026, 10, 10)
    put(
        lake,
        "population",
        people(140, **_resident()) + people(260, **_resident(community_code=DONGHU_C2)),
    )
    put(
        lake,
        "cases",
        [
            # 6 noise cases in 东湖社区 in October: 4 closed by the deadline, 1 late, 1 open.
            _case(DONGHU_C1, "噪音扰民", oct_, closed_at=dt.datetime(2026, 10, 8), deadline=deadline, satisfaction="满意", transfers=0),
            _case(DONGHU_C1, "噪音扰民", oct_, closed_at=dt.datetime(2026, 10, 9), deadline=deadline, satisfaction="满意", transfers=1),
            _case(DONGHU_C1, "噪音扰民", oct_, closed_at=dt.datetime(2026, 10, 10, 20), deadline=deadline, satisfaction="基本满意", transfers=2),
            _case(DONGHU_C1, "噪音扰民", oct_, closed_at=dt.datetime(2026, 10, 4), deadline=None, satisfaction="不满意", transfers=0),
            _case(DONGHU_C1, "噪音扰民", oct_, closed_at=dt.datetime(2026, 10, 12), deadline=deadline, transfers=0),
            _case(DONGHU_C1, "噪音扰民", oct_, transfers=1),
            # 2 sanitation cases in 翠竹社区 in November: a small cell.
            _case(DONGHU_C2, "环境卫生", nov, transfers=0),
            _case(DONGHU_C2, "环境卫生", nov, transfers=3),
        ],
    )  # fmt: skip
    merged(lake, {})  # every record a case of its own
    answer = raw_answer(lake, "street_case_stats")
    # 10 communities × the 2 categories × the 2 months that have cases.
    assert len(answer) == 10 * 2 * 2
    noise = _only(answer, community_code=DONGHU_C1, category="噪音扰民", month="2026-10")
    assert (noise["cases"], noise["closed"], noise["closed_on_time"]) == (6, 5, 4)
    assert noise["on_time_rate"] == 0.8  # 4 of 5 closed
    assert noise["satisfaction_rate"] == 0.75  # 满意, 满意, 基本满意 of 4 rated
    assert noise["avg_transfers"] == 0.67  # 4 transfers / 6
    assert noise["reopened"] == 0
    # 140 residents → a base of 100 (not 140): 6 × 10,000 / 100.
    assert noise["cases_per_10k_residents"] == 600.0
    quiet = _only(answer, community_code=DONGHU_C2, category="噪音扰民", month="2026-10")
    assert (quiet["cases"], quiet["cases_per_10k_residents"]) == (0, 0.0)  # 260 → 300
    no_people = _only(answer, community_code=DONGHU_C3, category="噪音扰民", month="2026-10")
    assert no_people["cases"] == 0 and no_people["cases_per_10k_residents"] is None

    shown = built(lake, "street_case_stats")
    assert _only(shown, community_code=DONGHU_C1, category="噪音扰民", month="2026-10") == noise
    small = _only(shown, community_code=DONGHU_C2, category="环境卫生", month="2026-11")
    # The 2 is blank, and with it everything computed from it (rate × base = count).
    assert all(small[c] is None for c in ("cases", "closed", "closed_on_time", "on_time_rate",
                                           "satisfaction_rate", "avg_transfers", "reopened",
                                           "cases_per_10k_residents"))  # fmt: skip
    # The margins it sits in, 翠竹社区's November total and 东湖街道's November sanitation
    # total, are 2 each: small counts themselves, blank wherever they are published, so
    # nobody can subtract from them and no other cell needs blanking.
    november = [r for r in shown if r["month"] == "2026-11" and r["street_code"] == DONGHU]
    assert [r["category"] for r in november if r["cases"] is None] == ["环境卫生"]
    assert all(r["cases"] is not None for r in shown if r["street_code"] == XILING)


def test_case_stats_count_a_case_told_on_three_channels_once_where_its_lead_puts_it(
    lake: duckdb.DuckDBPyConnection,
) -> None:
    oct_ = dt.datetime(2026, 10, 3, 9, 0)
    deadline = DAY(2026, 10, 10)
    noise = {"deadline": deadline}
    hotline = _case(
        DONGHU_C1,
        "噪音扰民",
        oct_,
        closed_at=dt.datetime(2026, 10, 4, 9),
        satisfaction="满意",
        **noise,
    )
    # The same incident on WeChat after the hotline order was closed (the resident came
    # back: reopened), and on Weibo an hour before the call (no department took the post;
    # the feed's classifier filed it elsewhere).
    wechat = _case(
        DONGHU_C1,
        "噪音扰民",
        dt.datetime(2026, 10, 5, 10),
        _source="wx_cases",
        channel="微信小程序",
        closed_at=dt.datetime(2026, 10, 6),
        satisfaction="不满意",
        **noise,
    )
    weibo = _case(
        DONGHU_C2,
        "环境卫生",
        dt.datetime(2026, 10, 3, 8),
        _source="wb_cases",
        channel="网络舆情",
        department=None,
    )
    # Another incident: the grid inspector reported it while the hotline order was still open.
    late = _case(
        DONGHU_C1,
        "噪音扰民",
        dt.datetime(2026, 10, 6, 9),
        closed_at=dt.datetime(2026, 10, 20),
        **noise,
    )
    grid = _case(
        DONGHU_C1,
        "噪音扰民",
        dt.datetime(2026, 10, 6, 15),
        _source="gd_cases",
        channel="网格巡查",
        **noise,
    )
    alone = [_case(DONGHU_C1, "噪音扰民", oct_ + dt.timedelta(hours=h), **noise) for h in range(4)]
    post = _case(
        DONGHU_C2,
        "环境卫生",
        dt.datetime(2026, 10, 9, 22),
        _source="wb_cases",
        channel="网络舆情",
        department=None,
    )
    records = [hotline, wechat, weibo, late, grid, *alone, post]
    put(lake, "population", people(500, **_resident()))
    put(lake, "cases", [{"channel": "12345热线", **r} for r in records])
    key = lambda r: (r["_source"], r["case_no"])  # noqa: E731
    merged(
        lake, {"C-one": [key(hotline), key(wechat), key(weibo)], "C-two": [key(late), key(grid)]}
    )
    answer = raw_answer(lake, "street_case_stats")
    assert len(answer) == 10 * 2 * 1  # 10 communities × 2 categories × October
    # 9 records, 6 cases: C-one (led by the hotline order, the first work order), C-two,
    # the 4 alone. C-one is closed by its deadline (its lead's closure: the WeChat order's
    # own is not counted), C-two late; C-one was told again after it was closed.
    cell = _only(answer, community_code=DONGHU_C1, category="噪音扰民", month="2026-10")
    assert (cell["cases"], cell["closed"], cell["closed_on_time"], cell["reopened"]) == (6, 2, 1, 1)
    assert cell["on_time_rate"] == 0.5 and cell["satisfaction_rate"] == 1.0
    # The Weibo post of C-one is not a case in 翠竹社区: only the lone post is.
    other = _only(answer, community_code=DONGHU_C2, category="环境卫生", month="2026-10")
    assert (other["cases"], other["closed"]) == (1, 0)
    assert sum(r["cases"] for r in answer) == 7


def test_case_channels_count_work_orders_by_channel_and_by_department(
    lake: duckdb.DuckDBPyConnection,
) -> None:
    def orders(n: int, community: str, channel: str, **fields: object) -> list[dict]:
        source = {"微信小程序": "wx_cases", "网络舆情": "wb_cases"}.get(channel, "hl_cases")
        when = dt.datetime(2026, 10, 3, 9, 0)
        return [_case(community, "噪音扰民", when, _source=source, channel=channel, **fields)
                for _ in range(n)]  # fmt: skip

    due = DAY(2026, 10, 10)
    donghu = (
        orders(6, DONGHU_C1, "12345热线", closed_at=dt.datetime(2026, 10, 5), satisfaction="满意", deadline=due)
        + orders(2, DONGHU_C1, "12345热线", closed_at=dt.datetime(2026, 10, 12), satisfaction="不满意", deadline=due)
        + orders(5, DONGHU_C2, "微信小程序", department="街道办")
        + orders(2, DONGHU_C2, "网络舆情", department=None)
    )  # fmt: skip
    xiling = orders(7, XILING_C1, "12345热线", department="街道办") + orders(
        5, XILING_C1, "微信小程序", department="街道办"
    )
    put(lake, "cases", donghu + xiling)
    answer = raw_answer(lake, "street_case_channels")
    # 3 streets × October × (3 channels + 3 departments: 城管局, 街道办, 未派单).
    assert len(answer) == 3 * 1 * 6
    got = {
        (r["street_code"], r["breakdown"], r["value"]): r["records"] for r in answer if r["records"]
    }
    assert got == {
        (DONGHU, "受理渠道", "12345热线"): 8, (DONGHU, "受理渠道", "微信小程序"): 5,
        (DONGHU, "受理渠道", "网络舆情"): 2, (DONGHU, "承办部门", "城管局"): 8,
        (DONGHU, "承办部门", "街道办"): 5, (DONGHU, "承办部门", "未派单"): 2,
        (XILING, "受理渠道", "12345热线"): 7, (XILING, "受理渠道", "微信小程序"): 5,
        (XILING, "承办部门", "街道办"): 12,
    }  # fmt: skip
    hotline = _only(answer, street_code=DONGHU, breakdown="受理渠道", value="12345热线")
    assert (hotline["closed"], hotline["closed_on_time"], hotline["on_time_rate"]) == (8, 6, 0.75)
    assert hotline["satisfaction_rate"] == 0.75

    shown = built(lake, "street_case_channels")
    # The 2 posts are below 5 under both breakdowns. 东湖's total (17) would give them back,
    # so 东湖's 5 WeChat orders (and 街道办's 5) are blanked too; the district's WeChat total
    # (10) would then give those back from 西岭's 5, so 西岭's are blanked; 西岭's total (12)
    # would give those back from its 7 hotline orders … the chain closes only with every
    # cell of 东湖 and 西岭 blank. 南桥 has no orders: its zeros stay (a zero names no one).
    blank = {(r["street_code"], r["breakdown"], r["value"]) for r in shown if r["records"] is None}
    assert blank == {
        (r["street_code"], r["breakdown"], r["value"])
        for r in answer
        if r["street_code"] != NANQIAO
    }
    assert all(r["records"] == 0 for r in shown if r["street_code"] == NANQIAO)
    margins = [["street_code", "month", "breakdown"], ["month", "breakdown", "value"]]
    _no_blank_recovered(shown, answer, "records", margins)
    for row in shown:
        if row["records"] is None:
            assert row["closed"] is None and row["on_time_rate"] is None


def _no_blank_recovered(
    shown: list[dict[str, Any]], truth: list[dict[str, Any]], count: str, margins: list[list[str]]
) -> None:
    """The attacker of tests/products/recovery_attacks.py, knowing every margin's true total
    (unless it is a small count), recovers no blank and cannot tell a small one."""
    values = [r[count] for r in truth]
    known = [
        Known.exact(group, total)
        for by in margins
        for group in groups_by(truth, by)
        if (total := sum(values[r] for r in group)) == 0 or total >= 5
    ]
    cells = [r[count] for r in shown]
    assert all(c is None or c == v for c, v in zip(cells, values, strict=True))
    assert not subtract(cells, known)
    found = ranges(cells, known, lower=0)
    assert not pinned(found)
    small = [row for row in found if 0 < values[row] < 5]
    alone = ranges([None] * len(cells), known, lower=0, cells=small)  # what totals allow
    for row in small:
        assert found[row][1] >= min(5, alone[row][1]), shown[row]


# --- street_enterprise_roster ------------------------------------------------------------


def test_enterprise_roster_lists_open_businesses_with_the_representative_sealed(
    lake: duckdb.DuckDBPyConnection,
) -> None:
    put(
        lake,
        "enterprises",
        [
            {"uscc": "91440300AAAAAAAA1B", "name": "甲", "status": "存续", "industry": "零售",
             "street_code": DONGHU, "community_code": DONGHU_C1, "legal_rep_sealed": b"rep-a",
             "legal_rep_phone_sealed": b"phone-a", "legal_rep_id_token": "t1_rep_a"},
            {"uscc": "91440300BBBBBBBB2C", "name": "乙", "status": "注销", "industry": "零售",
             "street_code": DONGHU, "community_code": DONGHU_C1},
            {"uscc": "91440300CCCCCCCC3D", "name": "丙", "status": "在业", "industry": "餐饮",
             "street_code": DONGHU, "community_code": DONGHU_C2},
        ],
    )  # fmt: skip
    shown = built(lake, "street_enterprise_roster")
    # 注销 left out; ordered by street, industry (零售 U+96F6 before 餐饮 U+9910), code
    assert [r["name"] for r in shown] == ["甲", "丙"]
    first = _only(shown, name="甲")
    assert (first["legal_rep"], first["legal_rep_phone"]) == (b"rep-a", b"phone-a")
    assert first["legal_rep_token"] == "t1_rep_a"


# --- street_social_organisations ---------------------------------------------------------


def test_social_organisations_in_good_standing_by_street_and_community(
    lake: duckdb.DuckDBPyConnection,
) -> None:
    put(
        lake,
        "social_organisations",
        [
            {"credit_code": "51440305MJ0000001X", "name": "示范区东湖社区老年人协会", "org_type": "社会团体",
             "status": "正常", "street_code": DONGHU, "community_code": DONGHU_C1,
             "legal_rep_sealed": b"rep-1", "legal_rep_phone_sealed": b"phone-1"},
            {"credit_code": "52440305MJ0000002Y", "name": "示范区阳光养老服务中心", "org_type": "民办非企业单位",
             "status": "注销", "street_code": DONGHU, "community_code": DONGHU_C2},
            {"credit_code": "53440305MJ0000003Z", "name": "示范区西岭慈善基金会", "org_type": "基金会",
             "status": "正常", "street_code": XILING, "community_code": XILING_C1},
        ],
    )  # fmt: skip
    shown = built(lake, "street_social_organisations")
    assert [(r["street_code"], r["community_name"], r["org_type"]) for r in shown] == [
        (DONGHU, "东湖社区", "社会团体"),
        (XILING, "西岭社区", "基金会"),
    ]
    assert shown[0]["legal_rep"] == b"rep-1" and shown[0]["legal_rep_phone"] == b"phone-1"


# --- the proactive-service lists ---------------------------------------------------------


def test_turning_sixty_next_month(lake: duckdb.DuckDBPyConnection) -> None:
    born = {
        "t1_jan1": DAY(1967, 1, 1),  # 60 on 2027-01-01: in January, the month after December
        "t1_jan31": DAY(1967, 1, 31),
        "t1_dec31": DAY(1966, 12, 31),  # 60 this month: not next month
        "t1_feb1": DAY(1967, 2, 1),
        "t1_jan_58": DAY(1969, 1, 10),
    }
    put(
        lake,
        "population",
        [
            _resident(id_number_token=t, birth_date=b, name_sealed=t.encode(), reg_type="户籍")
            for t, b in born.items()
        ],
    )
    shown = built(lake, "proactive_turning_sixty")
    assert [(r["person_token"], r["turns_60_on"]) for r in shown] == [
        ("t1_jan1", DAY(2027, 1, 1)),
        ("t1_jan31", DAY(2027, 1, 31)),
    ]
    assert shown[0]["name"] == b"t1_jan1" and shown[0]["community_name"] == "东湖社区"


def test_elderly_living_alone_in_their_household(lake: duckdb.DuckDBPyConnection) -> None:
    put(
        lake,
        "population",
        [
            _resident(id_number_token="t1_alone76", household_no_token="h1", birth_date=DAY(1950, 6, 1)),
            _resident(id_number_token="t1_alone69", household_no_token="h2", birth_date=DAY(1957, 1, 10)),
            _resident(id_number_token="t1_couple_a", household_no_token="h3", birth_date=DAY(1946, 3, 1)),
            _resident(id_number_token="t1_couple_b", household_no_token="h3", birth_date=DAY(1947, 3, 1)),
            _resident(id_number_token="t1_floating80", household_no_token=None, birth_date=DAY(1946, 1, 1)),
            # 70 on the build date itself.
            _resident(id_number_token="t1_alone70", household_no_token="h4", birth_date=DAY(1956, 12, 15)),
        ],
    )  # fmt: skip
    put(
        lake,
        "assistance",
        [
            {"id_number_token": "t1_alone76", "category": "独居老人"},
            {"id_number_token": "t1_alone70", "category": "高龄补贴"},
        ],
    )
    shown = built(lake, "proactive_elderly_alone")
    assert [(r["person_token"], r["age"], r["on_living_alone_roll"]) for r in shown] == [
        ("t1_alone76", 76, True),
        ("t1_alone70", 70, False),
    ]


def test_disabled_without_a_visit_in_ninety_days(lake: duckdb.DuckDBPyConnection) -> None:
    # 90 days up to 2026-12-15: a visit on or after 2026-09-16 keeps someone off the list.
    def disabled(token: str, category: str = "残疾人两项补贴") -> dict[str, object]:
        return {"id_number_token": token, "category": category, "disability_grade": "二级",
                "street_code": DONGHU, "community_code": DONGHU_C1}  # fmt: skip

    put(
        lake,
        "assistance",
        [disabled(t) for t in ("t1_a", "t1_b", "t1_c", "t1_d", "t1_f")]
        + [disabled("t1_e", "高龄补贴")],
    )
    put(
        lake,
        "visits",
        [
            {"resident_id_token": "t1_a", "visited_on": DAY(2026, 11, 1)},
            {"resident_id_token": "t1_b", "visited_on": DAY(2026, 9, 16)},
            {"resident_id_token": "t1_c", "visited_on": DAY(2026, 9, 15)},
            {"resident_id_token": "t1_c", "visited_on": DAY(2026, 3, 1)},
            {"resident_id_token": "t1_f", "visited_on": DAY(2026, 12, 20)},  # after today
        ],
    )
    shown = built(lake, "proactive_disabled_unvisited")
    assert [(r["person_token"], r["last_visited_on"]) for r in shown] == [
        ("t1_d", None),  # never visited
        ("t1_f", None),  # only a visit dated after the build date
        ("t1_c", DAY(2026, 9, 15)),  # last visit 91 days before
    ]
    assert {r["disability_grade"] for r in shown} == {"二级"}


def test_a_list_is_not_built_before_its_inputs(lake: duckdb.DuckDBPyConnection) -> None:
    put(lake, "assistance", [])
    with pytest.raises(ProductInputMissing, match="protected_visits"):
        built(lake, "proactive_disabled_unvisited")


def test_every_product_is_tested_here() -> None:
    # This file and its siblings (test_products_hand_made_*.py: one per family of products).
    here = Path(__file__)
    source = "".join(p.read_text(encoding="utf-8") for p in here.parent.glob(f"{here.stem}*.py"))
    for name in CATALOG.products:
        assert f'"{name}"' in source, f"product {name} has no hand-made test"


# --- street_repeat_complaints ------------------------------------------------------------


def test_repeat_complaints_list_addresses_with_three_cases_in_ninety_days(
    lake: duckdb.DuckDBPyConnection,
) -> None:
    # 90 days up to 2026-12-15: received on or after 2026-09-17 counts.
    def at(token: str, community: str, category: str, day: dt.date, **fields: object) -> dict:
        return _case(
            community,
            category,
            dt.datetime.combine(day, dt.time(10)),
            location_token=token,
            **fields,
        )

    a1 = at("t1_addr_a", DONGHU_C1, "噪音扰民", DAY(2026, 10, 3))
    a1_wechat = at("t1_addr_a", DONGHU_C1, "噪音扰民", DAY(2026, 10, 4), _source="wx_cases")
    d = [
        at("t1_addr_d", DONGHU_C2, "环境卫生", DAY(2026, 11, 2), _source=s)
        for s in ("hl_cases", "wx_cases", "wb_cases")
    ]
    records = [
        a1, a1_wechat,  # one case told twice: one case at 甲
        at("t1_addr_a", DONGHU_C1, "噪音扰民", DAY(2026, 11, 1)),
        at("t1_addr_a", DONGHU_C1, "环境卫生", DAY(2026, 12, 1)),
        at("t1_addr_a", DONGHU_C1, "噪音扰民", DAY(2026, 12, 20)),  # after the build date
        # 乙: three cases, but the first on 2026-09-16, 90 days before: two in the window.
        at("t1_addr_b", DONGHU_C2, "占道经营", DAY(2026, 9, 16)),
        at("t1_addr_b", DONGHU_C2, "占道经营", DAY(2026, 9, 17)),
        at("t1_addr_b", DONGHU_C2, "占道经营", DAY(2026, 12, 15)),
        # 丙 in 西岭街道: four parking cases.
        *[at("t1_addr_c", XILING_C1, "停车管理", DAY(2026, 11, 10 + i)) for i in range(4)],
        # 丁: one incident on three channels is one case, not a repeat.
        *d,
        _case(DONGHU_C1, "噪音扰民", dt.datetime(2026, 11, 5, 9)),  # no address
        # 戊: three posts no department took (Weibo alone, the place guessed from the text).
        *[at("t1_addr_e", DONGHU_C3, "噪音扰民", DAY(2026, 11, 20 + i), _source="wb_cases", department=None) for i in range(3)],
    ]  # fmt: skip
    put(lake, "cases", records)
    key = lambda r: (r["_source"], r["case_no"])  # noqa: E731
    merged(lake, {"C-a1": [key(a1), key(a1_wechat)], "C-d": [key(r) for r in d]})
    shown = built(lake, "street_repeat_complaints")
    assert [
        (r["street_code"], r["community_name"], r["address_token"], r["cases"], r["categories"],
         r["about"], r["first_received_on"], r["last_received_on"])
        for r in shown
    ] == [
        (DONGHU, "东湖社区", "t1_addr_a", 3, 2, "噪音扰民 2、环境卫生 1", DAY(2026, 10, 3), DAY(2026, 12, 1)),
        (XILING, "西岭社区", "t1_addr_c", 4, 1, "停车管理 4", DAY(2026, 11, 10), DAY(2026, 11, 13)),
    ]  # fmt: skip
