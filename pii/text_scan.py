"""Finding and redacting personal data in free text (case descriptions, remarks).

Offsets are Python string indices (characters, not bytes). When two findings
overlap, the one with the higher score wins, then the longer one. The work is
done by ``pii.detector.Detector``; this module holds what callers do with its
findings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import pyarrow as pa

from pii.detector import DEFAULT_THRESHOLD, Detector, Finding, resolve_overlaps

__all__ = [
    "DEFAULT_THRESHOLD",
    "Finding",
    "RedactionResult",
    "default_detector",
    "find",
    "redact",
    "redact_column",
    "resolve_overlaps",
]


@dataclass(frozen=True)
class RedactionResult:
    """A redacted column and what was found in it.

    ``entity_counts`` counts findings (a row with two phones counts two);
    ``rows_with_pii`` counts rows with at least one finding.
    """

    redacted: pa.Array
    entity_counts: dict[str, int]
    rows_with_pii: int


@lru_cache(maxsize=1)
def default_detector() -> Detector:
    """The detector over the recognizers enabled in ``pii/recognizers.yaml`` (cached)."""
    return Detector()


def find(
    text: str, *, detector: Detector | None = None, context: Sequence[str] | None = None
) -> list[Finding]:
    """The personal data in ``text`` scoring at least the detector's threshold, in text order."""
    return (detector or default_detector()).find(text, context)


def redact(text: str, findings: Iterable[Finding]) -> str:
    """``text`` with each finding's span replaced by its entity name, as ``[CN_MOBILE]``."""
    pieces: list[str] = []
    position = 0
    for finding in resolve_overlaps(findings):
        if not 0 <= finding.start < finding.end <= len(text):
            raise ValueError(f"a {finding.entity} finding lies outside the text")
        pieces.append(text[position : finding.start])
        pieces.append(f"[{finding.entity}]")
        position = finding.end
    pieces.append(text[position:])
    return "".join(pieces)


def redact_column(
    texts: pa.Array | pa.ChunkedArray,
    *,
    detector: Detector | None = None,
    workers: int = 1,
) -> RedactionResult:
    """Redact every text of a string column; nulls stay null.

    ``workers`` above 1 spreads a large column over that many processes.
    """
    from pii.parallel import find_column

    detector = detector or default_detector()
    column = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    per_row = find_column(column, detector=detector, workers=workers)
    text_column = column.cast(pa.string())
    hit_rows = [row for row, findings in enumerate(per_row) if findings]
    if not hit_rows:
        return RedactionResult(redacted=text_column, entity_counts={}, rows_with_pii=0)

    values = text_column.to_pylist()
    counts: Counter[str] = Counter()
    for row in hit_rows:
        counts.update(finding.entity for finding in per_row[row])
        values[row] = redact(values[row], per_row[row])
    return RedactionResult(
        redacted=pa.array(values, type=pa.string()),
        entity_counts=dict(sorted(counts.items())),
        rows_with_pii=len(hit_rows),
    )
