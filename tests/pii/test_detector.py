"""The fast detector finds exactly what plain Presidio finds, and skips what cannot match."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pii_sample_texts import sample_texts

from identifiers.resident_id import make
from pii.analyzer import build_analyzer
from pii.detector import Detector, analyzer_findings
from pii.parallel import PARALLEL_MIN_ROWS, find_column
from pii.text_scan import default_detector

ID = make("440305", dt.date(1990, 3, 7), 123)


def test_findings_equal_the_analyzers_on_sample_texts() -> None:
    detector = default_detector()
    for sample in sample_texts(400, seed=11):
        assert detector.find(sample.text) == analyzer_findings(sample.text, detector.analyzer)


def test_column_findings_equal_row_by_row_findings() -> None:
    detector = default_detector()
    texts = [s.text for s in sample_texts(300, seed=5)] + [None, ""]
    per_row = detector.find_column(pa.array(texts, pa.string()))
    assert per_row == [detector.find(t) if t else [] for t in texts]


_FRAGMENTS = st.sampled_from(
    [ID, "13812345678", "138", "1234", "5678", "440305", "19900307", "1236", "900307123",
     "１３８", "０", "7", " ", "\u3000", "-", ".", "+86", "X", "x", "GD", "身份证", "电话", "，",
     "@", "qq.com", "粤B", "12345", "6222021234567890123", "卡号", "E12345678", "护照", "010-",
     "88886666", "张伟", "我叫", "桂花路", "12号", "3栋", "2单元", "501室"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=12).map("".join))
def test_prechecks_never_hide_a_finding(text: str) -> None:
    # A low threshold, so that weak matches (legacy IDs without context) are compared too.
    detector = Detector(build_analyzer(), threshold=0.1)
    assert detector.find(text) == analyzer_findings(text, detector.analyzer, threshold=0.1)
    assert detector.find_column(pa.array([text])) == [detector.find(text)]


def test_context_words_from_the_caller_reach_the_recognizers() -> None:
    legacy = "440305900307123"  # a 15-digit ID: too weak alone
    detector = default_detector()
    assert detector.find(legacy) == []
    [finding] = detector.find(legacy, context=["身份证号"])
    assert finding.entity == "CN_RESIDENT_ID"
    assert detector.find(legacy, context=["身份证号"]) == analyzer_findings(
        legacy, detector.analyzer, context=["身份证号"]
    )


def test_a_recognizer_without_precheck_runs_on_every_text() -> None:
    from presidio_analyzer import Pattern, PatternRecognizer

    analyzer = build_analyzer.__wrapped__()
    analyzer.registry.add_recognizer(
        PatternRecognizer(
            supported_entity="GREETING",
            supported_language="zh",
            patterns=[Pattern("greeting", "你好", 0.9)],
        )
    )
    detector = Detector(analyzer)
    assert [f.entity for f in detector.find("你好")] == ["GREETING"]
    assert detector.find_column(pa.array(["你好", "无", None])) == [detector.find("你好"), [], []]


def test_non_text_columns_are_refused() -> None:
    with pytest.raises(TypeError, match="int64"):
        default_detector().find_column(pa.array([13812345678]))


@pytest.mark.slow
def test_two_workers_give_the_same_findings_in_the_same_order() -> None:
    texts = pa.array([s.text for s in sample_texts(PARALLEL_MIN_ROWS + 500, seed=2)])
    detector = default_detector()
    assert find_column(texts, detector=detector, workers=2) == detector.find_column(texts)
