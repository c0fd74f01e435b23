"""Unified social credit codes (统一社会信用代码, GB 32100-2015)."""

from __future__ import annotations

import re

from identifiers.text import strip_separators, to_halfwidth

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_SHAPE = re.compile(rf"^[{ALPHABET}]{{18}}$")


class CreditCodeError(ValueError):
    """Why a value is not a valid credit code."""


def check_char(first17: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise(raw: str) -> str:
    return strip_separators(to_halfwidth(raw)).upper()


def parse(raw: str) -> str:
    """Validate and return the canonical code."""
    if raw is None or not str(raw).strip():
        raise CreditCodeError("empty")
    value = normalise(str(raw))
    if not _SHAPE.match(value):
        raise CreditCodeError("wrong shape (expected 18 characters of the GB 32100 alphabet)")
    if check_char(value[:17]) != value[17]:
        raise CreditCodeError("check character does not match (MOD 31)")
    return value


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except CreditCodeError:
        return False
    return True


def make(first17: str) -> str:
    return first17 + check_char(first17)
