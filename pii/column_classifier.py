"""Which personal data each column of a table holds, judged from a sample of its values.

The header is passed to the recognizers as a context word, so it can lift a
weak match (a bare name under 姓名, a 15-digit ID under 身份证号) but never
makes a finding on its own: a column named 备注 full of phones is CN_MOBILE,
a column named 身份证号 full of case numbers is nothing.

Per column and entity:

- ``share``: the part of the sampled non-empty values holding that entity;
- the column's *kind*: ``value`` when findings cover most of each value (an ID
  column), ``text`` when they sit inside longer text (remarks, descriptions);
- ``score`` (confidence that the column holds the entity): the mean finding
  score, weighted by the share until the share reaches ``FULL_SHARE``: one
  value in ten holding a phone proves a column holds phones, whether it is an
  ID-like column or remarks. The share itself is reported beside it.

The column's entity is the one with the highest confidence, reported when it
reaches ``MIN_CONFIDENCE`` in at least ``MIN_MATCHED`` values; otherwise it is
null and ``score`` is the confidence that none of the entities is present.
Cost grows with the sample (``pii.table_sample``), not with the table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from statistics import median

import pyarrow as pa
import pyarrow.compute as pc

from pii.detector import Detector, Finding

MIN_CONFIDENCE = 0.3
MIN_MATCHED = 2
FULL_SHARE = 0.1
# Findings covering at least this part of a value's characters make it a value column.
VALUE_COVERAGE = 0.6


@dataclass(frozen=True)
class ColumnClassification:
    column: str
    entity: str | None
    score: float
    kind: str  # "value", "text" or "empty"
    sampled: int
    matched: int
    # Every entity seen in the column, with its confidence (a description holds several),
    # the number of values holding each, and those that pass the thresholds, best first.
    entities: dict[str, float] = field(default_factory=dict)
    matches: dict[str, int] = field(default_factory=dict)
    reported: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "entity": self.entity,
            "score": round(self.score, 3),
            "kind": self.kind,
            "sampled": self.sampled,
            "matched": self.matched,
            "entities": {
                e: {
                    "score": round(s, 3),
                    "matched": self.matches[e],
                    "reported": e in self.reported,
                }
                for e, s in self.entities.items()
            },
        }


def classify_table(
    table: pa.Table, *, detector: Detector | None = None
) -> dict[str, ColumnClassification]:
    """Every column of ``table`` classified (string columns; others are cast to text)."""
    from pii.table_sample import as_text_columns
    from pii.text_scan import default_detector

    detector = detector or default_detector()
    text_table = as_text_columns(table)
    return {
        name: classify_column(name, text_table.column(name), detector=detector)
        for name in text_table.column_names
    }


def classify_column(
    name: str, values: pa.Array | pa.ChunkedArray, *, detector: Detector
) -> ColumnClassification:
    """One column's entity and confidence from its (already sampled) values."""
    column = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    column = pc.utf8_trim_whitespace(column.cast(pa.string()))
    column = column.filter(pc.greater(pc.utf8_length(column), 0))
    sampled = len(column)
    if sampled == 0:
        return ColumnClassification(name, None, 1.0, "empty", 0, 0)

    per_row = detector.find_column(column, context=[name])
    lengths = pc.utf8_length(column).to_pylist()
    matched: dict[str, int] = defaultdict(int)
    scores: dict[str, list[float]] = defaultdict(list)
    coverage: dict[str, list[float]] = defaultdict(list)
    for findings, length in zip(per_row, lengths, strict=True):
        for entity, found in _by_entity(findings).items():
            matched[entity] += 1
            scores[entity].append(max(f.score for f in found))
            coverage[entity].append(sum(f.end - f.start for f in found) / length)

    confidences: dict[str, float] = {}
    kinds: dict[str, str] = {}
    for entity, count in matched.items():
        share = count / sampled
        mean_score = sum(scores[entity]) / len(scores[entity])
        kinds[entity] = "value" if median(coverage[entity]) >= VALUE_COVERAGE else "text"
        confidences[entity] = mean_score * min(1.0, share / FULL_SHARE)

    ranked = sorted(confidences.items(), key=lambda item: (-item[1], item[0]))
    enough = min(MIN_MATCHED, sampled)
    reported = {e: c for e, c in ranked if c >= MIN_CONFIDENCE and matched[e] >= enough}
    seen = dict(ranked)
    counts = {e: matched[e] for e in seen}
    if not reported:
        best = ranked[0][1] if ranked else 0.0
        kind = "text" if _mostly_text(lengths) else "value"
        return ColumnClassification(name, None, 1.0 - best, kind, sampled, 0, seen, counts)
    entity = next(iter(reported))
    return ColumnClassification(
        name,
        entity,
        confidences[entity],
        kinds[entity],
        sampled,
        matched[entity],
        seen,
        counts,
        tuple(reported),
    )


def _by_entity(findings: list[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[finding.entity].append(finding)
    return grouped


def _mostly_text(lengths: list[int]) -> bool:
    return median(lengths) > 30
