"""The Presidio analyzer for Chinese government text, built offline.

Presidio's default engine downloads a spaCy model. We use the no-op NLP engine
instead: every recognizer we load is a self-contained pattern recognizer that
reads context from the raw characters (see ``CnPatternRecognizer``), and a
blank Chinese spaCy pipeline would only split text into single characters,
which no context word can match. A later recognizer that needs words (PERSON
with jieba) segments the text itself.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NoOpNlpEngine

from pii.entities import ENTITIES
from pii.registry import LANGUAGE, load_registry

# Every entity a recognizer in pii.recognizers can report (the contract lives in pii.entities).
__all__ = ["ENTITIES", "build_analyzer"]


@lru_cache(maxsize=4)
def build_analyzer(recognizers_yaml: Path | None = None) -> AnalyzerEngine:
    """The analyzer for language ``zh`` with the recognizers enabled in the YAML (cached)."""
    nlp_engine = NoOpNlpEngine(models=[{"lang_code": LANGUAGE, "model_name": "none"}])
    return AnalyzerEngine(
        registry=load_registry(recognizers_yaml),
        nlp_engine=nlp_engine,
        supported_languages=[LANGUAGE],
    )
