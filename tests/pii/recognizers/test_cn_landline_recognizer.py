"""True matches, near misses and score ranges for CnLandlineRecognizer."""

from __future__ import annotations

import datetime as dt

import pytest
from recognizer_checks import assert_precheck_admits

from identifiers.resident_id import make
from pii.analyzer import build_analyzer
from pii.recognizers import CnLandlineRecognizer
from pii.text_scan import find

ENTITY = "CN_LANDLINE"
ID = make("440305", dt.date(1990, 3, 7), 123)  # 440305199003071236
FULLWIDTH = str.maketrans("+-0123456789", "＋－０１２３４５６７８９")

# (text, the number as written in it)
TRUE_MATCHES = [
    ("电话010-88886666，", "010-88886666"),
    ("010-88886666", "010-88886666"),
    ("座机：0755-8888-6666。", "0755-8888-6666"),
    ("联系电话 010 8888 6666", "010 8888 6666"),
    ("电话01088886666", "01088886666"),
    ("电话075588886666", "075588886666"),
    ("电话0755-2345678", "0755-2345678"),
    ("电话020\u300088886666", "020\u300088886666"),
    ("办公电话(010)8888-6666", "(010)8888-6666"),
    ("办公电话（0755）88886666。", "（0755）88886666"),
    ("电话（010） 8888 6666", "（010） 8888 6666"),
    ("电话：+86 10 8888 6666", "+86 10 8888 6666"),
    ("电话+86-755-8888-6666", "+86-755-8888-6666"),
    ("电话0086 20 8888 6666", "0086 20 8888 6666"),
    ("电话+8657188886666", "+8657188886666"),
    ("电话010-88886666".translate(FULLWIDTH) + "。", "010-88886666".translate(FULLWIDTH)),
    ("电话＋８６ １０ ８８８８ ６６６６", "＋８６ １０ ８８８８ ６６６６"),
    ("电话010-88886666转123", "010-88886666转123"),
    ("电话010-88886666-123，", "010-88886666-123"),
    ("张先生反映噪音扰民，座机0571-88886666，请回电。", "0571-88886666"),
    ("手机13812345678，座机010-88886666", "010-88886666"),
    (f"身份证{ID}，固话0755-88886666", "0755-88886666"),
    # A local number without area code, reported because a context word says it is a phone.
    ("电话：8888 6666", "8888 6666"),
    ("座机88886666", "88886666"),
    ("固话 2345678", "2345678"),
    ("联系电话8888-6666。", "8888-6666"),
    ("Tel: 8888-6666", "8888-6666"),
]


@pytest.mark.parametrize(("text", "written"), TRUE_MATCHES)
def test_true_match_is_found_with_exact_span(text: str, written: str) -> None:
    findings = [f for f in find(text) if f.entity == ENTITY]
    start = text.index(written)
    assert [(f.entity, f.start, f.end) for f in findings] == [(ENTITY, start, start + len(written))]


def test_a_mobile_and_a_landline_side_by_side_are_both_found() -> None:
    text = "电话13812345678、010-88886666"
    assert [(f.entity, f.start, f.end) for f in find(text)] == [
        ("CN_MOBILE", 2, 13),
        (ENTITY, 14, 26),
    ]


NEAR_MISSES = [
    pytest.param("请拨打12345热线、110报警、12315投诉", id="hotline numbers"),
    pytest.param("客服电话400-820-8820", id="400 service number"),
    pytest.param("客服电话400 820 8820", id="400 service number with spaces"),
    pytest.param("客服电话4008208820", id="400 service number in one run"),
    pytest.param("免费电话800-830-8888", id="800 service number"),
    pytest.param("客服电话+86 400 820 8820", id="400 service number after +86"),
    pytest.param("于2023-05-01 08:30:00来电", id="dashed date and time"),
    pytest.param("日期20230501，电话20230501", id="date digits, even after 电话"),
    pytest.param("2026年11月1日 20261101083000", id="date and timestamp"),
    pytest.param("金额3500.00元", id="amount"),
    pytest.param("电话费合计23456789.50元", id="decimal amount after 电话"),
    pytest.param("电话13812345678", id="mobile"),
    pytest.param("电话138 1234 5678", id="grouped mobile"),
    pytest.param("电话+86 138 1234 5678", id="mobile after +86"),
    pytest.param("电话013812345678", id="mobile with a trunk 0"),
    pytest.param(f"电话{ID}", id="inside an 18-digit ID"),
    pytest.param("工单号202611010012345678", id="18-digit work-order number"),
    pytest.param("工单号2026-010-88886666", id="tail of a dashed work-order number"),
    pytest.param("案件编号GD2026110100012", id="case number"),
    pytest.param("编号GD01088886666", id="letter-prefixed number"),
    pytest.param("电话010-88886666abc", id="letters right after"),
    pytest.param("电话4111 1111 1111 1111", id="group of a card number"),
    pytest.param("电话6222 8888 6666 7777", id="middle groups of a card number"),
    pytest.param("电话010-12345678", id="local number starting 1"),
    pytest.param("电话010-888666", id="local number too short"),
    pytest.param("电话888666", id="bare number too short"),
    pytest.param("电话010-8888-6666-123456", id="extension too long"),
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_miss_stays_silent(text: str) -> None:
    assert [f for f in find(text) if f.entity == ENTITY] == []


def test_recognizer_alone_does_not_fire_on_a_mobile_or_inside_an_id() -> None:
    recognizer = CnLandlineRecognizer()
    for text in ("电话13812345678", f"电话{ID}", "电话+86 138 1234 5678"):
        assert recognizer.analyze(text, entities=[ENTITY]) == []


def test_number_with_area_code_scores_moderately_without_context() -> None:
    [finding] = find("见010-88886666")
    assert finding.entity == ENTITY
    assert 0.5 <= finding.score < 0.9


@pytest.mark.parametrize("context_word", ["电话", "座机", "固话", "联系电话", "TEL: "])
def test_context_word_raises_the_score(context_word: str) -> None:
    [finding] = find(f"{context_word}0755-88886666")
    assert finding.score >= 0.9


def test_bare_local_number_is_reported_only_with_context() -> None:
    assert find("编号88886666") == []
    [low] = build_analyzer().analyze("编号88886666", language="zh", score_threshold=0.1)
    assert low.entity_type == ENTITY
    assert 0.1 <= low.score < 0.5
    [boosted] = find("座机88886666")
    assert 0.5 <= boosted.score < 0.9


def test_context_from_the_caller_raises_the_score() -> None:
    # A column header passed as context counts like a word in the text.
    assert build_analyzer().analyze("88886666", language="zh", score_threshold=0.5) == []
    [boosted] = build_analyzer().analyze(
        "88886666", language="zh", context=["联系电话"], score_threshold=0.5
    )
    assert boosted.entity_type == ENTITY


def test_validation_rejects_service_numbers_and_dates() -> None:
    recognizer = CnLandlineRecognizer()
    assert recognizer.validate_result("010-88886666") is None
    assert recognizer.validate_result("+86 10 8888 6666") is None
    assert recognizer.validate_result("+86 400 820 8820") is False
    assert recognizer.validate_result("20230501") is False
    assert recognizer.validate_result("88886666") is None


def test_every_true_match_passes_the_precheck_in_python_and_arrow() -> None:
    assert_precheck_admits(CnLandlineRecognizer, [text for text, _ in TRUE_MATCHES])
