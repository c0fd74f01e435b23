"""True matches, near misses and score ranges for CnLicensePlateRecognizer."""

from __future__ import annotations

import pytest
from recognizer_checks import assert_precheck_admits

from pii.recognizers import CnLicensePlateRecognizer
from pii.recognizers.cn_license_plate_recognizer import PROVINCES
from pii.text_scan import find

ENTITY = "CN_LICENSE_PLATE"

# (text, the plate as written in it)
TRUE_MATCHES = [
    ("车牌粤B12345违停", "粤B12345"),
    ("粤B12345", "粤B12345"),
    ("一辆粤B·12345在小区门口", "粤B·12345"),
    ("京A 8K9Z2", "京A 8K9Z2"),
    ("沪A•D1234占道", "沪A•D1234"),
    ("京A-12345", "京A-12345"),
    ("新能源车粤BD12345", "粤BD12345"),
    ("粤BFA1234充电", "粤BFA1234"),
    ("大巴粤B12345D", "粤B12345D"),
    ("教练车粤B1234学", "粤B1234学"),
    ("挂车粤B1234挂", "粤B1234挂"),
    ("车辆粤b12345", "粤b12345"),
    ("京Ａ１２３４５停放", "京Ａ１２３４５"),
    ("车牌号：川A12345，车主反映", "川A12345"),
    ("车牌苏E12345，电话13812345678", "苏E12345"),
    ("新A12345", "新A12345"),
    *[(f"车牌{province}A12345", f"{province}A12345") for province in PROVINCES],
]


@pytest.mark.parametrize(("text", "written"), TRUE_MATCHES)
def test_true_match_is_found_with_exact_span(text: str, written: str) -> None:
    findings = [f for f in find(text) if f.entity == ENTITY]
    start = text.index(written)
    assert [(f.start, f.end) for f in findings] == [(start, start + len(written))]


NEAR_MISSES = [
    pytest.param("粤B123456789", id="digits run on"),
    pytest.param("粤B123456", id="six digits, no new-energy letter"),
    pytest.param("京A", id="too short"),
    pytest.param("京A股上涨", id="a word, not a plate"),
    pytest.param("京A1234", id="four characters"),
    pytest.param("粤B12345abc", id="letters right after"),
    pytest.param("粤B12345.6", id="decimal after"),
    pytest.param("粤I12345", id="letter I"),
    pytest.param("粤O12345", id="letter O"),
    pytest.param("新GALAXY", id="English word after a province character"),
    pytest.param("新ABCDE", id="no digit"),
    pytest.param("粤BD1A234", id="new-energy serial with a letter among its last four"),
    pytest.param("苏AB1CDE", id="one digit only"),
    pytest.param("广B12345", id="not a province abbreviation"),
    pytest.param("案件编号GD2026110100012", id="case number"),
    pytest.param("联系电话13812345678", id="mobile"),
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_miss_stays_silent(text: str) -> None:
    assert [f for f in find(text) if f.entity == ENTITY] == []


def test_score_without_context_is_moderate() -> None:
    [finding] = find("见粤B12345")
    assert finding.entity == ENTITY
    assert 0.6 <= finding.score < 0.9


@pytest.mark.parametrize("context_word", ["车牌", "车牌号", "牌照", "车辆"])
def test_context_word_raises_the_score(context_word: str) -> None:
    [finding] = find(f"{context_word}粤B12345")
    assert finding.score >= 0.95


def test_every_true_match_passes_the_precheck_in_python_and_arrow() -> None:
    assert_precheck_admits(CnLicensePlateRecognizer, [text for text, _ in TRUE_MATCHES])
