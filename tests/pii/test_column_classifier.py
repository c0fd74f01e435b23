"""Columns classified from their values; the header helps but never decides alone."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

import pyarrow as pa
import pytest

from identifiers.resident_id import make
from pii.column_classifier import (
    MIN_CONFIDENCE,
    ColumnClassification,
    classify_column,
    classify_table,
)
from pii.text_scan import default_detector

RNG = random.Random(4)
IDS = [make("440305", dt.date(1950, 1, 1) + dt.timedelta(days=RNG.randint(0, 25_000)), n) for n in range(1, 201)]  # fmt: skip
PHONES = [f"13{RNG.randint(0, 9)}{RNG.randint(10**7, 10**8 - 1)}" for _ in range(200)]
LEGACY_IDS = [f"440305{RNG.randint(40, 99)}{RNG.randint(1, 12):02d}{RNG.randint(1, 28):02d}{RNG.randint(100, 999)}" for _ in range(200)]  # fmt: skip


def _classify(name: str, values: Sequence[str | None]) -> ColumnClassification:
    return classify_column(name, pa.array(values, pa.string()), detector=default_detector())


def test_an_id_column_under_an_uninformative_header_is_found() -> None:
    result = _classify("编号", IDS)
    assert (result.entity, result.kind, result.matched, result.sampled) == (
        "CN_RESIDENT_ID",
        "value",
        200,
        200,
    )
    assert result.score == pytest.approx(1.0)


def test_a_remarks_column_holding_phones_is_found() -> None:
    remarks = [f"请联系{p}" if i % 5 == 0 else "无" for i, p in enumerate(PHONES)]
    result = _classify("备注", remarks)
    assert result.entity == "CN_MOBILE"
    assert result.matched == 40 and result.score >= 0.9


def test_a_header_alone_never_decides() -> None:
    case_numbers = [f"GD2026{n:09d}" for n in range(200)]
    result = _classify("身份证号", case_numbers)
    assert result.entity is None and result.matched == 0
    assert result.score == pytest.approx(1.0)


def test_a_header_lifts_weak_matches_it_agrees_with() -> None:
    # 15-digit legacy IDs carry no check character: too weak alone, clear under 身份证号.
    assert _classify("备注", LEGACY_IDS).entity is None
    with_header = _classify("身份证号", LEGACY_IDS)
    assert with_header.entity == "CN_RESIDENT_ID" and with_header.score >= 0.6


def test_a_stray_finding_is_not_enough() -> None:
    values = ["无"] * 199 + [PHONES[0]]
    result = _classify("备注", values)
    assert result.entity is None
    assert 0 < result.entities["CN_MOBILE"] < MIN_CONFIDENCE
    assert result.reported == ()


def test_empty_and_all_null_columns() -> None:
    for values in ([], [None, None], ["", "  "]):
        result = _classify("空", values)
        assert (result.entity, result.kind, result.sampled) == (None, "empty", 0)


def test_classify_table_casts_numbers_and_keeps_column_order() -> None:
    table = pa.table(
        {
            "电话": PHONES[:50],
            "证件": pa.array(
                [int(i) for i in IDS[:50] if i[-1] != "X"][:40] + [None] * 10, pa.int64()
            ),
            "金额": [1.5] * 50,
        }
    )
    classes = classify_table(table)
    assert list(classes) == ["电话", "证件", "金额"]
    assert classes["电话"].entity == "CN_MOBILE"
    assert classes["证件"].entity == "CN_RESIDENT_ID"
    assert classes["金额"].entity is None


def test_json_form_names_entity_score_and_evidence() -> None:
    result = _classify("电话", PHONES)
    data = result.as_json()
    assert data["entity"] == "CN_MOBILE" and data["score"] == pytest.approx(0.95)
    assert data["entities"] == {"CN_MOBILE": {"score": 0.95, "matched": 200, "reported": True}}
