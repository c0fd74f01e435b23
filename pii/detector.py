"""The fast way to run Presidio's recognizers over many texts.

``AnalyzerEngine.analyze`` runs every recognizer over every text. Most texts
can hold only one or two of our entities, and each recognizer declares a
``PRECHECK``: a cheap expression every text holding a match contains. The
detector evaluates those prechecks first (column-wise in Arrow's RE2 for a
whole column) and calls only the recognizers that can match. For a given text
it calls them exactly as the analyzer would — ``analyze``, then each
recognizer's own ``enhance_using_context``, the score threshold, Presidio's
duplicate removal — so its findings equal the analyzer's (a test holds it to
that). Large columns are split across processes (see ``pii.parallel``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NoOpNlpEngine

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
class _Gated:
    recognizer: EntityRecognizer
    precheck: re.Pattern[str] | None


class Detector:
    """Findings of the analyzer's recognizers, skipping those that cannot match."""

    def __init__(
        self, analyzer: AnalyzerEngine | None = None, *, threshold: float = DEFAULT_THRESHOLD
    ) -> None:
        self.analyzer = analyzer or build_analyzer()
        self.threshold = threshold
        self._gated = [
            _Gated(recognizer, _compile(getattr(recognizer, "PRECHECK", None)))
            for recognizer in self.analyzer.registry.get_recognizers(
                language=LANGUAGE, all_fields=True
            )
        ]
        self.entities = sorted({e for g in self._gated for e in g.recognizer.supported_entities})
        # The no-op NLP engine's artifacts do not depend on the text: make them once.
        self._static_artifacts = (
            self.analyzer.nlp_engine.process_text("", LANGUAGE)
            if isinstance(self.analyzer.nlp_engine, NoOpNlpEngine)
            else None
        )

    def find(self, text: str, context: Sequence[str] | None = None) -> list[Finding]:
        """The findings in ``text`` scoring at least the threshold, in text order."""
        candidates = [
            g.recognizer for g in self._gated if g.precheck is None or g.precheck.search(text)
        ]
        return self._run(text, candidates, list(context or []))

    def find_column(
        self, texts: pa.Array | pa.ChunkedArray, context: Sequence[str] | None = None
    ) -> list[list[Finding]]:
        """Findings per row of a string column (an empty list for null rows)."""
        column = _as_string_array(texts)
        masks = [self._candidate_mask(column, g) for g in self._gated]
        values = column.to_pylist()
        out: list[list[Finding]] = [[] for _ in values]
        if not self._gated:
            return out
        any_mask = masks[0]
        for mask in masks[1:]:
            any_mask = pc.or_(any_mask, mask)
        rows: list[int] = pc.indices_nonzero(any_mask).to_pylist()
        allowed = [mask.to_pylist() for mask in masks]
        extra = list(context or [])
        for row in rows:
            candidates = [
                g.recognizer for g, ok in zip(self._gated, allowed, strict=True) if ok[row]
            ]
            out[row] = self._run(values[row], candidates, extra)
        return out

    def _candidate_mask(self, column: pa.Array, gated: _Gated) -> pa.Array:
        if gated.precheck is None:
            return pc.is_valid(column)
        return pc.fill_null(pc.match_substring_regex(column, gated.precheck.pattern), False)

    def _run(
        self, text: str, recognizers: list[EntityRecognizer], context: list[str]
    ) -> list[Finding]:
        if not recognizers or not text:
            return []
        artifacts = self._static_artifacts or self.analyzer.nlp_engine.process_text(text, LANGUAGE)
        raw: dict[int, list[RecognizerResult]] = {}
        for index, recognizer in enumerate(recognizers):
            results = recognizer.analyze(text=text, entities=self.entities, nlp_artifacts=artifacts)
            if results:
                raw[index] = results
        if not raw:
            return []
        enhanced: list[RecognizerResult] = []
        for index, results in raw.items():
            others = [r for i, rs in raw.items() if i != index for r in rs]
            enhanced.extend(
                recognizers[index].enhance_using_context(
                    text=text,
                    raw_recognizer_results=results,
                    other_raw_recognizer_results=others,
                    nlp_artifacts=artifacts,
                    context=context,
                )
            )
        kept = [r for r in enhanced if r.score >= self.threshold]
        return resolve_overlaps(
            Finding(entity=r.entity_type, start=r.start, end=r.end, score=r.score)
            for r in _remove_duplicates(kept)
        )


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Drop findings that overlap a better one (higher score, then longer); text order."""
    ranked = sorted(findings, key=lambda f: (-f.score, -(f.end - f.start), f.start))
    kept: list[Finding] = []
    for finding in ranked:
        if all(finding.end <= other.start or finding.start >= other.end for other in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: (f.start, f.end))


def _remove_duplicates(results: list[RecognizerResult]) -> list[RecognizerResult]:
    """``EntityRecognizer.remove_duplicates`` as far as ``resolve_overlaps`` can tell.

    Presidio only removes a result contained in another of the same entity, and
    zero scores. With one result per entity (most texts: a name, a phone, an
    address) only the zero scores go; what is left is handed on in entity order,
    the order Presidio's sort gives results that tie on score and span, so that
    ``resolve_overlaps`` keeps the same one of them.
    """
    if len({r.entity_type for r in results}) < len(results):
        return EntityRecognizer.remove_duplicates(results)
    return sorted((r for r in results if r.score != 0), key=lambda r: r.entity_type)


def analyzer_findings(
    text: str,
    analyzer: AnalyzerEngine,
    threshold: float = DEFAULT_THRESHOLD,
    context: Sequence[str] | None = None,
) -> list[Finding]:
    """The same findings through plain ``AnalyzerEngine.analyze`` (the reference)."""
    results = analyzer.analyze(
        text=text, language=LANGUAGE, score_threshold=threshold, context=list(context or [])
    )
    return resolve_overlaps(
        Finding(entity=r.entity_type, start=r.start, end=r.end, score=r.score) for r in results
    )


def _compile(precheck: str | None) -> re.Pattern[str] | None:
    return re.compile(precheck) if precheck else None


def _as_string_array(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks() if texts.num_chunks else pa.array([], pa.string())
    if not _is_text_type(texts.type):
        raise TypeError(f"a string column is needed, not {texts.type}")
    return texts.cast(pa.string())


def _is_text_type(arrow_type: pa.DataType) -> bool:
    if pa.types.is_dictionary(arrow_type):
        return _is_text_type(arrow_type.value_type)
    return (
        pa.types.is_string(arrow_type)
        or pa.types.is_large_string(arrow_type)
        or pa.types.is_string_view(arrow_type)
        or pa.types.is_null(arrow_type)
    )
