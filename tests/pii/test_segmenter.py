"""The shared jieba segmenter: exact cover, offsets, flags, caching, quiet loading."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import jieba
import pytest

from pii import segmenter
from pii.segmenter import segment, segment_around

REPO = Path(__file__).resolve().parents[2]

TEXTS = [
    "我叫张伟，住在翠竹社区桂花路12号3栋，电话13812345678，请尽快处理。",
    "欧阳娜娜反映：楼道灯坏了三天 GD2026110100123 ，拨打12345。",
    "联系人：李娜\r\n电话１３８１２３４５６７８\t备注 abc def",
    "😀😀张伟先生",
    "",
    "，。！",
]


@pytest.mark.parametrize("text", TEXTS)
def test_words_cover_the_text_as_jieba_cuts_it(text: str) -> None:
    tokens = segment(text)
    assert "".join(word for word, _, _ in tokens) == text
    assert [word for word, _, _ in tokens] == list(jieba.cut(text, HMM=True))
    for word, _, start in tokens:
        assert text[start : start + len(word)] == word


def test_offsets_count_characters_not_bytes() -> None:
    tokens = segment("😀😀张伟先生")
    assert ("张伟", segmenter.OOV, 2) in tokens
    assert ("先生", "n", 4) in tokens


@pytest.mark.parametrize(
    ("word", "flag"),
    [
        ("社区", "n"),  # the dictionary's own tag
        ("反映", "v"),
        ("张伟", segmenter.OOV),  # a real name is mostly not in the dictionary
        ("12", segmenter.NUMBER),
        ("GD2026110100123", segmenter.LATIN),
        ("，", segmenter.OTHER),
    ],
)
def test_flags(word: str, flag: str) -> None:
    text = "我叫张伟，住在翠竹社区桂花路12号，反映GD2026110100123"
    assert (word, flag) in [(w, f) for w, f, _ in segment(text)]


def test_dictionary_look_ups() -> None:
    assert segmenter.dictionary_tag("文明") == "nr"  # jieba tags many words as names
    assert segmenter.frequency("文明") > 1000
    assert segmenter.dictionary_tag("张伟") is None
    assert segmenter.frequency("张伟") == 0


def test_each_text_is_segmented_once() -> None:
    text = "当事人张伟、李娜已自行协商，工单号GD0001。"
    first = segment(text)
    hits = segmenter._segment.cache_info().hits
    assert segment(text) is first
    assert segmenter._segment.cache_info().hits == hits + 1


def test_segment_around_gives_the_clause_with_text_offsets() -> None:
    text = "电话13812345678，我叫张伟，住在桂花路。"
    clause = segment_around(text, text.index("张"))
    assert "".join(word for word, _, _ in clause) == "我叫张伟"
    assert all(token in segment(text) for token in clause)
    assert segment_around(text, text.index("，")) == ()


def test_loading_is_quiet_and_offline() -> None:
    probe = textwrap.dedent(
        """
        import socket

        def refuse(*args, **kwargs):
            raise RuntimeError("network access attempted")

        socket.socket.connect = refuse
        socket.create_connection = refuse

        from pii.segmenter import segment

        print(len(segment("我叫张伟，住在翠竹社区。")))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr == ""  # no "Building prefix dict from ..."
    assert int(done.stdout) > 3
