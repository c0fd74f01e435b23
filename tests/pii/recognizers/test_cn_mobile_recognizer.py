"""True matches, near misses and score ranges for CnMobileRecognizer."""

from __future__ import annotations

import datetime as dt

import pytest

from identifiers.resident_id import make
from pii.analyzer import build_analyzer
from pii.recognizers import CnMobileRecognizer
from pii.text_scan import find

MOBILE = "13812345678"
ID = make("440305", dt.date(1990, 3, 7), 123)  # holds 19900307123, mobile-shaped
FULLWIDTH = str.maketrans("+0123456789", "＋０１２３４５６７８９")

# (text, the number as written in it)
TRUE_MATCHES = [
    (f"电话{MOBILE}，", MOBILE),
    (MOBILE, MOBILE),
    (f"手机号码{MOBILE}转人工", MOBILE),
    ("联系方式：138 1234 5678。", "138 1234 5678"),
    ("联系方式：138-1234-5678。", "138-1234-5678"),
    ("电话：+86 138 1234 5678", "+86 138 1234 5678"),
    ("电话+8613812345678", "+8613812345678"),
    ("电话 0086 13812345678", "0086 13812345678"),
    ("电话0086-138-1234-5678", "0086-138-1234-5678"),
    (f"电话{MOBILE.translate(FULLWIDTH)}。", MOBILE.translate(FULLWIDTH)),
    ("电话＋８６ １３８ １２３４ ５６７８", "＋８６ １３８ １２３４ ５６７８"),
    ("电话138\u30001234\u30005678", "138\u30001234\u30005678"),
    ("Tel: 15912345678", "15912345678"),
    (f"（{MOBILE}）", MOBILE),
    (f"张先生{MOBILE}反映", MOBILE),
    *[(f"号码1{second}012345678", f"1{second}012345678") for second in "3456789"],
]


@pytest.mark.parametrize(("text", "written"), TRUE_MATCHES)
def test_true_match_is_found_with_exact_span(text: str, written: str) -> None:
    findings = find(text)
    start = text.index(written)
    assert [(f.entity, f.start, f.end) for f in findings] == [
        ("CN_MOBILE", start, start + len(written))
    ]


def test_two_numbers_separated_by_a_slash_are_two_findings() -> None:
    text = "电话13812345678/13987654321"
    assert [(f.start, f.end) for f in find(text)] == [(2, 13), (14, 25)]


NEAR_MISSES = [
    pytest.param(f"身份证{ID}", id="inside an 18-digit ID"),
    pytest.param(f"{ID[:6]} {ID[6:14]} {ID[14:]}", id="inside a grouped ID"),
    pytest.param(f"工单{ID[:17]}0", id="inside an 18-digit number with a wrong check"),
    pytest.param("工单号202611013812345678", id="tail of a work-order number"),
    pytest.param("工单号2026-13812345678", id="tail of a dashed work-order number"),
    pytest.param("工单号13812345678-01", id="head of a dashed work-order number"),
    pytest.param("案件编号GD13812345678", id="letter-prefixed case number"),
    pytest.param(f"{MOBILE}abc", id="letters right after"),
    pytest.param("金额13812345678.50元", id="decimal amount"),
    pytest.param("请拨打12345、110、10086", id="hotline numbers"),
    pytest.param("138123456789", id="12 digits"),
    pytest.param("1381234567", id="10 digits"),
    pytest.param("12812345678", id="second digit 2"),
    pytest.param("11012345678", id="second digit 1"),
    pytest.param("电话0755-12345678", id="landline"),
    pytest.param("2026年11月1日 20261101083000", id="dates"),
    pytest.param("1381 234 5678", id="grouping no one uses"),
    pytest.param("138  1234  5678", id="two separators in a row"),
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_miss_stays_silent(text: str) -> None:
    assert [f for f in find(text) if f.entity == "CN_MOBILE"] == []


def test_recognizer_alone_does_not_fire_inside_an_id() -> None:
    # Not only hidden by the ID winning the overlap: the mobile pattern itself stays quiet.
    assert CnMobileRecognizer().analyze(f"身份证{ID}", entities=["CN_MOBILE"]) == []


def test_score_without_context_is_moderate() -> None:
    [finding] = find(f"见{MOBILE}")
    assert 0.5 <= finding.score < 0.9


@pytest.mark.parametrize("context_word", ["电话", "手机", "联系电话", "致电", "来电", "TEL: "])
def test_context_word_raises_the_score(context_word: str) -> None:
    [finding] = find(f"{context_word}{MOBILE}")
    assert finding.score >= 0.9


def test_context_from_the_caller_raises_the_score() -> None:
    # A column header passed as context counts like a word in the text.
    [plain] = build_analyzer().analyze(MOBILE, language="zh")
    [boosted] = build_analyzer().analyze(MOBILE, language="zh", context=["联系电话"])
    assert boosted.score >= 0.9 > plain.score
