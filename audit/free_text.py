"""Clean user-typed free text (purposes, reasons) before it is stored or audited.

Every personal-data finding becomes its entity tag: 张伟 → ``[PERSON]``,
13912345678 → ``[CN_MOBILE]``. Two passes find them: the project's recognizers
(``pii.text_scan``: names, addresses, IDs, phones, cards …) and the audit
guard's own patterns (``identifiers.in_text``), which also know spellings the
recognizers leave alone (a bare 15-digit ID, dotted groups). Overlapping
findings merge into one tag, so no piece of a value stays in clear, and the
result always passes ``audit.plaintext_guard``.

Presidio takes seconds to import: it is imported on the first text that could
hold personal data, and texts with no digit, no Chinese character and no @
(the recognizers need one of them) never reach it.
"""

from __future__ import annotations

import re
from typing import Any

from identifiers.in_text import find_identifiers

# What every recognizer in pii/recognizers needs at least one of (see their PRECHECKs).
_COULD_HOLD_PERSONAL_DATA = re.compile("[0-9０-９@＠\u3400-\u9fff\uf900-\ufaff]")

_Span = tuple[int, int, str]  # start, end, entity


def clean_free_text(text: str) -> str:
    """``text`` with every personal-data finding replaced by its tag, as ``[CN_RESIDENT_ID]``."""
    if not _COULD_HOLD_PERSONAL_DATA.search(text):
        return text
    spans = _recognizer_spans(text) + _guard_spans(text)
    cleaned = _replace(text, spans)
    # A replaced span can leave digits around it that now read as a number of their own.
    while leftover := _guard_spans(cleaned):
        cleaned = _replace(cleaned, leftover)
    return cleaned


def clean_details(details: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``details`` with every string inside it (keys too) cleaned, recursively.

    An integer that is an identifier (a phone typed as a number) becomes its tag.
    """
    return {_clean_key(key): _clean_value(value) for key, value in details.items()}


def _clean_key(key: Any) -> Any:
    return clean_free_text(key) if isinstance(key, str) else key


def _clean_value(value: Any) -> Any:
    if isinstance(value, str):
        return clean_free_text(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        text = str(value)
        return clean_free_text(text) if find_identifiers(text) else value
    if isinstance(value, dict):
        return clean_details(value)
    if isinstance(value, list | tuple):
        return [_clean_value(item) for item in value]
    return value


def _recognizer_spans(text: str) -> list[_Span]:
    from pii.text_scan import find  # Presidio: imported only when a text needs it

    return [(f.start, f.end, f.entity) for f in find(text)]


def _guard_spans(text: str) -> list[_Span]:
    return [(s.start, s.end, s.kind) for s in find_identifiers(text)]


def _replace(text: str, spans: list[_Span]) -> str:
    """Overlapping spans merge into one, tagged with the widest one's entity."""
    pieces: list[str] = []
    position = 0
    for start, end, entity in _merged(spans):
        pieces += [text[position:start], f"[{entity}]"]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _merged(spans: list[_Span]) -> list[_Span]:
    merged: list[tuple[int, int, str, int]] = []  # start, end, entity, width of that entity's span
    for start, end, entity in sorted(spans):
        if merged and start < merged[-1][1]:
            last_start, last_end, last_entity, width = merged[-1]
            if end - start > width:
                last_entity, width = entity, end - start
            merged[-1] = (last_start, max(last_end, end), last_entity, width)
        else:
            merged.append((start, end, entity, end - start))
    return [(start, end, entity) for start, end, entity, _ in merged]
