"""True matches, near misses and score ranges for CnResidentIdRecognizer."""

from __future__ import annotations

import datetime as dt

import pytest

from identifiers.resident_id import check_char, make
from pii.detector import Detector
from pii.recognizers import CnResidentIdRecognizer
from pii.text_scan import find

ID = make("440305", dt.date(1990, 3, 7), 123)  # 440305199003071236
FULLWIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


def _id_ending_in_x() -> str:
    for sequence in range(1000):
        value = make("110101", dt.date(1985, 12, 31), sequence)
        if value.endswith("X"):
            return value
    raise AssertionError("no sequence gives check character X")


ID_X = _id_ending_in_x()
WRONG_CHECK = ID[:17] + ("0" if ID[17] != "0" else "1")
LEGACY_15 = "440305900307123"  # region, yymmdd, sequence; no check character


def _with_check(first17: str) -> str:
    return first17 + check_char(first17)


# (text, the ID as written in it)
TRUE_MATCHES = [
    (f"身份证{ID}，请尽快处理。", ID),
    (ID, ID),
    (f"反映人{ID}", ID),
    (f"{ID}号", ID),
    (f"证件号：{ID[:6]} {ID[6:14]} {ID[14:]}。", f"{ID[:6]} {ID[6:14]} {ID[14:]}"),
    (
        f"证件号 {ID[:6]} {ID[6:10]} {ID[10:14]} {ID[14:]}",
        f"{ID[:6]} {ID[6:10]} {ID[10:14]} {ID[14:]}",
    ),
    (f"号码{ID[:6]}-{ID[6:14]}-{ID[14:]}。", f"{ID[:6]}-{ID[6:14]}-{ID[14:]}"),
    (f"号码{ID[:6]}\u3000{ID[6:14]}\u3000{ID[14:]}", f"{ID[:6]}\u3000{ID[6:14]}\u3000{ID[14:]}"),
    (f"身份证{ID_X.lower()}，", ID_X.lower()),
    (f"身份证{ID_X}，", ID_X),
    (f"身份证{ID.translate(FULLWIDTH)}。", ID.translate(FULLWIDTH)),
    (f"身份证{ID_X.lower().translate(FULLWIDTH)}。", ID_X.lower().translate(FULLWIDTH)),
    (f"(ID: {ID})", ID),
    (f"电话13812345678，身份证{ID}", ID),
]


@pytest.mark.parametrize(("text", "written"), TRUE_MATCHES)
def test_true_match_is_found_with_exact_span_and_high_score(text: str, written: str) -> None:
    findings = [f for f in find(text) if f.entity == "CN_RESIDENT_ID"]
    start = text.index(written)
    assert [(f.start, f.end) for f in findings] == [(start, start + len(written))]
    assert findings[0].score >= 0.9


NEAR_MISSES = [
    pytest.param(f"工单{WRONG_CHECK}", id="18 digits, wrong check digit"),
    pytest.param("工单号202611010012345678", id="18-digit work-order number"),
    pytest.param("案件编号GD2026110100123", id="case number"),
    pytest.param(f"案件编号GD{ID}", id="valid ID inside a letter-prefixed case number"),
    pytest.param(f"流水号1{ID}", id="valid ID inside a longer number (before)"),
    pytest.param(f"流水号{ID}7", id="valid ID inside a longer number (after)"),
    pytest.param(f"单号2026-{ID}", id="valid ID as the tail of a dashed number"),
    pytest.param(f"金额{ID}.50元", id="valid ID digits as a decimal amount"),
    pytest.param(f"{ID_X}abc", id="letters right after"),
    pytest.param("请拨打12345热线或110报警", id="hotline numbers"),
    pytest.param("补贴金额12345678.90元，罚款1,000,000元", id="amounts"),
    pytest.param("2026年11月1日、2026-11-01 08:30:00、20261101083000", id="dates"),
    pytest.param("联系电话13812345678", id="mobile"),
    pytest.param(_with_check("44030519901307123"), id="month 13, valid check character"),
    pytest.param(_with_check("00030519900307123"), id="unknown province, valid check"),
    pytest.param(_with_check("44030529900307123"), id="birth date in the future"),
    pytest.param("身份证4.40305E+17", id="damaged by Excel"),
    pytest.param(f"身份证{ID[:17]}", id="17 digits"),
    pytest.param("身份证440305199003", id="too short"),
    pytest.param(f"{ID[:6]}  {ID[6:]}", id="two separators in a row"),
    pytest.param(f"{ID[:3]} {ID[3:]}", id="separator at a place no one groups"),
    pytest.param(LEGACY_15, id="legacy 15 digits without context"),
    pytest.param("身份证440305901307123", id="legacy 15 digits, month 13"),
    pytest.param("身份证202611010012345", id="legacy-length work-order number"),
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_miss_stays_silent(text: str) -> None:
    assert [f for f in find(text) if f.entity == "CN_RESIDENT_ID"] == []


def test_checksum_valid_match_scores_one_without_context() -> None:
    [finding] = find(f"材料中有{ID}")
    assert finding.score == 1.0


@pytest.mark.parametrize("context_word", ["身份证", "身份证号", "证件号", "身份号码"])
def test_legacy_form_is_reported_only_with_context(context_word: str) -> None:
    text = f"{context_word}：{LEGACY_15}"
    [finding] = find(text)
    assert (finding.entity, finding.start, finding.end) == (
        "CN_RESIDENT_ID",
        text.index(LEGACY_15),
        len(text),
    )
    assert 0.5 <= finding.score < 0.9
    assert find(f"编号：{LEGACY_15}") == []
    [low] = find(f"编号：{LEGACY_15}", detector=Detector(threshold=0.1))
    assert 0.1 <= low.score < 0.5


def test_context_outside_the_window_does_not_boost() -> None:
    far = "身份证" + "，" * (CnResidentIdRecognizer.CONTEXT_WINDOW + 1) + LEGACY_15
    assert find(far) == []


def test_recognizer_on_its_own_validates_with_the_shared_identifier_rules() -> None:
    recognizer = CnResidentIdRecognizer()
    [valid] = recognizer.analyze(f"身份证{ID}", entities=["CN_RESIDENT_ID"])
    assert (valid.start, valid.end, valid.score) == (3, 21, 1.0)
    assert recognizer.analyze(f"身份证{WRONG_CHECK}", entities=["CN_RESIDENT_ID"]) == []
    assert recognizer.validate_result(ID) is True
    assert recognizer.validate_result(WRONG_CHECK) is False
    assert recognizer.validate_result(LEGACY_15) is None


def test_recognizer_defaults_follow_presidio_conventions() -> None:
    recognizer = CnResidentIdRecognizer()
    assert recognizer.supported_entities == ["CN_RESIDENT_ID"]
    assert recognizer.supported_language == "zh"
    assert recognizer.name == "CnResidentIdRecognizer"
