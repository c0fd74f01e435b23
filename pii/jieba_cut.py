"""``jieba.Tokenizer.cut(run, HMM=True)`` for one run, the same words for less time.

Detection segments about one clause per hotline text (the clause that holds a
name or an address), and jieba's own code was a third of that work: generators,
global look-ups and ``max`` over generator expressions. This is its algorithm
step by step — the prefix dictionary's DAG, the most probable route from the
right, single characters gathered and cut by the HMM when the dictionary does
not hold them — with the same arithmetic in the same order, so that every float
and every tie comes out as jieba's does. ``tests/pii/test_jieba_cut.py`` holds
it to ``jieba.cut`` on the demo's texts and on any mix of their pieces.

A run is what ``jieba.re_han_default`` matches (see ``pii.segmenter``): Chinese
characters, letters, digits and ``+#&._%-``. jieba's forced splits
(``finalseg.add_force_split``) are not supported; nothing here sets any.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jieba
from jieba import finalseg

_STATES = "BMES"
_MIN_FLOAT: float = finalseg.MIN_FLOAT
_START: dict[str, float] = finalseg.start_P
_TRANS: dict[str, dict[str, float]] = finalseg.trans_P
_EMIT: dict[str, dict[str, float]] = finalseg.emit_P
_PREVIOUS: dict[str, str] = finalseg.PrevStatus
_HAN = finalseg.re_han
_SKIP = finalseg.re_skip


def cut_run(tokenizer: jieba.Tokenizer, run: str) -> list[str]:
    """The words of ``tokenizer.cut(run, HMM=True)`` for a run jieba cuts as one block."""
    freq: dict[str, int] = tokenizer.FREQ
    get = freq.get
    log = math.log
    log_total = log(tokenizer.total)
    length = len(run)
    # The DAG: where each dictionary word starting at k ends (k itself if none).
    dag: list[list[int]] = []
    for k in range(length):
        ends = []
        i = k
        fragment = run[k]
        while i < length and fragment in freq:
            if freq[fragment]:
                ends.append(i)
            i += 1
            fragment = run[k : i + 1]
        dag.append(ends or [k])
    # The route: best (log probability, end) from each position, computed from the right.
    route: list[tuple[float, int]] = [(0.0, 0)] * (length + 1)
    route[length] = (0, 0)
    for index in range(length - 1, -1, -1):
        best: tuple[float, int] | None = None
        for end in dag[index]:
            candidate = (log(get(run[index : end + 1]) or 1) - log_total + route[end + 1][0], end)
            if best is None or candidate > best:  # max() keeps the first of equals
                best = candidate
        assert best is not None
        route[index] = best
    words: list[str] = []
    single = ""  # consecutive one-character words, cut again by the HMM
    x = 0
    while x < length:
        y = route[x][1] + 1
        if y - x == 1:
            single += run[x]
        else:
            if single:
                _flush(single, get, words)
                single = ""
            words.append(run[x:y])
        x = y
    if single:
        _flush(single, get, words)
    return words


def _flush(single: str, get: Callable[[str], int | None], words: list[str]) -> None:
    if len(single) == 1:
        words.append(single)
    elif not get(single):
        words.extend(_hmm_cut(single))
    else:
        words.extend(single)


def _hmm_cut(text: str) -> list[str]:
    """``jieba.finalseg.cut``: Chinese blocks by Viterbi, the rest by letters and digits."""
    words: list[str] = []
    for block in _HAN.split(text):
        if _HAN.match(block):
            states = _viterbi(block)
            begin = following = 0
            for i, char in enumerate(block):
                state = states[i]
                if state == "B":
                    begin = i
                elif state == "E":
                    words.append(block[begin : i + 1])
                    following = i + 1
                elif state == "S":
                    words.append(char)
                    following = i + 1
            if following < len(block):
                words.append(block[following:])
        else:
            words.extend(piece for piece in _SKIP.split(block) if piece)
    return words


def _viterbi(observed: str) -> list[str]:
    """``jieba.finalseg.viterbi``'s best state path, ties broken as its ``max`` breaks them."""
    emit, trans = _EMIT, _TRANS
    first = observed[0]
    probability = {y: _START[y] + emit[y].get(first, _MIN_FLOAT) for y in _STATES}
    path = {y: [y] for y in _STATES}
    for char in observed[1:]:
        next_probability = {}
        next_path = {}
        for y in _STATES:
            emitted = emit[y].get(char, _MIN_FLOAT)
            best: tuple[float, str] | None = None
            for previous in _PREVIOUS[y]:
                candidate = (
                    probability[previous] + trans[previous].get(y, _MIN_FLOAT) + emitted,
                    previous,
                )
                if best is None or candidate > best:
                    best = candidate
            assert best is not None
            next_probability[y] = best[0]
            next_path[y] = path[best[1]] + [y]
        probability, path = next_probability, next_path
    _, state = max((probability[y], y) for y in "ES")
    return path[state]
