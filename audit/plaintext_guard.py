"""Refuse audit details that carry a resident ID or mobile number in plaintext.

Keeping personal data out of the log is the caller's duty (tokens, counts and
field names go in, values do not; free text goes through ``audit.free_text``);
this guard is the last check before a line is written. Naming the kind of
identifier ("resident_id", "phone") is fine. It knows the spellings of
``identifiers.in_text`` (15- and 18-digit IDs, spaced, dashed, full-width;
mobiles with separators or +86) and stays free of Presidio: it runs on every
append, CLI start-up included.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from identifiers.in_text import RESIDENT_ID, find_identifiers, holds_identifier

_WHAT = {RESIDENT_ID: "a resident ID number", "CN_MOBILE": "a mobile number"}


def assert_no_plaintext_identifiers(details: Any, *, where: str = "details") -> None:
    """Raise ValueError naming the offending key path (from ``where``), never the value."""
    for path, text in _strings(details, where):
        found = find_identifiers(text)
        if found:
            raise ValueError(f"{path} holds what looks like {_WHAT[found[0].kind]} in plaintext")


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
    return not holds_identifier(str(key))
