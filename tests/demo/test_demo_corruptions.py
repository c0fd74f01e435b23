from __future__ import annotations

import datetime as dt
import random

import pytest

from demo import corruptions
from identifiers import phone, resident_id

CLEAN_ID = resident_id.make("440305", dt.date(1985, 3, 7), 123)


def _id_ending_in_x() -> str:
    for sequence in range(1000):
        number = resident_id.make("440305", dt.date(1970, 1, 1), sequence)
        if number.endswith("X"):
            return number
    raise AssertionError("no X")


def test_fixable_id_spellings_normalise_back() -> None:
    rng = random.Random(0)
    with_x = _id_ending_in_x()
    assert corruptions.id_lower_x(with_x).endswith("x")
    assert resident_id.parse(corruptions.id_lower_x(with_x)).value == with_x
    for _ in range(50):
        spaced = corruptions.id_with_spaces(rng, CLEAN_ID)
        assert spaced != CLEAN_ID
        assert resident_id.parse(spaced).value == CLEAN_ID
    wide = corruptions.fullwidth(CLEAN_ID)
    assert wide != CLEAN_ID and resident_id.parse(wide).value == CLEAN_ID


def test_legacy_form_upgrades_to_the_same_id() -> None:
    legacy = corruptions.id_legacy_15(CLEAN_ID)
    assert len(legacy) == 15
    assert resident_id.parse(legacy).value == CLEAN_ID
    with pytest.raises(ValueError):
        corruptions.id_legacy_15(resident_id.make("440305", dt.date(2001, 1, 1), 1))


def test_wrong_check_character_is_invalid() -> None:
    for sequence in range(200):
        number = resident_id.make("510104", dt.date(1960, 2, 29), sequence)
        assert not resident_id.is_valid(corruptions.id_wrong_check(number))


def test_excel_float_keeps_fifteen_digits_and_is_invalid_when_chosen() -> None:
    value = corruptions.excel_float(CLEAN_ID)
    assert isinstance(value, float)
    assert f"{value:.5E}" == "4.40305E+17"
    assert int(value) // 1000 == int(CLEAN_ID) // 1000 or abs(int(value) - int(CLEAN_ID)) < 1000
    candidates = [resident_id.make("440305", dt.date(1950, 1, 1), s) for s in range(300)]
    chosen = [c for c in candidates if corruptions.excel_float_stays_invalid(c)]
    assert chosen, "most IDs stay invalid once damaged"
    for number in chosen:
        damaged = corruptions.excel_float(number)
        assert not resident_id.is_valid(str(damaged))
        assert not resident_id.is_valid(str(int(damaged)))
    assert not corruptions.excel_float_stays_invalid(_id_ending_in_x())


def test_misformatted_phones_parse_back() -> None:
    rng = random.Random(1)
    spellings = {corruptions.phone_misformatted(rng, "13812345678") for _ in range(200)}
    assert len(spellings) == 6
    for spelling in spellings:
        assert spelling != "13812345678"
        assert phone.parse(spelling) == "13812345678"
    in_text = {corruptions.in_text_phone(rng, "13812345678") for _ in range(200)}
    assert "13812345678" in in_text and "138 1234 5678" in in_text
