"""Resident IDs and mobile numbers inside any text, in the spellings people type.

Found: 18-character IDs and legacy 15-digit IDs, unbroken or with spaces,
dashes or dots between digit groups (110105 19900307 1234); mobiles with
dashes or spaces (138-0013-8000) and a +86 / 0086 / 86 prefix; full-width
digits. Pure regular expressions and ``identifiers`` checks, no Presidio:
the audit log's guard runs this on every append.

A number counts only when it is made of whole digit groups: eleven digits
inside a longer unbroken number are no mobile. Hex hashes and UUIDs are
blanked first, since their digit runs are no one's number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from identifiers import resident_id
from identifiers.text import to_halfwidth

RESIDENT_ID = "CN_RESIDENT_ID"
MOBILE = "CN_MOBILE"

# Digit groups joined by one or two separators (after to_halfwidth, so the
# full-width space and dash are here too); an ID's check X ends the run.
_RUN = re.compile(r"[0-9]+(?:[ \t\u00a0.\-]{1,2}[0-9]+)*[Xx]?")
_GROUP = re.compile(r"[0-9]+[Xx]?")
# sha256 and other digests (at least 32 hex characters with a letter), and UUIDs.
_HASH_OR_UUID = re.compile(
    r"(?<![0-9A-Za-z])(?:(?=[0-9]*[A-Fa-f])[0-9A-Fa-f]{32,}"
    r"|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})"
    r"(?![0-9A-Za-z])"
)
_MOBILE_DIGITS = re.compile(r"(?:0086|86)?1[3-9][0-9]{9}")
_MOBILE_SEPARATORS = frozenset(" \t\u00a0-")  # nobody writes a mobile with dots
# Street grid codes (12-digit community code + 3 digits) read as a 15-digit ID of
# someone born 1900-1909 (township 001-099 → "YY" 00-09); no living holder is.
_EARLIEST_LEGACY_BIRTH = 1910


@dataclass(frozen=True)
class IdentifierSpan:
    kind: str  # RESIDENT_ID or MOBILE
    start: int
    end: int


def find_identifiers(text: str) -> list[IdentifierSpan]:
    """Every resident ID and mobile number in ``text``, in text order, never overlapping."""
    halfwidth = _HASH_OR_UUID.sub(lambda m: "x" * len(m.group()), to_halfwidth(text))
    found: list[IdentifierSpan] = []
    for run in _RUN.finditer(halfwidth):
        found.extend(_in_run(halfwidth, run))
    return found


def holds_identifier(text: str) -> bool:
    return bool(find_identifiers(text))


def _in_run(text: str, run: re.Match[str]) -> list[IdentifierSpan]:
    groups = [
        (run.start() + g.start(), run.start() + g.end()) for g in _GROUP.finditer(run.group())
    ]
    candidates: list[IdentifierSpan] = []
    for first in range(len(groups)):
        digits = ""
        for last in range(first, len(groups)):
            start, end = groups[first][0], groups[last][1]
            digits += text[groups[last][0] : groups[last][1]]
            if len(digits) > 18:
                break
            kind = _kind(digits, text[start:end])
            if kind == MOBILE and start > 0 and text[start - 1] == "+":
                start -= 1
            if kind:
                candidates.append(IdentifierSpan(kind, start, end))
    return _longest_first(candidates)


def _kind(digits: str, written: str) -> str | None:
    if len(digits) == 18 and resident_id.is_valid(digits):
        return RESIDENT_ID
    if len(digits) == 15 and digits.isdigit() and _legacy_id(digits):
        return RESIDENT_ID
    if _MOBILE_DIGITS.fullmatch(digits) and all(
        char.isdigit() or char in _MOBILE_SEPARATORS for char in written
    ):
        return MOBILE
    return None


def _legacy_id(digits: str) -> bool:
    """Province and birth date plausible (a 15-digit ID has no check character)."""
    return 1900 + int(digits[6:8]) >= _EARLIEST_LEGACY_BIRTH and resident_id.is_valid(digits)


def _longest_first(candidates: list[IdentifierSpan]) -> list[IdentifierSpan]:
    kept: list[IdentifierSpan] = []
    for span in sorted(candidates, key=lambda s: (s.start - s.end, s.start)):
        if all(span.end <= other.start or span.start >= other.end for other in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)
