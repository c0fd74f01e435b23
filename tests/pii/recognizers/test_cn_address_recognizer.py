"""True matches, near misses and score ranges for CnAddressRecognizer."""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from pii.analyzer import build_analyzer
from pii.recognizers import CnAddressRecognizer
from pii.text_scan import find

ADDRESS = "ADDRESS"
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
HOME = "示范区东湖街道翠竹社区桂花路12号3栋2单元501室"


def _addresses(text: str, context: list[str] | None = None) -> list[tuple[int, int, float]]:
    return [(f.start, f.end, f.score) for f in find(text, context=context) if f.entity == ADDRESS]


# (text, the address in it)
TRUE_MATCHES = [
    (HOME, HOME),
    (f"我住在{HOME}，电话13812345678。", HOME),
    ("桂花路12号", "桂花路12号"),
    ("翠竹花园3栋2单元501室", "翠竹花园3栋2单元501室"),
    ("幸福里小区5号楼1单元302", "幸福里小区5号楼1单元302"),
    ("广东省深圳市南山区科技园路1号", "广东省深圳市南山区科技园路1号"),
    ("三组15号", "三组15号"),
    ("示范区西岭街道桃源村五组59号", "示范区西岭街道桃源村五组59号"),
    ("家住碧桂苑十二栋二单元301室", "碧桂苑十二栋二单元301室"),
    ("家住翠竹社区桂花路十二号三栋二单元五〇一室", "翠竹社区桂花路十二号三栋二单元五〇一室"),
    (f"住址：{HOME.translate(FULLWIDTH)}", HOME.translate(FULLWIDTH)),
    ("经营场所金色港湾15栋4单元403室）", "金色港湾15栋4单元403室"),
    ("房屋位于解放大道31号20栋3单元2505房。", "解放大道31号20栋3单元2505房"),
    ("楼下便利店东湖路12号附近有人占道。", "东湖路12号"),
    ("反映幸福街103号3栋王鑫旭家养狗不拴绳。", "幸福街103号3栋"),
    ("西岭路113号楼顶有人私自加建。", "西岭路113号"),
    ("示范区西岭街道西岭社区莲花路193号204铺", "示范区西岭街道西岭社区莲花路193号204铺"),
    ("和平社区3栋203室漏水", "和平社区3栋203室"),
    ("东城区新华街道阳光花园6栋2单元2907室楼上夜间噪音", "东城区新华街道阳光花园6栋2单元2907室"),
    ("地址：渔村大厦12栋。", "渔村大厦12栋"),
    ("东湖街道幸福里12号", "东湖街道幸福里12号"),
    ("家庭住址滨河路三十三号十二号楼五单元1106房，", "滨河路三十三号十二号楼五单元1106房"),
    ("我住3栋2单元501室，楼上漏水。", "3栋2单元501室"),
    ("北京市朝阳区望京街道A座1203室", "北京市朝阳区望京街道A座1203室"),
    ("幸福花园二期3栋2单元501室", "幸福花园二期3栋2单元501室"),
]


@pytest.mark.parametrize(("text", "address"), TRUE_MATCHES)
def test_true_match_is_found_with_exact_span(text: str, address: str) -> None:
    start = text.index(address)
    assert [(s, e) for s, e, _ in _addresses(text)] == [(start, start + len(address))]


def test_two_addresses_in_one_text() -> None:
    text = "从桂花路12号搬到翠竹花园3栋2单元501室。"
    assert [text[s:e] for s, e, _ in _addresses(text)] == ["桂花路12号", "翠竹花园3栋2单元501室"]


NEAR_MISSES = [
    pytest.param("12345", id="hotline"),
    pytest.param("请拨打12345热线反映。", id="hotline in text"),
    pytest.param("2026年3月5号起楼道灯不亮", id="date with 号"),
    pytest.param("我知道3号那天有人施工", id="知道 ends in 道, 3号 a day"),
    pytest.param("请于3号前处理完毕", id="day before"),
    pytest.param("地铁3号线站口有人发小广告", id="metro line"),
    pytest.param("3号线", id="metro line alone"),
    pytest.param("按2号文件执行", id="document number"),
    pytest.param("第3号", id="ordinal"),
    pytest.param("1号", id="bare number"),
    pytest.param("万达广场3号门有人摆摊", id="gate"),
    pytest.param("12路公交车晚点", id="bus route"),
    pytest.param("桂花路", id="bare road"),
    pytest.param("在桂花路被占道经营摊贩推搡", id="bare road in text"),
    pytest.param("翠竹社区", id="bare community"),
    pytest.param("示范区东湖街道", id="district and street"),
    pytest.param("东湖路与西林路交叉口", id="intersection"),
    pytest.param("文化路与建设路交叉口有流动摊贩占道经营", id="intersection in text"),
    pytest.param("我是8栋的郭刚", id="a building number alone"),
    pytest.param("马路对面3号楼", id="a building with no place"),
    pytest.param("金额5000.50元，罚款200元", id="amounts"),
    pytest.param("2026-11-01 08:30:00来电", id="timestamp"),
    pytest.param("工单号GD2026110100123", id="work order"),
    pytest.param("电话138 1234 5678", id="mobile"),
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_miss_stays_silent(text: str) -> None:
    assert _addresses(text) == []


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("见桂花路12号", 0.65, 0.75),  # a door number
        ("见翠竹花园3栋", 0.65, 0.75),  # a building
        ("见翠竹花园3栋2单元", 0.75, 0.85),  # down to the unit
        (f"见{HOME}", 0.85, 0.9),  # down to the room
        ("见3栋2单元501室", 0.55, 0.65),  # no place name
    ],
)
def test_score_grows_with_the_detail(text: str, low: float, high: float) -> None:
    [(_, _, score)] = _addresses(text)
    assert low <= score <= high


@pytest.mark.parametrize("context_word", ["住址", "地址：", "住在", "家住", "户籍地"])
def test_context_word_raises_the_score(context_word: str) -> None:
    [(_, _, score)] = _addresses(f"{context_word}桂花路12号")
    assert score >= 0.85


def test_context_from_the_caller_raises_the_score() -> None:
    [plain] = build_analyzer().analyze("桂花路12号", language="zh")
    [boosted] = build_analyzer().analyze("桂花路12号", language="zh", context=["家庭地址"])
    assert boosted.score >= 0.85 > plain.score
    assert [(s, e) for s, e, _ in _addresses("桂花路12号", context=["家庭地址"])] == [(0, 6)]


@pytest.mark.parametrize(("text", "address"), TRUE_MATCHES)
def test_precheck_holds_every_true_match(text: str, address: str) -> None:
    precheck = CnAddressRecognizer.PRECHECK
    assert precheck is not None
    assert re.search(precheck, text)
    assert re.search(precheck, address)
    # the same expression in Arrow's RE2, as scanners run it column-wise
    assert pc.match_substring_regex(pa.array([text]), precheck)[0].as_py()


def test_precheck_skips_texts_without_a_number_before_号_or_栋() -> None:
    assert not re.search(CnAddressRecognizer.PRECHECK, "东湖路与西林路交叉口，翠竹社区")


def test_built_like_the_registry_builds_it() -> None:
    recognizer = CnAddressRecognizer(name="cn_address", supported_language="zh")
    assert recognizer.supported_entities == [ADDRESS]
    results = recognizer.analyze("住在桂花路12号", entities=[ADDRESS])
    assert [(r.start, r.end) for r in results] == [(2, 8)]
    assert recognizer.analyze("住在桂花路12号", entities=["PERSON"]) == []
