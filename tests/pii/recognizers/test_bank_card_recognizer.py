"""True matches, near misses and score ranges for BankCardRecognizer."""

from __future__ import annotations

import datetime as dt

import pytest
from recognizer_checks import assert_precheck_admits

from identifiers import bank_card, resident_id
from pii.recognizers import BankCardRecognizer
from pii.text_scan import find

ENTITY = "BANK_CARD"
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _with_check_digit(body: str) -> str:
    return next(body + d for d in "0123456789" if bank_card.is_luhn_valid(body + d))


def _grouped(number: str, separator: str = " ") -> str:
    return separator.join(number[i : i + 4] for i in range(0, len(number), 4))


UNIONPAY_19 = _with_check_digit("622202123456789012")
UNIONPAY_16 = _with_check_digit("622588012345678")
VISA = "4111111111111111"
MASTERCARD = "5105105105105100"
WRONG_LUHN = UNIONPAY_19[:-1] + str((int(UNIONPAY_19[-1]) + 1) % 10)
WORK_ORDER = _with_check_digit("20261101001234567")  # 18 digits, Luhn-valid by construction


def _resident_id_passing_luhn() -> str:
    for sequence in range(1000):
        value = resident_id.make("440305", dt.date(1990, 3, 7), sequence)
        if bank_card.is_luhn_valid(value):
            return value
    raise AssertionError("no resident ID passes the Luhn check")


ID_LUHN = _resident_id_passing_luhn()
# Shaped like an ID, wrong MOD 11-2 check, Luhn-valid, not a UnionPay prefix.
ID_SHAPED = next(
    value
    for value in (_with_check_digit(f"44030519900307{n:03d}") for n in range(1000))
    if not resident_id.is_valid(value)
)

# (text, the number as written in it)
TRUE_MATCHES = [
    (f"银行卡号{UNIONPAY_19}，", UNIONPAY_19),
    (UNIONPAY_19, UNIONPAY_19),
    (f"工资卡{UNIONPAY_16}", UNIONPAY_16),
    (f"卡号：{_grouped(UNIONPAY_19)}。", _grouped(UNIONPAY_19)),
    (f"卡号{_grouped(UNIONPAY_16, '-')}", _grouped(UNIONPAY_16, "-")),
    (f"储蓄卡{_grouped(UNIONPAY_16, chr(0x3000))}", _grouped(UNIONPAY_16, chr(0x3000))),
    (f"银行卡{UNIONPAY_19.translate(FULLWIDTH)}。", UNIONPAY_19.translate(FULLWIDTH)),
    (f"见{_grouped(UNIONPAY_16)}", _grouped(UNIONPAY_16)),
    (f"卡号 {_grouped(VISA)}，", _grouped(VISA)),
    (f"信用卡{MASTERCARD}", MASTERCARD),
    (f"银行账户：{VISA}", VISA),
    (f"Card No. {_grouped(VISA, '-')}", _grouped(VISA, "-")),
    (f"退款至账号{ID_SHAPED}", ID_SHAPED),
    (
        f"身份证{resident_id.make('110101', dt.date(1985, 1, 1), 7)}，银行卡{UNIONPAY_19}",
        UNIONPAY_19,
    ),
    (f"电话13812345678，工资卡{UNIONPAY_16}", UNIONPAY_16),
]


@pytest.mark.parametrize(("text", "written"), TRUE_MATCHES)
def test_true_match_is_found_with_exact_span(text: str, written: str) -> None:
    findings = [f for f in find(text) if f.entity == ENTITY]
    start = text.index(written)
    assert [(f.start, f.end) for f in findings] == [(start, start + len(written))]


NEAR_MISSES = [
    pytest.param(f"银行卡{WRONG_LUHN}", id="Luhn check fails"),
    pytest.param(f"材料{ID_LUHN}", id="resident ID passing the Luhn check"),
    pytest.param(f"编号{ID_SHAPED}", id="ID-shaped, Luhn-valid, no context"),
    pytest.param(f"工单号{WORK_ORDER}", id="18-digit work-order number"),
    pytest.param(f"卡号{WORK_ORDER}", id="work-order number even after 卡号"),
    pytest.param(f"流水号1{UNIONPAY_19}", id="inside a longer run (before)"),
    pytest.param(f"流水号{UNIONPAY_16}123", id="inside a longer run (after)"),
    pytest.param(f"编号GD{UNIONPAY_16}", id="letter-prefixed number"),
    pytest.param(f"单号2026-{UNIONPAY_16}", id="tail of a dashed number"),
    pytest.param(f"金额{UNIONPAY_16}.50元", id="decimal amount"),
    pytest.param(f"卡号{UNIONPAY_16}abc", id="letters right after"),
    pytest.param(f"卡号1234 {_grouped(UNIONPAY_16)}", id="groups of a longer grouped number"),
    pytest.param(f"卡号{_with_check_digit('62220212345678')}", id="15 digits"),
    pytest.param(f"卡号{_with_check_digit('6222021234567890123')}", id="20 digits"),
    pytest.param(f"卡号{_with_check_digit('112345678901234')}", id="no card-network prefix"),
    pytest.param("联系电话13812345678", id="mobile"),
    pytest.param("2026年11月1日 20261101083000", id="dates"),
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_miss_stays_silent(text: str) -> None:
    assert [f for f in find(text) if f.entity == ENTITY] == []


def test_recognizer_alone_scores_an_id_passing_luhn_below_the_threshold() -> None:
    # Not only hidden by the ID winning the overlap: without context it stays below 0.5.
    results = BankCardRecognizer().analyze(f"材料{ID_LUHN}", entities=[ENTITY])
    assert all(r.score < 0.5 for r in results)
    [finding] = find(f"材料{ID_LUHN}")
    assert (finding.entity, finding.score) == ("CN_RESIDENT_ID", 1.0)


def test_unionpay_number_scores_moderately_without_context() -> None:
    [finding] = find(f"见{UNIONPAY_19}")
    assert finding.entity == ENTITY
    assert 0.5 <= finding.score < 0.8


def test_other_network_number_is_reported_only_with_context() -> None:
    assert find(f"见{VISA}") == []
    [alone] = BankCardRecognizer().analyze(f"见{VISA}", entities=[ENTITY])
    assert 0.3 <= alone.score < 0.5


@pytest.mark.parametrize(
    "context_word", ["银行卡", "卡号", "工资卡", "账号", "银行账户", "储蓄卡", "信用卡", "Card: "]
)
@pytest.mark.parametrize("number", [UNIONPAY_19, VISA])
def test_context_word_raises_the_score(context_word: str, number: str) -> None:
    [finding] = find(f"{context_word}{number}")
    assert finding.entity == ENTITY
    assert finding.score >= 0.8


def test_luhn_check() -> None:
    assert bank_card.is_luhn_valid("79927398713")
    assert not bank_card.is_luhn_valid("79927398710")
    assert bank_card.is_luhn_valid(VISA)
    assert not bank_card.is_luhn_valid("")
    assert not bank_card.is_luhn_valid("0")
    assert not bank_card.is_luhn_valid("4111 1111 1111 1111")
    assert not bank_card.is_luhn_valid("４１１１１１１１１１１１１１１１")
    assert bank_card.normalise("４１１１ 1111-1111\u30001111") == VISA
    assert bank_card.is_card_number(_grouped(VISA))
    assert not bank_card.is_card_number("79927398713")


def test_every_true_match_passes_the_precheck_in_python_and_arrow() -> None:
    assert_precheck_admits(BankCardRecognizer, [text for text, _ in TRUE_MATCHES])
