"""True matches, near misses and score ranges for CnPassportRecognizer."""

from __future__ import annotations

import pytest
from recognizer_checks import assert_precheck_admits

from pii.recognizers import CnPassportRecognizer
from pii.text_scan import find

ENTITY = "CN_PASSPORT"

# (text, the number as written in it)
TRUE_MATCHES = [
    ("护照号E12345678，", "E12345678"),
    ("E12345678", "E12345678"),
    ("持E12345678号护照入境", "E12345678"),
    ("护照EA1234567", "EA1234567"),
    ("护照号码：G12345678。", "G12345678"),
    ("因公护照P1234567", "P1234567"),
    ("外交护照D12345678", "D12345678"),
    ("公务护照S1234567", "S1234567"),
    ("护照号e12345678", "e12345678"),
    ("护照号Ｅ１２３４５６７８。", "Ｅ１２３４５６７８"),
    ("Passport No. E12345678", "E12345678"),
    ("（护照：EH7654321）", "EH7654321"),
    ("护照E12345678，电话13812345678", "E12345678"),
]


@pytest.mark.parametrize(("text", "written"), TRUE_MATCHES)
def test_true_match_is_found_with_exact_span(text: str, written: str) -> None:
    findings = [f for f in find(text) if f.entity == ENTITY]
    start = text.index(written)
    assert [(f.start, f.end) for f in findings] == [(start, start + len(written))]


NEAR_MISSES = [
    pytest.param("案件编号GD2026110100012", id="case number"),
    pytest.param("编号GD20261101", id="short case number"),
    pytest.param("护照E123456789", id="E with nine digits"),
    pytest.param("护照E1234567", id="E with seven digits"),
    pytest.param("护照号ABE12345678", id="inside a longer code (before)"),
    pytest.param("护照号E12345678X", id="inside a longer code (after)"),
    pytest.param("护照号E12345678-01", id="head of a dashed number"),
    pytest.param("护照号2026-E12345678", id="tail of a dashed number"),
    pytest.param("护照EI1234567", id="E and the letter I"),
    pytest.param("护照EO1234567", id="E and the letter O"),
    pytest.param("护照G1234567", id="legacy form with seven digits"),
    pytest.param("护照P123456", id="official form with six digits"),
    pytest.param("型号G12345678", id="legacy form without context"),
    pytest.param("编号D1234567", id="official form without context"),
    pytest.param("编号S12345678", id="service form without context"),
    pytest.param("编号P1234567", id="diplomatic form without context"),
    pytest.param("货号EA1234567", id="E and a letter without context"),
    pytest.param("身份证4.40305E+17", id="Excel scientific notation"),
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_miss_stays_silent(text: str) -> None:
    assert [f for f in find(text) if f.entity == ENTITY] == []


def test_e_passport_scores_moderately_without_context() -> None:
    [finding] = find("见E12345678")
    assert finding.entity == ENTITY
    assert 0.5 <= finding.score < 0.8


@pytest.mark.parametrize("number", ["EA1234567", "G12345678", "D1234567", "S12345678", "P1234567"])
def test_other_forms_score_below_the_threshold_without_context(number: str) -> None:
    [alone] = CnPassportRecognizer().analyze(f"见{number}", entities=[ENTITY])
    assert 0.3 <= alone.score < 0.5


@pytest.mark.parametrize("context_word", ["护照", "护照号", "Passport: "])
@pytest.mark.parametrize(
    "number", ["E12345678", "EA1234567", "G12345678", "D1234567", "S12345678", "P1234567"]
)
def test_context_word_raises_every_form(context_word: str, number: str) -> None:
    [finding] = find(f"{context_word}{number}")
    assert finding.entity == ENTITY
    assert finding.score >= 0.8


def test_every_true_match_passes_the_precheck_in_python_and_arrow() -> None:
    assert_precheck_admits(CnPassportRecognizer, [text for text, _ in TRUE_MATCHES])
