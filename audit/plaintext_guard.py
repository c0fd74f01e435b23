"""Refuse audit details that carry a resident ID or mobile number in plaintext.

Keeping personal data out of the log is the caller's duty (tokens, counts and
field names go in, values do not); this guard is the last check before a line
is written. Naming the kind of identifier ("resident_id", "phone") is fine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from identifiers import resident_id
from identifiers.text import to_halfwidth

# 17 digits and a check character, not part of a longer digit run.
_ID_RUN = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
# A mobile number, optionally behind +86 / 0086, not part of a longer digit run.
_MOBILE_RUN = re.compile(r"(?<![0-9])(?:(?:\+86|0086)[ -]?)?1[3-9][0-9]{9}(?![0-9])")


def assert_no_plaintext_identifiers(details: Any) -> None:
    """Raise ValueError naming the offending key path, never the value."""
    for path, text in _strings(details, "details"):
        # Full-width digits are how such values often arrive from spreadsheets.
        halfwidth = to_halfwidth(text)
        if any(resident_id.is_valid(m.group()) for m in _ID_RUN.finditer(halfwidth)):
            raise ValueError(f"{path} holds what looks like a resident ID number in plaintext")
        if _MOBILE_RUN.search(halfwidth):
            raise ValueError(f"{path} holds what looks like a mobile number in plaintext")


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string (and integer, which can be an ID or phone too) with its path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        yield path, str(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield f"a key inside {path}", str(key)
            yield from _strings(item, f"{path}[{key!r}]" if _is_safe_key(key) else f"{path}[…]")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def _is_safe_key(key: Any) -> bool:
    """A key may be echoed in an error only when it cannot itself be the data."""
    text = to_halfwidth(str(key))
    return not (_ID_RUN.search(text) or _MOBILE_RUN.search(text))
