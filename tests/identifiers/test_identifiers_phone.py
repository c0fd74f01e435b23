"""Mainland mobile and landline numbers as department exports write them."""

from __future__ import annotations

import pytest

from identifiers import phone
from identifiers.phone import PhoneError


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("13800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("+86-138-0013-8000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("＋８６　１３８００１３８０００", "13800138000"),
        ("19912345678", "19912345678"),
        ("010-12345678", "01012345678"),
        ("(0755)8888 6666", "075588886666"),
        ("0755-8888666", "07558888666"),
    ],
)
def test_valid_numbers_are_canonicalised(raw: str, canonical: str) -> None:
    assert phone.parse(raw) == canonical


@pytest.mark.parametrize(
    "raw",
    [
        "12800138000",  # 12x is not a mobile prefix
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "23800138000",
        "12345678",  # landline without area code
        "138OO138000",  # letter O for zero
        "",
        "   ",
    ],
)
def test_invalid_numbers_are_refused_without_repeating_them(raw: str) -> None:
    with pytest.raises(PhoneError) as info:
        phone.parse(raw)
    if raw.strip():
        assert raw not in str(info.value)


def test_is_mobile_tells_mobiles_from_landlines() -> None:
    assert phone.is_mobile("+86 138-0013-8000")
    assert phone.is_mobile("１３８００１３８０００")
    assert not phone.is_mobile("010-12345678")
    assert not phone.is_mobile("12800138000")
