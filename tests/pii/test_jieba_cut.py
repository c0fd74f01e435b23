"""``pii.jieba_cut.cut_run`` gives jieba's own words, run by run."""

from __future__ import annotations

import jieba
from hypothesis import given, settings
from hypothesis import strategies as st
from pii_sample_texts import sample_texts

from pii import segmenter
from pii.evaluation.generated import generate
from pii.evaluation.labelled_set import load_hard_cases
from pii.jieba_cut import cut_run


def _runs(text: str) -> list[str]:
    return [match.group() for match in jieba.re_han_default.finditer(text)]


def _jieba(run: str) -> list[str]:
    return list(jieba.dt.cut(run, HMM=True))


def test_the_labelled_and_sample_texts_cut_as_jieba_cuts_them() -> None:
    tokenizer = segmenter._load()
    texts = [t.text for t in load_hard_cases() + generate(1500, seed=3)]
    texts += [s.text for s in sample_texts(500, seed=8)]
    runs = {run for text in texts for run in _runs(text)}
    assert len(runs) > 2_000
    for run in runs:
        assert cut_run(tokenizer, run) == _jieba(run), run


_PIECES = st.sampled_from(
    ["张伟", "欧阳", "思琳", "司马", "光明", "李", "娜", "王", "芳", "颖慧", "高峰", "文明", "马路",
     "桂花路", "12号", "3栋", "二单元", "５０１", "室", "反映", "我叫", "联系人", "业主", "的", "在",
     "住", "A", "b", "0755", "86", "-", ".", "%", "+", "#", "&", "_", "期", "〇", "两", "十一点",
     "施工", "噪音", "垃圾", "鑫", "淼", "犇", "龘"]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=12).map("".join))
def test_any_mix_of_pieces_cuts_as_jieba_cuts_it(text: str) -> None:
    tokenizer = segmenter._load()
    for run in _runs(text):
        assert cut_run(tokenizer, run) == _jieba(run), run
