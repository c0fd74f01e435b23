"""Finding and redacting personal data in free text (case descriptions, remarks).

Offsets are Python string indices (characters, not bytes). When two findings
overlap, the one with the higher score wins, then the longer one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from presidio_analyzer import AnalyzerEngine

from pii.analyzer import build_analyzer
from pii.registry import LANGUAGE

DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Finding:
    entity: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class RedactionResult:
    """A redacted column and what was found in it.

    ``entity_counts`` counts findings (a row with two phones counts two);
    ``rows_with_pii`` counts rows with at least one finding.
    """

    redacted: pa.Array
    entity_counts: dict[str, int]
    rows_with_pii: int


def find(
    text: str, *, analyzer: AnalyzerEngine | None = None, threshold: float = DEFAULT_THRESHOLD
) -> list[Finding]:
    """The personal data in ``text`` scoring at least ``threshold``, in text order."""
    analyzer = analyzer or build_analyzer()
    precheck = precheck_pattern(analyzer)
    if precheck is not None and not precheck.search(text):
        return []
    return _analyze(text, analyzer, threshold)


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
    analyzer: AnalyzerEngine | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> RedactionResult:
    """Redact every text of a string column; nulls stay null."""
    if not _is_text_type(texts.type):
        raise TypeError(f"redact_column needs a string column, not {texts.type}")
    analyzer = analyzer or build_analyzer()
    precheck = precheck_pattern(analyzer)
    chunks = texts.chunks if isinstance(texts, pa.ChunkedArray) else [texts]

    counts: Counter[str] = Counter()
    rows_with_pii = 0
    redacted_chunks: list[pa.Array] = []
    for chunk in chunks:
        chunk = chunk.cast(pa.string())
        candidates = _candidate_rows(chunk, precheck)
        if not candidates:
            redacted_chunks.append(chunk)
            continue
        values = chunk.to_pylist()
        for row in candidates:
            findings = _analyze(values[row], analyzer, threshold)
            if findings:
                rows_with_pii += 1
                counts.update(finding.entity for finding in findings)
                values[row] = redact(values[row], findings)
        redacted_chunks.append(pa.array(values, type=pa.string()))

    redacted = pa.concat_arrays(redacted_chunks) if redacted_chunks else pa.array([], pa.string())
    return RedactionResult(
        redacted=redacted, entity_counts=dict(sorted(counts.items())), rows_with_pii=rows_with_pii
    )


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Drop findings that overlap a better one (higher score, then longer); text order."""
    ranked = sorted(findings, key=lambda f: (-f.score, -(f.end - f.start), f.start))
    kept: list[Finding] = []
    for finding in ranked:
        if all(finding.end <= other.start or finding.start >= other.end for other in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: (f.start, f.end))


def precheck_pattern(analyzer: AnalyzerEngine) -> re.Pattern[str] | None:
    """A regex every text with a possible finding contains; None when any recognizer has none.

    Read from the analyzer each time rather than cached, so a recognizer added
    to its registry later can never be skipped by a stale precheck.
    """
    prechecks = []
    for recognizer in analyzer.registry.get_recognizers(language=LANGUAGE, all_fields=True):
        precheck = getattr(recognizer, "PRECHECK", None)
        if not precheck:
            return None
        prechecks.append(precheck)
    return re.compile("|".join(f"(?:{p})" for p in sorted(set(prechecks))))


def _analyze(text: str, analyzer: AnalyzerEngine, threshold: float) -> list[Finding]:
    results = analyzer.analyze(text=text, language=LANGUAGE, score_threshold=threshold)
    return resolve_overlaps(
        Finding(entity=r.entity_type, start=r.start, end=r.end, score=r.score) for r in results
    )


def _candidate_rows(chunk: pa.Array, precheck: re.Pattern[str] | None) -> list[int]:
    """Rows that may hold personal data: the precheck runs column-wise in Arrow (RE2)."""
    if precheck is None:
        mask = pc.is_valid(chunk)
    else:
        mask = pc.fill_null(pc.match_substring_regex(chunk, precheck.pattern), False)
    indices: list[int] = pc.indices_nonzero(mask).to_pylist()
    return indices


def _is_text_type(arrow_type: pa.DataType) -> bool:
    if pa.types.is_dictionary(arrow_type):
        return _is_text_type(arrow_type.value_type)
    return (
        pa.types.is_string(arrow_type)
        or pa.types.is_large_string(arrow_type)
        or pa.types.is_string_view(arrow_type)
        or pa.types.is_null(arrow_type)
    )
