"""Canonical spelling per identifier domain, applied before tokenising.

Every spelling of one identifier must give one token: lower-case x, the legacy
15-digit resident ID, full-width digits and stray spaces all normalise to the
same canonical form. Errors say what is wrong, never the value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from identifiers import credit_code, household_no, phone, resident_id
from identifiers.text import to_halfwidth

_RESIDENT_ID_18 = re.compile(r"^\d{17}[\dX]$")
_RESIDENT_ID_15 = re.compile(r"^\d{15}$")


class NormalisationError(ValueError):
    """A value cannot be brought to the canonical form of its domain."""


def _without_whitespace(raw: str) -> str:
    # Spaces, tabs, ideographic spaces and line breaks are never part of an identifier.
    return "".join(to_halfwidth(raw).split())


def _non_empty(value: str) -> str:
    if not value:
        raise NormalisationError("empty after normalisation")
    return value


def canonical_resident_id(raw: str) -> str:
    """The 18-character form; the legacy 15-digit form is upgraded (no other checks)."""
    compact = _without_whitespace(raw)
    if resident_id.looks_like_excel_float(compact):
        # Many IDs collapse onto one damaged float: tokenising it would join strangers.
        raise NormalisationError("resident ID damaged by Excel (scientific notation)")
    value = resident_id.normalise(compact)
    if _RESIDENT_ID_15.match(value):
        return resident_id.upgrade_15_to_18(value)
    if not _RESIDENT_ID_18.match(value):
        raise NormalisationError(
            f"not shaped like a resident ID ({len(value)} characters, expected 18 or 15 digits)"
        )
    return value


def canonical_phone(raw: str) -> str:
    return _non_empty(phone.normalise(_without_whitespace(raw)))


def canonical_credit_code(raw: str) -> str:
    return _non_empty(credit_code.normalise(_without_whitespace(raw)))


def canonical_household_no(raw: str) -> str:
    try:
        return household_no.parse(raw)
    except household_no.HouseholdNumberError as exc:
        raise NormalisationError(f"household number: {exc}") from None


def canonical_name(raw: str) -> str:
    return _non_empty(unicodedata.normalize("NFKC", raw).strip())


# Address spellings that mean the same place: 3号楼/3幢/3座 is 3栋, 12# is 12号,
# 號 is 号, 和/& between two roads is 与, 路口 is 交叉口.
_ADDRESS_VARIANTS = (
    (re.compile(r"號"), "号"),
    (re.compile(r"(\d+)(?:号楼|幢|座|栋楼)"), r"\1栋"),
    (re.compile(r"(\d+)#"), r"\1号"),
    (re.compile(r"(路|街|道)(?:和|&|＆|及)"), r"\1与"),
    (re.compile(r"(?:交叉路口|交汇处|路口)$"), "交叉口"),
)
_ADDRESS_NOISE = re.compile(r"[\s,，、.。·\-－—_/()（）]")
_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_CN_NUMBER = re.compile(r"([〇零一二两三四五六七八九十百]+)(号|栋|单元|室)")


def _cn_number(text: str) -> int | None:
    """一百零五 → 105, 十二 → 12, 三 → 3; None when it is not a number."""
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def _arabic(match: re.Match[str]) -> str:
    number = _cn_number(match.group(1))
    return match.group(0) if number is None else f"{number}{match.group(2)}"


def canonical_address(raw: str) -> str:
    """One spelling per place: half-width, no blanks or separators, the common variants
    folded (3号楼 → 3栋, 十二号 → 12号, 桂花路和榕树路路口 → 桂花路与榕树路交叉口).

    Village addresses keep their group numeral (三组15号): only numbers before 号, 栋,
    单元 and 室 are read as numbers."""
    text = _ADDRESS_NOISE.sub("", unicodedata.normalize("NFKC", raw))
    text = _CN_NUMBER.sub(_arabic, text)
    for pattern, replacement in _ADDRESS_VARIANTS:
        text = pattern.sub(replacement, text)
    return _non_empty(text)


def canonical_handle(raw: str) -> str:
    """An online handle: half-width, case-folded, without the @ people put before it."""
    return _non_empty(unicodedata.normalize("NFKC", raw).strip().lstrip("@").strip().casefold())


NORMALISERS: dict[str, Callable[[str], str]] = {
    "resident_id": canonical_resident_id,
    "phone": canonical_phone,
    "credit_code": canonical_credit_code,
    "name": canonical_name,
    "address": canonical_address,
    "handle": canonical_handle,
    "household": canonical_household_no,
}


# RE2 patterns (Arrow's regex engine) for spellings that are already canonical:
# their normaliser returns them unchanged, so tokenising can skip it in bulk.
CANONICAL_SHAPES: dict[str, str] = {
    "resident_id": r"^[0-9]{17}[0-9X]$",
    "phone": r"^1[3-9][0-9]{9}$",
    "credit_code": r"^[0-9A-Z]+$",
    "household": r"^[0-9]{9}$",
}


def normaliser_for(domain: str) -> Callable[[str], str]:
    """The canonicalising function of a domain; ValueError for an unknown domain."""
    try:
        return NORMALISERS[domain]
    except (KeyError, TypeError):
        known = ", ".join(sorted(NORMALISERS))
        raise ValueError(f"unknown identifier domain {domain!r} (known: {known})") from None


def normalise(domain: str, raw: str) -> str:
    return normaliser_for(domain)(raw)
