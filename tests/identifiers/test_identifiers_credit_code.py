"""Unified social credit codes (GB 32100): alphabet, shape and the MOD 31 check."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identifiers import credit_code
from identifiers.credit_code import ALPHABET, CreditCodeError

# The example code printed in GB 32100-2015.
STANDARD_EXAMPLE = "91350100M000100Y43"


def test_standard_example_check_character_computed_by_hand() -> None:
    # Σ value(c) × weight over the first 17 characters, then (31 - Σ mod 31) mod 31.
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(ALPHABET.index(c) * w for c, w in zip(STANDARD_EXAMPLE[:17], weights, strict=True))
    assert ALPHABET[(31 - total % 31) % 31] == "3"
    assert credit_code.check_char(STANDARD_EXAMPLE[:17]) == "3"


def test_remainder_zero_maps_to_check_character_zero() -> None:
    assert credit_code.check_char("0" * 17) == "0"
    assert credit_code.is_valid("0" * 18)


def test_alphabet_leaves_out_letters_that_look_like_digits() -> None:
    for letter in "IOSVZ":
        assert letter not in ALPHABET
    assert len(ALPHABET) == 31


@pytest.mark.parametrize(
    "raw",
    [
        STANDARD_EXAMPLE,
        "91350100m000100y43",
        " 9135 0100-M000 100Y43 ",
        "".join(chr(ord(c) + 0xFEE0) for c in STANDARD_EXAMPLE),
    ],
)
def test_spellings_normalise_to_the_canonical_code(raw: str) -> None:
    assert credit_code.parse(raw) == STANDARD_EXAMPLE


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("91350100M000100Y44", "MOD 31"),
        ("91350100M000100Y4", "wrong shape"),
        ("91350100M000100Y433", "wrong shape"),
        ("91350100M000I00Y43", "wrong shape"),  # I is not in the alphabet
        ("91350100M000O00Y43", "wrong shape"),
        ("", "empty"),
    ],
)
def test_near_misses_are_refused(raw: str, reason: str) -> None:
    with pytest.raises(CreditCodeError, match=reason):
        credit_code.parse(raw)
    assert not credit_code.is_valid(raw)


def test_make_appends_the_check_character() -> None:
    assert credit_code.make(STANDARD_EXAMPLE[:17]) == STANDARD_EXAMPLE


prefixes = st.text(alphabet=ALPHABET, min_size=17, max_size=17)


@given(prefixes, st.integers(0, 16), st.integers(1, 30))
def test_every_single_character_error_is_caught(prefix: str, position: int, shift: int) -> None:
    valid = credit_code.make(prefix)
    replacement = ALPHABET[(ALPHABET.index(valid[position]) + shift) % 31]
    damaged = valid[:position] + replacement + valid[position + 1 :]
    assert not credit_code.is_valid(damaged)
