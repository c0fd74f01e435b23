"""Household numbers (户号): nine digits; full-width and blanks fixed, a lost zero not."""

from __future__ import annotations

import pytest

from identifiers import household_no


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [("031000457", "031000457"), ("０３１０００４５７", "031000457"), ("031 000457", "031000457"),
     ("031\u3000000457", "031000457"), ("031-000-457", "031000457")],
)  # fmt: skip
def test_spellings_of_one_number(raw: str, canonical: str) -> None:
    assert household_no.parse(raw) == canonical
    assert household_no.is_valid(raw)


@pytest.mark.parametrize(
    ("raw", "why"),
    [("31000457", "8 digits, expected 9"), ("", "empty"), ("03100045A", "not all digits"),
     ("0310004571", "10 digits")],
)  # fmt: skip
def test_what_is_not_a_household_number(raw: str, why: str) -> None:
    with pytest.raises(household_no.HouseholdNumberError, match=why) as err:
        household_no.parse(raw)
    assert raw[:4] not in str(err.value) or not raw  # the value is never repeated
    assert not household_no.is_valid(raw)
