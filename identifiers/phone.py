"""Mainland mobile numbers and landlines."""

from __future__ import annotations

import re

from identifiers.text import strip_separators, to_halfwidth

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")


class PhoneError(ValueError):
    """Why a value is not a valid phone number."""


def normalise(raw: str) -> str:
    """Half-width digits, no separators or brackets, no +86 / 0086 prefix."""
    value = strip_separators(to_halfwidth(raw)).replace("(", "").replace(")", "")
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    return value


def parse(raw: str) -> str:
    """Validate a mobile or landline number and return its canonical digits."""
    if raw is None or not str(raw).strip():
        raise PhoneError("empty")
    value = normalise(str(raw))
    if _MOBILE.match(value) or _LANDLINE.match(value):
        return value
    raise PhoneError("not a mainland mobile (1[3-9] + 9 digits) or landline with area code")


def is_mobile(raw: str) -> bool:
    return bool(_MOBILE.match(normalise(raw)))
