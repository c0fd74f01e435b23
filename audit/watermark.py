"""Invisible per-delivery marks in the text cells of a person-level delivery.

A mark is a 32-bit mark id (random per delivery, kept in the delivery register)
and an 8-bit keyed checksum, written as 20 zero-width characters (two bits
each) at the end of a text cell. Every marked cell carries the whole mark, so
one cell copied into a chat message is enough to name the delivery; the
checksum is keyed with the hub's delivery key, so a run of zero-width
characters typed or copied from elsewhere is not read as a mark.

Why this does not change a value the recipient may use: the marks render as
nothing, so what a person reads, types or dials is what was granted. They go
only into text cells of person-level columns (a name, a masked phone), never
into tokens, codes, numbers or dates, which are what joins, reveals and
filters match on. Filters the hub applies run before marking. See
README "Tracing a leaked list".
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from collections.abc import Iterable

# Four characters that render as nothing in Excel, WPS, browsers and chat apps;
# each stands for two bits. U+FEFF is left out: editors strip it as a byte-order mark.
SYMBOLS = ("\u200b", "\u200c", "\u200d", "\u2060")
_VALUE = {symbol: index for index, symbol in enumerate(SYMBOLS)}
MARK_BITS = 32
CHECK_BITS = 8
MARK_CHARS = (MARK_BITS + CHECK_BITS) // 2
_RUN = re.compile("[" + "".join(SYMBOLS) + "]+")
_INVISIBLE = re.compile("[" + "".join(SYMBOLS) + "\ufeff]")


def checksum(mark_id: int, key: bytes) -> int:
    digest = hmac.new(key, b"mark:" + mark_id.to_bytes(4, "big"), hashlib.sha256).digest()
    return digest[0]


def encode_mark(mark_id: int, key: bytes) -> str:
    """The 20 zero-width characters that carry ``mark_id`` and its checksum."""
    if not 0 <= mark_id < 1 << MARK_BITS:
        raise ValueError("a mark id is 32 bits")
    word = (mark_id << CHECK_BITS) | checksum(mark_id, key)
    return "".join(SYMBOLS[(word >> shift) & 3] for shift in range(MARK_CHARS * 2 - 2, -1, -2))


def decode_run(run: str, key: bytes) -> int | None:
    """The mark id a run of exactly one mark carries, or None if the checksum fails."""
    if len(run) != MARK_CHARS or any(char not in _VALUE for char in run):
        return None
    word = 0
    for char in run:
        word = (word << 2) | _VALUE[char]
    mark_id, check = word >> CHECK_BITS, word & 0xFF
    return mark_id if check == checksum(mark_id, key) else None


def mark_text(text: str, mark: str) -> str:
    """``text`` with the mark after it (the value itself left as it was)."""
    return text + mark


def strip_marks(text: str) -> str:
    """The text without any zero-width character (marks of any delivery)."""
    return _INVISIBLE.sub("", text)


def marks_in(cells: Iterable[str], key: bytes) -> tuple[Counter[int], int]:
    """(valid mark ids with how many cells carry each, runs that were not a valid mark).

    A run longer than one mark (two copies pasted together) is read in mark-sized pieces.
    """
    found: Counter[int] = Counter()
    broken = 0
    for cell in cells:
        for match in _RUN.finditer(cell):
            run = match.group()
            pieces = [run[i : i + MARK_CHARS] for i in range(0, len(run), MARK_CHARS)]
            for piece in pieces:
                mark_id = decode_run(piece, key)
                if mark_id is None:
                    broken += 1
                else:
                    found[mark_id] += 1
    return found, broken
