"""One shared Chinese word segmenter for the recognizers that need words.

The analyzer runs Presidio with the no-op NLP engine (see ``pii.analyzer``), so a
recognizer gets no tokens from Presidio. Those that need words call ``segment``
(a whole text) or ``segment_around`` (one clause of it) instead. Both are cached:
a text, or a clause that many texts share, is segmented once however many
recognizers read it.

jieba does the work, fully offline: its dictionary ships in the wheel and its
prefix-dictionary cache is written to the temp directory. It is loaded on first
use (one to two seconds), quietly.

Why ``jieba.cut`` plus a dictionary look-up rather than ``jieba.posseg``: on 1,000
hotline texts of about 80 characters, on the shared 2-core machine, ``posseg``
(with its HMM) managed about 240 texts/s and ``cut(HMM=True)`` plus the look-up
about 1,550 texts/s; ``posseg`` without its HMM cuts names into characters. For
names they are about as good as each other. Most real names (张伟, 李芳怡) are not
in jieba's dictionary; jieba's HMM joins them into one word either way, and
``posseg``'s second HMM then tags most of them ``nr``: of 1,500 generated names
``posseg`` tagged 1,169 ``nr``, while ``cut`` left 1,113 as one unknown or ``nr``
word (of 810 names in the demo's case texts: 681 and 678). Here such a word is
tagged ``OOV``, and a recognizer decides what an unknown word starting with a
surname is. Words jieba's dictionary knows keep its tag (``nr`` person names,
``ns`` places, ``n`` nouns ...); beware that the dictionary tags many ordinary
words ``nr`` too (文明, 高峰, 查明), so ``frequency`` is there to tell a rare name
from a common word.
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache

import jieba

from pii.jieba_cut import cut_run

# A word and its part-of-speech flag, and where it starts (a Python string index).
Token = tuple[str, str, int]

# Flags of words jieba's dictionary does not hold.
OOV = "oov"  # Chinese characters jieba's HMM joined into a word it does not know
NUMBER = "m"  # digits (as jieba's own tagger says)
LATIN = "eng"  # Latin letters, possibly with digits
OTHER = "x"  # punctuation, blanks, symbols

_HAN = re.compile("[一-鿿]+")
_DIGITS = re.compile("[0-9０-９]+(?:[.．][0-9０-９]+)?")
_LATIN = re.compile("[0-9A-Za-z０-９Ａ-Ｚａ-ｚ]+")

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_tags: dict[str, str] = {}


def segment(text: str) -> tuple[Token, ...]:
    """The words of ``text`` with their flags and start offsets, in text order.

    The words cover the text exactly: joined, they give it back. They are the
    words of ``jieba.cut(text, HMM=True)``.
    """
    return _segment(text)


def segment_around(text: str, position: int) -> tuple[Token, ...]:
    """The words of the clause of ``text`` that holds ``position``; () outside any.

    jieba cuts a text into runs of Chinese characters, letters and digits between
    punctuation and blanks, and segments each run on its own. A recognizer that
    needs the words near a few places only asks for those runs: the words are
    the same as ``segment``'s, with offsets in ``text``, and each run is segmented
    once however many texts repeat it.
    """
    for start, end in _runs(text):
        if start <= position < end:
            return tuple(
                (word, flag, start + offset) for word, flag, offset in _segment_run(text[start:end])
            )
    return ()


@lru_cache(maxsize=2048)
def _segment(text: str) -> tuple[Token, ...]:
    tokenizer = _load()
    tokens: list[Token] = []
    position = 0
    for start, end in _runs(text):
        # between runs: punctuation and blanks, which jieba passes on one by one
        for word in tokenizer.cut(text[position:start], HMM=True):
            tokens.append((word, _flag(word), position))
            position += len(word)
        tokens.extend(
            (word, flag, start + offset) for word, flag, offset in _segment_run(text[start:end])
        )
        position = end
    for word in tokenizer.cut(text[position:], HMM=True):
        tokens.append((word, _flag(word), position))
        position += len(word)
    return tuple(tokens)


# Large enough for the clauses a day of hotline texts repeats (template phrases, places):
# at 8,192 the demo's 12,000 case texts evicted runs before they came again.
@lru_cache(maxsize=32768)
def _segment_run(run: str) -> tuple[Token, ...]:
    """The words of one run (see ``segment_around``), offsets from its start."""
    tokenizer = _load()
    tokens: list[Token] = []
    position = 0
    for word in cut_run(tokenizer, run):  # jieba.cut's words (see pii.jieba_cut)
        tokens.append((word, _flag(word), position))
        position += len(word)
    return tuple(tokens)


@lru_cache(maxsize=2048)
def _runs(text: str) -> tuple[tuple[int, int], ...]:
    """Where the runs jieba segments on their own lie in ``text``."""
    return tuple(match.span() for match in jieba.re_han_default.finditer(text))


def clear_caches() -> None:
    """Forget every segmented text and clause (benchmarks start each side cold)."""
    for cached in (_segment, _segment_run, _runs):
        cached.cache_clear()


def frequency(word: str) -> int:
    """How often ``word`` occurs in jieba's dictionary corpus; 0 for a word it does not hold."""
    tokenizer = _load()
    return int(tokenizer.FREQ.get(word, 0))


def dictionary_tag(word: str) -> str | None:
    """jieba's dictionary tag of ``word``, or None when the dictionary does not hold it."""
    _load()
    return _tags.get(word)


def _flag(word: str) -> str:
    tag = _tags.get(word)
    if tag is not None:
        return tag
    if _HAN.fullmatch(word):
        return OOV
    if _DIGITS.fullmatch(word):
        return NUMBER
    if _LATIN.fullmatch(word):
        return LATIN
    return OTHER


def _load() -> jieba.Tokenizer:
    """jieba's default tokenizer, initialised on first use, and the dictionary's tags."""
    global _tokenizer
    if _tokenizer is not None:
        return _tokenizer
    with _lock:
        if _tokenizer is None:
            # Without this jieba prints "Building prefix dict ..." to stderr.
            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.dt
            tokenizer.initialize()
            _tags.update(_read_tags(tokenizer))
            _tokenizer = tokenizer
    return _tokenizer


def _read_tags(tokenizer: jieba.Tokenizer) -> dict[str, str]:
    """word -> tag from the dictionary file (lines "word frequency tag")."""
    tags: dict[str, str] = {}
    with tokenizer.get_dict_file() as dictionary:
        for line in dictionary.read().decode("utf-8").splitlines():
            parts = line.split()
            if len(parts) == 3:
                tags[parts[0]] = parts[2]
    return tags
