"""Household numbers (户号) of the population registry's household register (户口簿).

Nine digits, the first a zero in the district's numbering (e.g. ``031000457``):
a number stored in a numeric cell loses that zero and no longer names its
household. Typed with full-width digits or blanks, it is still the same number.
"""

from __future__ import annotations

import re

from identifiers.text import strip_separators, to_halfwidth

_SHAPE = re.compile(r"^[0-9]{9}$")


class HouseholdNumberError(ValueError):
    """Why a value is not a household number (never repeating it)."""


def normalise(raw: str) -> str:
    return strip_separators(to_halfwidth(raw)).replace("\u3000", "")


def parse(raw: str) -> str:
    """The canonical nine digits, or an error saying what is wrong."""
    value = normalise(str(raw))
    if not value:
        raise HouseholdNumberError("empty")
    if not value.isdigit():
        raise HouseholdNumberError("not all digits")
    if not _SHAPE.match(value):
        raise HouseholdNumberError(f"{len(value)} digits, expected 9 (a leading zero lost?)")
    return value


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except HouseholdNumberError:
        return False
    return True
