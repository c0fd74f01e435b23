"""Bank card numbers (银行卡号, ISO/IEC 7812): 16 to 19 digits with a Luhn check digit."""

from __future__ import annotations

import re

from identifiers.text import strip_separators, to_halfwidth

_DIGITS = re.compile(r"^[0-9]+$")
_CARD = re.compile(r"^[0-9]{16,19}$")


def normalise(raw: str) -> str:
    """Half-width digits without the spaces and dashes people group card numbers with."""
    return strip_separators(to_halfwidth(raw))


def is_luhn_valid(digits: str) -> bool:
    """True when the last digit is the Luhn (mod 10) check digit of the others.

    ``digits`` must be ASCII digits only (call ``normalise`` first); anything else,
    and a single digit, is not valid.
    """
    if len(digits) < 2 or not _DIGITS.match(digits):
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def is_card_number(raw: str) -> bool:
    """16 to 19 digits (after ``normalise``) with a valid Luhn check digit."""
    value = normalise(raw)
    return bool(_CARD.match(value)) and is_luhn_valid(value)


def check_digit(payload: str) -> str:
    """The Luhn check digit that makes ``payload`` followed by it valid."""
    for digit in "0123456789":
        if is_luhn_valid(payload + digit):
            return digit
    raise ValueError("payload must be ASCII digits")
