"""True matches, near misses and score ranges for CnUsccRecognizer."""

from __future__ import annotations

import datetime as dt

import pytest
from recognizer_checks import assert_precheck_admits

from identifiers import credit_code, resident_id
from pii.recognizers import CnUsccRecognizer
from pii.text_scan import find

ENTITY = "CN_USCC"
USCC = "91350100M000100Y43"  # the example printed in GB 32100-2015
MA_CODE = credit_code.make("91440300MA5FXXXX1")  # a company registered since 2015
SOLE_TRADER = credit_code.make("92440300L12345678")  # 个体工商户
FULLWIDTH = str.maketrans(
    "0123456789ABCDEFGHJKLMNPQRTUWXY",
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ",
)
ID = resident_id.make("440305", dt.date(1990, 3, 7), 123)  # not a valid USCC
WRONG_CHECK = USCC[:17] + ("4" if USCC[17] != "4" else "5")


def _all_digit_code() -> str:
    """A valid all-digit code (机关, Beijing) that is no resident ID."""
    for sequence in range(10_000):
        value = credit_code.make(f"11110000{sequence:09d}")
        if value.isdigit() and not resident_id.is_valid(value):
            return value
    raise AssertionError("no all-digit code found")


def _resident_id_that_is_also_a_credit_code() -> str:
    """A valid resident ID that passes the MOD 31 check and the code's structure too."""
    for sequence in range(1000):
        value = resident_id.make("511101", dt.date(1985, 6, 1), sequence)
        if credit_code.is_valid(value):
            return value
    raise AssertionError("no resident ID is also a credit code")


ALL_DIGITS = _all_digit_code()
BOTH = _resident_id_that_is_also_a_credit_code()

# (text, the code as written in it)
TRUE_MATCHES = [
    (f"统一社会信用代码：{USCC}。", USCC),
    (USCC, USCC),
    (f"该公司{USCC}存在违规经营", USCC),
    (f"信用代码{USCC.lower()}，", USCC.lower()),
    (f"信用代码{USCC.translate(FULLWIDTH)}。", USCC.translate(FULLWIDTH)),
    (f"营业执照号{MA_CODE}", MA_CODE),
    (f"个体户（{SOLE_TRADER}）", SOLE_TRADER),
    (f"机关代码{ALL_DIGITS}", ALL_DIGITS),
    (f"(USCC: {USCC})", USCC),
    (f"电话13812345678，信用代码{USCC}", USCC),
    (f"身份证{ID}，单位{MA_CODE}", MA_CODE),
]


@pytest.mark.parametrize(("text", "written"), TRUE_MATCHES)
def test_true_match_is_found_with_exact_span_and_high_score(text: str, written: str) -> None:
    findings = [f for f in find(text) if f.entity == ENTITY]
    start = text.index(written)
    assert [(f.start, f.end) for f in findings] == [(start, start + len(written))]
    assert findings[0].score == 1.0


NEAR_MISSES = [
    pytest.param(f"信用代码{WRONG_CHECK}", id="wrong check character"),
    pytest.param(f"身份证{ID}", id="valid resident ID, wrong MOD 31 check"),
    pytest.param("工单号202611010012345678", id="18-digit work-order number"),
    pytest.param(
        f"工单号{credit_code.make('20261101001234567')}", id="work-order number passing MOD 31"
    ),
    pytest.param(f"代码{credit_code.make('91990100M000100Y4')}", id="unknown region"),
    pytest.param(f"代码{credit_code.make('95350100M000100Y4')}", id="unknown entity kind"),
    pytest.param(f"代码{credit_code.make('B1350100M000100Y4')}", id="unknown authority"),
    pytest.param("信用代码91350100M000100I43", id="letter I outside the alphabet"),
    pytest.param(f"案件编号GD{USCC}", id="inside a longer code (before)"),
    pytest.param(f"编号{USCC}7", id="inside a longer code (after)"),
    pytest.param(f"编号{USCC}abc", id="letters right after"),
    pytest.param(f"单号2026-{ALL_DIGITS}", id="tail of a dashed number"),
    pytest.param(f"信用代码{USCC[:17]}", id="17 characters"),
    pytest.param("案件编号GD2026110100012", id="case number"),
    pytest.param("联系电话13812345678", id="mobile"),
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_miss_stays_silent(text: str) -> None:
    assert [f for f in find(text) if f.entity == ENTITY] == []


def test_a_resident_id_that_is_also_a_valid_code_is_reported_as_a_resident_id() -> None:
    assert resident_id.is_valid(BOTH) and credit_code.is_valid(BOTH)
    [finding] = find(f"材料{BOTH}")
    assert (finding.entity, finding.score) == ("CN_RESIDENT_ID", 1.0)
    [alone] = CnUsccRecognizer().analyze(BOTH, entities=[ENTITY])
    assert alone.score < 0.5


def test_recognizer_on_its_own_validates_with_the_shared_identifier_rules() -> None:
    recognizer = CnUsccRecognizer()
    [valid] = recognizer.analyze(f"代码{USCC}", entities=[ENTITY])
    assert (valid.start, valid.end, valid.score) == (2, 20, 1.0)
    assert recognizer.analyze(f"代码{WRONG_CHECK}", entities=[ENTITY]) == []
    assert recognizer.validate_result(USCC) is True
    assert recognizer.validate_result(WRONG_CHECK) is False
    assert recognizer.validate_result(ID) is False
    assert recognizer.validate_result(BOTH) is None


def test_every_true_match_passes_the_precheck_in_python_and_arrow() -> None:
    assert_precheck_admits(CnUsccRecognizer, [text for text, _ in TRUE_MATCHES])
