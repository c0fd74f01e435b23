"""How alike two redacted texts are: the Sørensen–Dice coefficient of their character bigrams.

Chinese is not written with spaces; character bigrams capture its words without a
segmenter, and a set of bigrams does not care about word order or about the framing a
channel adds (a letter's greeting, a post's hashtag), which only dilutes the score a
little. Texts are compared once redacted: the placeholders that stand for personal data
([CN_MOBILE], [PERSON]…) are taken out before comparing, as are digits, Latin letters,
blanks and punctuation, so neither personal data nor a house number can make two texts
alike.
"""

from __future__ import annotations

import re

_STRIPPED = re.compile(r"\[[A-Z_]+\]|[\W\d_A-Za-z]+")


def bigrams(text: str | None) -> frozenset[str]:
    """The set of character bigrams of a redacted text (empty for no text)."""
    if not text:
        return frozenset()
    core = _STRIPPED.sub("", text)
    return frozenset(core[i : i + 2] for i in range(len(core) - 1))


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    """2·|A∩B| / (|A|+|B|): 1 for the same bigrams, 0 for none shared or an empty text."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def similarity(a: str | None, b: str | None) -> float:
    return dice(bigrams(a), bigrams(b))
