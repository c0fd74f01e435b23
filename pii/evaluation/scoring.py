"""Precision and recall of a personal-data detector on labelled texts.

Span-matching rule. A prediction is a true positive when its entity equals a
labelled span's entity and its offsets are exactly equal; every prediction and
every labelled span is matched at most once. Identifiers have unambiguous edges
(a digit more or less changes the value), so they are always matched exactly.
For the entities in ``RELAXED_ENTITIES`` (PERSON and ADDRESS) a prediction left
over after exact matching may also match a left-over labelled span of the same
entity that it overlaps (the largest overlap first): whether 翠竹社区 belongs to
the address or a cue character to the name is a labelling convention, not a
detection failure. Such matches count as true positives and are also counted and
listed as ``boundary`` errors, so loose edges stay visible. Pass ``relaxed=()``
for exact matching everywhere.

Everything else left over is a false positive (predicted, not labelled) or a
false negative (labelled, not predicted). A prediction of the right span with
the wrong entity is both. Precision and recall are None where they would divide
by zero (nothing predicted, nothing labelled).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from pii.evaluation.labelled_set import ENTITIES, LabelledText, Span

RELAXED_ENTITIES: frozenset[str] = frozenset({"PERSON", "ADDRESS"})

ErrorKind = Literal["fp", "fn", "boundary"]


class Prediction(Protocol):
    """What a detector returns per finding (``pii.text_scan.Finding`` is one)."""

    @property
    def entity(self) -> str: ...

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


Detector = Callable[[str], Iterable[Prediction]]


@dataclass(frozen=True)
class EntityScore:
    """Counts for one entity (or all of them, micro-averaged, as ``overall``)."""

    entity: str
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    # True positives matched by overlap only; included in true_positives.
    boundary: int = 0
    relaxed: bool = False

    @property
    def labelled(self) -> int:
        return self.true_positives + self.false_negatives

    @property
    def predicted(self) -> int:
        return self.true_positives + self.false_positives

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.true_positives / self.labelled if self.labelled else None


@dataclass(frozen=True)
class DetectionError:
    """One miss, false alarm or loose edge, with the characters involved."""

    text_id: str
    kind: ErrorKind
    entity: str
    start: int
    end: int
    covered: str
    # For a boundary error: what the labelled span covers.
    expected: str = ""

    def describe(self) -> str:
        line = f"{self.kind:8} {self.entity:16} {self.text_id}: {self.covered!r}"
        return f"{line} (labelled {self.expected!r})" if self.kind == "boundary" else line


@dataclass(frozen=True)
class Report:
    """Scores per entity, in contract order then any other entity predicted."""

    scores: dict[str, EntityScore]
    errors: tuple[DetectionError, ...] = field(default=())
    text_count: int = 0

    def score(self, entity: str) -> EntityScore:
        return self.scores.get(entity, EntityScore(entity))

    @property
    def overall(self) -> EntityScore:
        """Micro-averaged over every entity."""
        scores = self.scores.values()
        return EntityScore(
            "overall",
            true_positives=sum(s.true_positives for s in scores),
            false_positives=sum(s.false_positives for s in scores),
            false_negatives=sum(s.false_negatives for s in scores),
            boundary=sum(s.boundary for s in scores),
        )

    def errors_of(self, entity: str, kind: ErrorKind | None = None) -> list[DetectionError]:
        return [e for e in self.errors if e.entity == entity and kind in (None, e.kind)]


def evaluate(
    texts: Iterable[LabelledText],
    detect: Detector,
    *,
    relaxed: Collection[str] = RELAXED_ENTITIES,
) -> Report:
    """Run ``detect`` on every text and score its findings against the labelled spans."""
    counts: dict[str, Counter[str]] = {}
    errors: list[DetectionError] = []
    text_count = 0
    for labelled in texts:
        text_count += 1
        predicted = [_as_span(labelled, p) for p in detect(labelled.text)]
        for kind, entity, span, gold in _match(labelled.spans, predicted, relaxed):
            counts.setdefault(entity, Counter())[kind] += 1
            if kind == "tp":
                continue
            if kind == "boundary":
                counts[entity]["tp"] += 1
            errors.append(
                DetectionError(
                    text_id=labelled.id,
                    kind=kind,
                    entity=entity,
                    start=span.start,
                    end=span.end,
                    covered=labelled.covered(span),
                    expected=labelled.covered(gold) if gold is not None else "",
                )
            )
    order = [*ENTITIES, *sorted(set(counts) - set(ENTITIES))]
    scores = {
        entity: EntityScore(
            entity,
            true_positives=counts.get(entity, Counter())["tp"],
            false_positives=counts.get(entity, Counter())["fp"],
            false_negatives=counts.get(entity, Counter())["fn"],
            boundary=counts.get(entity, Counter())["boundary"],
            relaxed=entity in relaxed,
        )
        for entity in order
    }
    return Report(scores=scores, errors=tuple(errors), text_count=text_count)


def _as_span(labelled: LabelledText, prediction: Prediction) -> Span:
    span = Span(prediction.entity, prediction.start, prediction.end)
    if not 0 <= span.start < span.end <= len(labelled.text):
        raise ValueError(
            f"text {labelled.id!r}: the detector returned {span.entity} at "
            f"{span.start}..{span.end}, outside a text of {len(labelled.text)} characters"
        )
    return span


_Outcome = tuple[Literal["tp", "fp", "fn", "boundary"], str, Span, Span | None]


def _match(
    gold: Iterable[Span], predicted: Iterable[Span], relaxed: Collection[str]
) -> list[_Outcome]:
    """Pair labelled and predicted spans of one text: exact first, then by overlap."""
    outcomes: list[_Outcome] = []
    gold_left = list(gold)
    predicted_left: list[Span] = []
    for span in sorted(predicted, key=lambda s: (s.start, s.end, s.entity)):
        if span in gold_left:
            gold_left.remove(span)
            outcomes.append(("tp", span.entity, span, span))
        else:
            predicted_left.append(span)
    for labelled in list(gold_left):
        if labelled.entity not in relaxed:
            continue
        candidates = [p for p in predicted_left if p.entity == labelled.entity]
        best = max(candidates, key=lambda p: _overlap(p, labelled), default=None)
        if best is not None and _overlap(best, labelled) > 0:
            predicted_left.remove(best)
            gold_left.remove(labelled)
            outcomes.append(("boundary", labelled.entity, best, labelled))
    outcomes.extend(("fp", p.entity, p, None) for p in predicted_left)
    outcomes.extend(("fn", g.entity, g, None) for g in gold_left)
    return outcomes


def _overlap(a: Span, b: Span) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def format_table(report: Report) -> str:
    """The scores as an aligned plain-text table, one row per entity and a micro total."""
    header = (
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
    )
    rows = [header]
    for score in [*report.scores.values(), report.overall]:
        match = "overlap" if score.relaxed else "exact" if score.entity != "overall" else ""
        rows.append(
            (
                "overall (micro)" if score.entity == "overall" else score.entity,
                match,
                str(score.labelled),
                str(score.predicted),
                str(score.true_positives),
                str(score.false_positives),
                str(score.false_negatives),
                str(score.boundary),
                _ratio(score.precision),
                _ratio(score.recall),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    lines.append(f"{report.text_count} texts; edge = matched by overlap only (counted in tp)")
    return "\n".join(lines)


def format_errors(report: Report, *, limit: int = 50) -> str:
    """The first ``limit`` errors, one a line, for a failing test's message."""
    shown = [error.describe() for error in report.errors[:limit]]
    if len(report.errors) > limit:
        shown.append(f"... and {len(report.errors) - limit} more")
    return "\n".join(shown)
