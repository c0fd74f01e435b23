"""Scoring arithmetic on tiny hand-made examples."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pii.entities import ENTITIES
from pii.evaluation.labelled_set import LabelledText, Span
from pii.evaluation.scoring import DetectionError, evaluate, format_errors, format_table
from pii.text_scan import Finding

#            0         1         2
#            0123456789012345678901234567
TEXT_A = "我叫张伟，电话13812345678，住桂花路12号3栋501室。"
TEXT_B = "王先生反映噪音，电话13900001111。"
A = LabelledText(
    "a",
    TEXT_A,
    (Span("PERSON", 2, 4), Span("CN_MOBILE", 7, 18), Span("ADDRESS", 20, 32)),
    "hand",
)
B = LabelledText("b", TEXT_B, (Span("CN_MOBILE", 10, 21),), "hand")


def _detector(answers: dict[str, list[tuple[str, int, int]]]) -> Callable[[str], list[Finding]]:
    def detect(text: str) -> list[Finding]:
        return [Finding(e, s, t, 0.9) for e, s, t in answers.get(text, [])]

    return detect


def test_labels_are_where_the_comments_say() -> None:
    assert [A.covered(s) for s in A.spans] == ["张伟", "13812345678", "桂花路12号3栋501室"]
    assert [B.covered(s) for s in B.spans] == ["13900001111"]


def test_counts_precision_and_recall() -> None:
    detect = _detector(
        {
            # mobile exact; address found with its edges loose; person missed
            TEXT_A: [("CN_MOBILE", 7, 18), ("ADDRESS", 21, 32)],
            # the honorific taken for a name; mobile found
            TEXT_B: [("PERSON", 0, 3), ("CN_MOBILE", 10, 21)],
        }
    )
    report = evaluate([A, B], detect)
    mobile, person, address = (report.score(e) for e in ("CN_MOBILE", "PERSON", "ADDRESS"))
    assert (mobile.true_positives, mobile.false_positives, mobile.false_negatives) == (2, 0, 0)
    assert (mobile.precision, mobile.recall) == (1.0, 1.0)
    assert (person.true_positives, person.false_positives, person.false_negatives) == (0, 1, 1)
    assert (person.precision, person.recall) == (0.0, 0.0)
    assert (address.true_positives, address.boundary, address.false_negatives) == (1, 1, 0)
    assert address.precision == address.recall == 1.0

    overall = report.overall
    assert (overall.true_positives, overall.false_positives, overall.false_negatives) == (3, 1, 1)
    assert overall.precision == overall.recall == 0.75
    assert report.text_count == 2
    assert report.errors == (
        DetectionError(
            "a", "boundary", "ADDRESS", 21, 32, "花路12号3栋501室", "桂花路12号3栋501室"
        ),
        DetectionError("a", "fn", "PERSON", 2, 4, "张伟"),
        DetectionError("b", "fp", "PERSON", 0, 3, "王先生"),
    )


def test_strict_mode_counts_a_loose_edge_as_a_miss_and_a_false_alarm() -> None:
    detect = _detector({TEXT_A: [("ADDRESS", 21, 32)]})
    address = evaluate([A], detect, relaxed=()).score("ADDRESS")
    assert (address.true_positives, address.false_positives, address.false_negatives) == (0, 1, 1)
    assert address.boundary == 0


def test_identifiers_are_never_matched_by_overlap() -> None:
    detect = _detector({TEXT_A: [("CN_MOBILE", 7, 17)]})
    mobile = evaluate([A], detect).score("CN_MOBILE")
    assert (mobile.true_positives, mobile.false_positives, mobile.false_negatives) == (0, 1, 1)


def test_right_span_wrong_entity_is_a_false_alarm_and_a_miss() -> None:
    report = evaluate([B], _detector({TEXT_B: [("CN_LANDLINE", 10, 21)]}))
    assert report.score("CN_LANDLINE").false_positives == 1
    assert report.score("CN_MOBILE").false_negatives == 1
    assert report.score("CN_LANDLINE").recall is None


def test_each_label_and_prediction_is_matched_once() -> None:
    two_names = LabelledText("c", "张伟李娜", (Span("PERSON", 0, 2), Span("PERSON", 2, 4)), "hand")
    # one prediction over both names matches one of them
    report = evaluate([two_names], _detector({"张伟李娜": [("PERSON", 0, 4)]}))
    person = report.score("PERSON")
    assert (person.true_positives, person.boundary) == (1, 1)
    assert (person.false_positives, person.false_negatives) == (0, 1)

    repeated = evaluate([B], _detector({TEXT_B: [("CN_MOBILE", 10, 21)] * 2}))
    assert repeated.score("CN_MOBILE").false_positives == 1


def test_nothing_predicted_or_labelled_has_no_ratio() -> None:
    report = evaluate([B], _detector({}))
    assert report.score("CN_MOBILE").precision is None
    assert report.score("CN_MOBILE").recall == 0.0
    assert report.score("EMAIL_ADDRESS").recall is None


def test_prediction_outside_the_text_is_a_detector_bug() -> None:
    with pytest.raises(ValueError, match=r"text 'b': the detector returned CN_MOBILE at 10\.\.99"):
        evaluate([B], _detector({TEXT_B: [("CN_MOBILE", 10, 99)]}))


def test_table_lists_every_entity_and_the_micro_total() -> None:
    report = evaluate([A, B], _detector({TEXT_B: [("CN_MOBILE", 10, 21), ("UNKNOWN", 0, 1)]}))
    table = format_table(report)
    lines = table.splitlines()
    assert lines[0].split() == [
        "entity",
        "match",
        "labelled",
        "found",
        "tp",
        "fp",
        "fn",
        "edge",
        "precision",
        "recall",
    ]
    rows = {line.split()[0]: line.split() for line in lines if line and line[0].isalpha()}
    assert set(ENTITIES) | {"UNKNOWN", "overall"} <= set(rows)
    assert rows["CN_MOBILE"][1:] == ["exact", "2", "1", "1", "0", "1", "0", "1.000", "0.500"]
    assert rows["PERSON"][1:] == ["overlap", "1", "0", "0", "0", "1", "0", "—", "0.000"]
    assert rows["UNKNOWN"][-2:] == ["0.000", "—"]
    assert rows["overall"][2:] == ["4", "2", "1", "1", "3", "0", "0.500", "0.250"]
    assert "2 texts" in lines[-1]


def test_errors_are_listed_for_debugging() -> None:
    report = evaluate([A, B], _detector({TEXT_B: [("PERSON", 0, 3)]}))
    text = format_errors(report, limit=2)
    assert text.splitlines()[0].split() == ["fn", "PERSON", "a:", "'张伟'"]
    assert text.splitlines()[-1] == "... and 3 more"
    assert [e.covered for e in report.errors_of("PERSON", "fp")] == ["王先生"]
