"""find, redact and redact_column on the kind of text citizens and clerks write."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pyarrow as pa
import pytest
from pii_sample_texts import planted_counts, sample_texts

from identifiers.resident_id import make
from pii.detector import Detector
from pii.text_scan import (
    Finding,
    RedactionResult,
    find,
    redact,
    redact_column,
    resolve_overlaps,
)

ID = make("440305", dt.date(1990, 3, 7), 123)
CITIZEN = f"我叫张伟，住在翠竹社区桂花路12号3栋，电话13812345678，身份证{ID}，请尽快处理。"
CITIZEN_REDACTED = (
    "我叫[PERSON]，住在[ADDRESS]，电话[CN_MOBILE]，身份证[CN_RESIDENT_ID]，请尽快处理。"
)


def test_citizen_sentence_findings_have_exact_offsets() -> None:
    findings = find(CITIZEN)
    assert [(f.entity, f.start, f.end) for f in findings] == [
        ("PERSON", 2, 4),
        ("ADDRESS", 7, 19),
        ("CN_MOBILE", 22, 33),
        ("CN_RESIDENT_ID", 37, 55),
    ]
    assert (CITIZEN[2:4], CITIZEN[7:19]) == ("张伟", "翠竹社区桂花路12号3栋")
    assert CITIZEN[22:33] == "13812345678"
    assert CITIZEN[37:55] == ID


def test_citizen_sentence_is_redacted() -> None:
    assert redact(CITIZEN, find(CITIZEN)) == CITIZEN_REDACTED


def test_offsets_count_characters_not_bytes() -> None:
    text = "😀" * 3 + "１３８１２３４５６７８"
    [finding] = find(text)
    assert (finding.start, finding.end) == (3, 14)


def test_text_without_personal_data_is_unchanged() -> None:
    text = "楼道灯坏了三天，工单号GD2026110100123，拨打12345。"
    assert find(text) == []
    assert redact(text, []) == text


def test_threshold_filters_by_score() -> None:
    bare_mobile = "见13812345678"
    assert find(bare_mobile, detector=Detector(threshold=0.5))
    assert find(bare_mobile, detector=Detector(threshold=0.7)) == []
    assert find(f"身份证{ID}", detector=Detector(threshold=1.0))


def test_overlaps_keep_the_higher_score_then_the_longer_span() -> None:
    low = Finding("CN_MOBILE", 0, 11, 0.6)
    high = Finding("CN_RESIDENT_ID", 3, 21, 1.0)
    short = Finding("A", 30, 33, 0.8)
    long = Finding("B", 29, 35, 0.8)
    apart = Finding("CN_MOBILE", 40, 51, 0.6)
    assert resolve_overlaps([apart, low, short, high, long]) == [high, long, apart]


def test_redact_resolves_overlaps_it_is_given() -> None:
    text = "abcdefghij"
    findings = [Finding("X", 1, 4, 0.6), Finding("Y", 2, 8, 0.9)]
    assert redact(text, findings) == "ab[Y]ij"


def test_redact_refuses_a_finding_outside_the_text() -> None:
    with pytest.raises(ValueError, match="CN_MOBILE finding lies outside") as caught:
        redact("短", [Finding("CN_MOBILE", 0, 11, 0.9)])
    assert "短" not in str(caught.value)


def test_redact_column_keeps_nulls_and_counts() -> None:
    texts = pa.array([CITIZEN, None, "无", "电话 138 1234 5678，备用13987654321"])
    result = redact_column(texts)
    assert isinstance(result, RedactionResult)
    assert result.redacted.type == pa.string()
    assert result.redacted.to_pylist() == [
        CITIZEN_REDACTED,
        None,
        "无",
        "电话 [CN_MOBILE]，备用[CN_MOBILE]",
    ]
    assert result.entity_counts == {
        "ADDRESS": 1,
        "CN_MOBILE": 3,
        "CN_RESIDENT_ID": 1,
        "PERSON": 1,
    }
    assert result.rows_with_pii == 2


def test_redact_column_takes_chunked_and_large_strings() -> None:
    texts = pa.chunked_array([[CITIZEN, None], [], ["无"]], type=pa.large_string())
    result = redact_column(texts)
    assert result.redacted.to_pylist() == [CITIZEN_REDACTED, None, "无"]
    assert result.rows_with_pii == 1


def test_redact_column_takes_dictionary_encoded_strings() -> None:
    texts = pa.array(["电话13812345678", "无", "电话13812345678"]).dictionary_encode()
    result = redact_column(texts)
    assert result.redacted.to_pylist() == ["电话[CN_MOBILE]", "无", "电话[CN_MOBILE]"]
    assert result.entity_counts == {"CN_MOBILE": 2}


def test_redact_column_on_empty_and_all_null_columns() -> None:
    empty = redact_column(pa.array([], pa.string()))
    assert (len(empty.redacted), empty.entity_counts, empty.rows_with_pii) == (0, {}, 0)
    nulls = redact_column(pa.array([None, None]))
    assert nulls.redacted.to_pylist() == [None, None]
    assert nulls.redacted.type == pa.string()


def test_redact_column_refuses_non_text_columns() -> None:
    with pytest.raises(TypeError, match="int64"):
        redact_column(pa.array([13812345678]))


def test_redact_column_finds_exactly_what_was_planted() -> None:
    samples = sample_texts(1500)
    result = redact_column(pa.array([s.text for s in samples]))
    # These texts plant IDs and mobiles; their addresses are found too, and not counted here.
    planted_kinds = ("CN_MOBILE", "CN_RESIDENT_ID")
    counted = {e: n for e, n in result.entity_counts.items() if e in planted_kinds}
    assert counted == dict(planted_counts(samples))
    for row, (sample, redacted) in enumerate(
        zip(samples, result.redacted.to_pylist(), strict=True)
    ):
        placeholders = Counter({e: redacted.count(f"[{e}]") for e in planted_kinds})
        assert +placeholders == Counter(sample.planted), f"row {row}"
