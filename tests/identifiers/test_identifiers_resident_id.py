"""Resident ID numbers (GB 11643): true values, near misses and export damage."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identifiers import resident_id
from identifiers.resident_id import ResidentIdError

TODAY = dt.date(2025, 1, 1)
# The worked example printed in GB 11643-1999 itself: checked independently of our code.
STANDARD_EXAMPLE = "11010519491231002X"
# A second published example whose check digit is a digit, not X.
SECOND_EXAMPLE = "440524188001010014"


def fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


@pytest.mark.parametrize(
    "raw",
    [
        STANDARD_EXAMPLE,
        "11010519491231002x",  # lower-case x
        " 110105 19491231 002X ",  # spaces people type
        "110105-19491231-002X",  # dashes
        "110105\t19491231\u00a0002X",  # tab and no-break space
        fullwidth(STANDARD_EXAMPLE),  # full-width digits and letter
        fullwidth("11010519491231002x"),  # full-width lower-case x
        "110105\u300019491231002X",  # ideographic space
    ],
)
def test_spellings_of_one_id_parse_to_the_canonical_form(raw: str) -> None:
    assert resident_id.parse(raw, today=TODAY).value == STANDARD_EXAMPLE


def test_the_standard_examples_have_the_published_check_characters() -> None:
    assert resident_id.check_char(STANDARD_EXAMPLE[:17]) == "X"
    assert resident_id.check_char(SECOND_EXAMPLE[:17]) == "4"
    assert resident_id.is_valid(SECOND_EXAMPLE)


def test_parsed_id_exposes_region_birth_date_and_sex() -> None:
    parsed = resident_id.parse(STANDARD_EXAMPLE, today=TODAY)
    assert parsed.region_code == "110105"
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == "女"  # 17th digit 2 is even
    male = resident_id.make("440305", dt.date(1990, 3, 7), 123)
    assert resident_id.parse(male, today=TODAY).sex == "男"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("110105194912310020", "check character"),  # wrong check char (X expected)
        ("110105194912310021", "check character"),
        ("110105194913310029", "not a real date"),  # month 13
        ("110105190002300029", "not a real date"),  # 1900-02-30
        ("990105194912310021", "unknown province"),  # no province 99
        ("000000194912310021", "unknown province"),
        ("11010519491231002", "wrong shape"),  # 17 characters
        ("1101051949123100211", "wrong shape"),  # 19 characters
        ("11010519491231002Y", "wrong shape"),  # only X may stand last
        ("1101051949123X0021", "wrong shape"),  # X in the middle
        ("4.40305E+17", "Excel"),
        ("4.40305199003071e+17", "Excel"),
        ("1.10101E17", "Excel"),
        (fullwidth("4.40305E+17"), "Excel"),
        ("", "empty"),
        ("   ", "empty"),
    ],
)
def test_near_misses_are_refused_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(ResidentIdError, match=reason):
        resident_id.parse(raw, today=TODAY)
    assert not resident_id.is_valid(raw)


def test_reason_never_repeats_the_value() -> None:
    bad = "110105194912310020"
    with pytest.raises(ResidentIdError) as info:
        resident_id.parse(bad, today=TODAY)
    assert bad not in str(info.value)
    assert bad[:14] not in str(info.value)


def test_birth_date_in_the_future_or_before_1880_is_out_of_range() -> None:
    future = resident_id.make("110105", dt.date(2030, 1, 1), 11)
    with pytest.raises(ResidentIdError, match="out of range"):
        resident_id.parse(future, today=TODAY)
    assert resident_id.parse(future, today=dt.date(2031, 1, 1)).value == future
    ancient = resident_id.make("110105", dt.date(1870, 1, 1), 11)
    with pytest.raises(ResidentIdError, match="out of range"):
        resident_id.parse(ancient, today=TODAY)


def test_legacy_15_digit_form_is_upgraded_to_18() -> None:
    assert resident_id.upgrade_15_to_18("110105491231002") == STANDARD_EXAMPLE
    assert resident_id.parse("110105491231002", today=TODAY).value == STANDARD_EXAMPLE
    assert resident_id.parse(" 110105 491231 002 ", today=TODAY).value == STANDARD_EXAMPLE


def test_legacy_15_digit_form_with_impossible_date_is_refused() -> None:
    with pytest.raises(ResidentIdError, match="not a real date"):
        resident_id.parse("110105491331002", today=TODAY)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.10101E+17", True),
        ("4.40305199003071e+17", True),
        ("4E17", True),
        (" 1.1E+17 ", True),
        (STANDARD_EXAMPLE, False),
        ("440305199003071234", False),
        ("1.5", False),
    ],
)
def test_looks_like_excel_float(raw: str, expected: bool) -> None:
    assert resident_id.looks_like_excel_float(raw) is expected


def test_make_builds_ids_that_parse() -> None:
    made = resident_id.make("440305", dt.date(2000, 2, 29), 7)
    assert made[:17] == "44030520000229007"
    assert resident_id.parse(made, today=TODAY).birth_date == dt.date(2000, 2, 29)


ids = st.builds(
    resident_id.make,
    st.sampled_from(["110105", "440305", "310101", "650102"]),
    st.dates(dt.date(1900, 1, 1), dt.date(2024, 12, 31)),
    st.integers(0, 999),
)


@given(ids, st.integers(0, 16), st.integers(1, 9))
def test_every_single_digit_error_is_caught(valid: str, position: int, shift: int) -> None:
    # MOD 11-2 weights are all non-zero modulo the prime 11, so any one changed digit
    # changes the check character.
    digit = (int(valid[position]) + shift) % 10
    damaged = valid[:position] + str(digit) + valid[position + 1 :]
    assert resident_id.check_char(damaged[:17]) != valid[17]


@given(ids)
def test_generated_ids_round_trip_through_lower_case_and_spaces(valid: str) -> None:
    messy = " ".join([valid[:6], valid[6:14], valid[14:].lower()])
    assert resident_id.parse(messy, today=TODAY).value == valid
