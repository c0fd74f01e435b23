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


NORMALISERS: dict[str, Callable[[str], str]] = {
    "resident_id": canonical_resident_id,
    "phone": canonical_phone,
    "credit_code": canonical_credit_code,
    "name": canonical_name,
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
