"""The labelled set: the hand-written hard cases, their loader's errors, and the generator."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from identifiers import bank_card, credit_code, phone, resident_id
from identifiers.bank_card import is_luhn_valid
from identifiers.text import to_halfwidth
from pii.entities import ENTITIES
from pii.evaluation.generated import COMPOUND_SURNAMES, SURNAMES, TEMPLATES, generate
from pii.evaluation.labelled_set import (
    LabelledSetError,
    LabelledText,
    Span,
    SpanError,
    load_hard_cases,
    load_labelled_jsonl,
)

# ---------------------------------------------------------------- the hard cases


def test_hard_cases_load_and_cover_every_entity_and_near_misses() -> None:
    cases = load_hard_cases()
    assert len(cases) >= 120
    assert len({case.id for case in cases}) == len(cases)
    assert all(case.source == "hand" and case.note for case in cases)
    per_entity = Counter(span.entity for case in cases for span in case.spans)
    assert {entity: per_entity[entity] for entity in ENTITIES if per_entity[entity] < 5} == {}
    near_misses = [case for case in cases if not case.spans]
    assert len(near_misses) >= 40


def test_hard_case_identifiers_are_valid() -> None:
    """Check characters were computed, not guessed: every labelled identifier validates."""
    for case in load_hard_cases():
        for span in case.spans:
            _assert_valid(case, span)


# ---------------------------------------------------------------- the loader


def _write(tmp_path: Path, *entries: dict[str, Any] | str) -> Path:
    lines = [e if isinstance(e, str) else json.dumps(e, ensure_ascii=False) for e in entries]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _case(
    spans: list[dict[str, Any]], text: str = "电话13812345678，找张伟。", **extra: Any
) -> dict[str, Any]:
    return {"id": "c1", "text": text, "spans": spans, "note": "test", **extra}


def test_spans_located_by_offsets_by_text_and_by_occurrence(tmp_path: Path) -> None:
    text = "张伟说张伟的电话是13812345678"
    path = _write(
        tmp_path,
        _case([{"entity": "CN_MOBILE", "start": 9, "end": 20}], text=text),
        "",
        _case([{"entity": "PERSON", "text": "张伟", "occurrence": 2}], text=text) | {"id": "c2"},
        _case(
            [
                {"entity": "PERSON", "text": "张伟"},
                {"entity": "CN_MOBILE", "text": "13812345678", "start": 9, "end": 20},
            ],
            text=text,
        )
        | {"id": "c3"},
    )
    first, second, third = load_labelled_jsonl(path)
    assert first.spans == (Span("CN_MOBILE", 9, 20),)
    assert first.covered(first.spans[0]) == "13812345678"
    assert second.spans == (Span("PERSON", 3, 5),)
    assert third.spans == (Span("PERSON", 0, 2), Span("CN_MOBILE", 9, 20))


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        pytest.param(
            [{"entity": "CN_MOBILE", "start": 2, "end": 99}],
            r"cases\.jsonl:2 \(id 'c1'\): spans\[0\]\.end: 99 must lie after start 2, up to 19",
            id="span outside the text",
        ),
        pytest.param(
            [{"entity": "CN_MOBILE", "start": -1, "end": 3}],
            r":2 \(id 'c1'\): spans\[0\]\.start: -1 is outside the text",
            id="negative start",
        ),
        pytest.param(
            [{"entity": "PHONE", "text": "13812345678"}],
            r":2 \(id 'c1'\): spans\[0\]\.entity: unknown entity 'PHONE'",
            id="unknown entity",
        ),
        pytest.param(
            [
                {"entity": "CN_MOBILE", "text": "13812345678"},
                {"entity": "BANK_CARD", "start": 5, "end": 8},
            ],
            r":2 \(id 'c1'\): spans\[1\]\.start: overlaps spans\[0\] \('13812345678'\)",
            id="overlapping spans",
        ),
        pytest.param(
            [{"entity": "PERSON", "text": "李娜"}],
            r":2: spans\[0\]\.text: '李娜' does not occur in the text",
            id="span text not in the text",
        ),
        pytest.param(
            [{"entity": "PERSON", "text": "张伟", "occurrence": 2}],
            r":2: spans\[0\]\.text: '张伟' occurs 1 times in the text \(wanted occurrence 2\)",
            id="occurrence beyond the count",
        ),
        pytest.param(
            [{"entity": "PERSON", "text": "张伟", "start": 0, "end": 2}],
            r":2: spans\[0\]\.start: offsets 0\.\.2 disagree with text '张伟' at 16\.\.18",
            id="offsets disagree with text",
        ),
        pytest.param(
            [{"entity": "PERSON", "start": 16}],
            r":2: spans\[0\]\.end: start and end come together",
            id="start without end",
        ),
        pytest.param(
            [{"entity": "PERSON"}],
            r":2: spans\[0\]: needs text, or start and end",
            id="span without place",
        ),
        pytest.param(
            [{"entity": "PERSON", "start": 14, "end": 16}],
            r":2 \(id 'c1'\): spans\[0\]\.start: the span '找 ' starts or ends",
            id="span edge is a blank",
        ),
        pytest.param(
            [{"entity": "PERSON", "start": "16", "end": 18}],
            r":2: spans\[0\]\.start: Input should be a valid integer",
            id="offset as a string",
        ),
        pytest.param(
            [{"entity": "PERSON", "text": "张伟", "colour": "red"}],
            r":2: spans\[0\]\.colour: Extra inputs are not permitted",
            id="unknown field",
        ),
    ],
)
def test_bad_span_is_reported_with_file_line_and_field(
    tmp_path: Path, spans: list[dict[str, Any]], expected: str
) -> None:
    text = "电话13812345678，找 张伟。"
    good = _case([], text="没有个人信息。") | {"id": "c0"}
    path = _write(tmp_path, good, _case(spans, text=text))
    with pytest.raises(LabelledSetError, match=expected) as failure:
        load_labelled_jsonl(path)
    assert str(failure.value).startswith(str(path))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param("{not json", r":1: not valid JSON: .* \(column 2\)", id="invalid JSON"),
        pytest.param("[1, 2]", r":1: a line must be one JSON object, not list", id="not an object"),
        pytest.param(
            json.dumps({"id": "x", "text": "文本", "spans": []}),
            r":1: note: Field required",
            id="no note",
        ),
        pytest.param(
            json.dumps({"id": "", "text": "文本", "spans": [], "note": "n"}),
            r":1: id: String should have at least 1 character",
            id="empty id",
        ),
    ],
)
def test_bad_line_is_reported_with_file_line_and_field(
    tmp_path: Path, line: str, expected: str
) -> None:
    with pytest.raises(LabelledSetError, match=expected):
        load_labelled_jsonl(_write(tmp_path, line))


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, _case([]), "", _case([]))
    with pytest.raises(LabelledSetError, match=r":3: id: duplicate id 'c1' \(first on line 1\)"):
        load_labelled_jsonl(path)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(LabelledSetError, match="cannot read"):
        load_labelled_jsonl(tmp_path / "absent.jsonl")


def test_labelled_text_checks_and_orders_its_spans() -> None:
    text = "张伟13812345678"
    labelled = LabelledText(
        "t", text, (Span("CN_MOBILE", 2, 13), Span("PERSON", 0, 2)), source="hand"
    )
    assert labelled.spans == (Span("PERSON", 0, 2), Span("CN_MOBILE", 2, 13))
    with pytest.raises(SpanError, match=r"spans\[0\]\.start: overlaps spans\[1\] \('张伟1'\)"):
        LabelledText("t", text, (Span("CN_MOBILE", 2, 13), Span("PERSON", 0, 3)), "hand")


# ---------------------------------------------------------------- the generator

GENERATED = generate(1500, seed=20261201)


def test_generation_is_deterministic_and_prefix_stable() -> None:
    assert generate(300, seed=20261201) == GENERATED[:300]
    assert generate(300, seed=20261201) == generate(300, seed=20261201)
    assert [t.text for t in generate(30, seed=1)] != [t.text for t in generate(30, seed=2)]
    assert generate(0, seed=1) == []
    with pytest.raises(ValueError, match="negative"):
        generate(-1, seed=1)


def test_generated_texts_use_every_template_and_entity() -> None:
    assert len(TEMPLATES) >= 30
    assert {t.note for t in GENERATED} == set(TEMPLATES)
    per_entity = Counter(span.entity for t in GENERATED for span in t.spans)
    assert {entity: per_entity[entity] for entity in ENTITIES if per_entity[entity] < 50} == {}
    assert len({t.id for t in GENERATED}) == len(GENERATED)
    assert all(t.source == "generated" for t in GENERATED)


def test_generated_spans_are_exact_and_revalidate() -> None:
    for labelled in GENERATED:
        for span in labelled.spans:
            _assert_valid(labelled, span)
            before = labelled.text[span.start - 1 : span.start]
            after = labelled.text[span.end : span.end + 1]
            # A span never runs into a letter or digit next to it.
            assert not re.match(r"[0-9A-Za-z０-９]", before + " ")
            assert not re.match(r"[0-9A-Za-z０-９]", after + " ")


def test_generated_texts_hold_no_unlabelled_identifier() -> None:
    """Distractors fail every check: the labels are complete."""
    for labelled in GENERATED:
        masked = list(labelled.text)
        for span in labelled.spans:
            masked[span.start : span.end] = "□" * (span.end - span.start)
        for run in re.findall(r"[0-9０-９]+", "".join(masked)):
            digits = to_halfwidth(run)
            assert not (len(digits) in (15, 18) and resident_id.is_valid(digits)), labelled
            assert not (16 <= len(digits) <= 19 and is_luhn_valid(digits)), labelled
            assert not re.fullmatch(r"1[3-9]\d{9}", digits), labelled


def test_generated_texts_use_the_awkward_spellings() -> None:
    covered = [(s.entity, t.covered(s)) for t in GENERATED for s in t.spans]

    def some(entity: str, pattern: str) -> bool:
        return any(e == entity and re.search(pattern, text) for e, text in covered)

    assert some("CN_RESIDENT_ID", "[０-９]")
    assert some("CN_RESIDENT_ID", "x$")
    assert some("CN_RESIDENT_ID", r"^\d{15}$")
    assert some("CN_RESIDENT_ID", " ")
    assert some("CN_MOBILE", r"^\+86")
    assert some("CN_MOBILE", "[０-９]")
    assert some("CN_MOBILE", "-")
    assert some("CN_LANDLINE", "（")
    assert some("CN_LANDLINE", "转")
    assert some("CN_LICENSE_PLATE", "·")
    assert some("CN_LICENSE_PLATE", "^..[DF]")
    assert some("BANK_CARD", " ")
    assert some("ADDRESS", "[一二三四五六七八九十]+号")
    assert some("PERSON", "^(" + "|".join(COMPOUND_SURNAMES) + ")")


# ---------------------------------------------------------------- re-validation

_EMAIL = re.compile(r"[A-Za-z0-9._+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+")
_PASSPORT = re.compile(r"E\d{8}|E[A-HJ-NP-Z]\d{7}|G\d{8}")
_PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]"
    r"[A-HJ-NP-Z]·?(?:[DF][0-9A-HJ-NP-Z]\d{4}|\d{5}[DF]|[0-9A-HJ-NP-Z]{5})"
)
_ADDRESS_END = ("室", "房", "栋", "幢", "号楼", "座", "单元")


def _assert_valid(labelled: LabelledText, span: Span) -> None:
    """The covered characters are a valid value of the span's entity."""
    covered = labelled.covered(span)
    where = f"{labelled.id}: {span.entity} {covered!r}"
    if span.entity == "CN_RESIDENT_ID":
        assert resident_id.is_valid(covered), where
    elif span.entity == "CN_USCC":
        assert credit_code.is_valid(covered), where
    elif span.entity == "CN_MOBILE":
        assert phone.is_mobile(covered), where
    elif span.entity == "CN_LANDLINE":
        number = re.sub(r"(转|分机)\d+$", "", to_halfwidth(covered))
        national = phone.normalise(number)
        national = national if number.startswith(("0", "(")) else "0" + national
        assert re.fullmatch(r"0\d{2,3}[2-8]\d{6,7}", national), where
    elif span.entity == "BANK_CARD":
        digits = bank_card.normalise(covered)
        assert digits.isdigit() and 16 <= len(digits) <= 19 and is_luhn_valid(digits), where
    elif span.entity == "EMAIL_ADDRESS":
        assert _EMAIL.fullmatch(covered), where
    elif span.entity == "CN_PASSPORT":
        assert _PASSPORT.fullmatch(covered), where
    elif span.entity == "CN_LICENSE_PLATE":
        assert _PLATE.fullmatch(covered), where
    elif span.entity == "PERSON":
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", covered), where
        if labelled.source == "generated":
            assert covered[0] in SURNAMES or covered[:2] in COMPOUND_SURNAMES, where
    elif span.entity == "ADDRESS":
        assert covered.endswith(_ADDRESS_END) or covered[-1].isdigit(), where
    else:
        raise AssertionError(f"no check for {where}")
