"""Common ground for pattern recognizers that read Chinese text.

Presidio's own context enhancer compares context words with spaCy lemmas; a
blank Chinese pipeline (or the no-op engine we use) has no word tokens, so a
context word such as 身份证 never matches. This base class looks for context
words in the raw characters just before a match instead, and in the context
words a caller passes (a column header, say).

Each subclass also declares ``PRECHECK``: a cheap regular expression that every
text holding a match must contain. Scanners use it to skip Presidio for texts
that cannot match; it is written in the syntax shared by Python's ``re`` and
RE2 (no lookarounds, no ``\\u`` escapes) so Arrow can evaluate it column-wise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import regex
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.pattern_recognizer import REGEX_TIMEOUT_SECONDS

if TYPE_CHECKING:
    from presidio_analyzer.nlp_engine import NlpArtifacts

# Character classes that treat full-width forms like their ASCII twins.
DIGIT = "[0-9０-９]"
# What people type between digit groups: space, ideographic space, no-break space, dashes.
GROUP_SEPARATOR = "[ \u3000\u00a0\\-－]"
# At most one separator between two digit groups.
OPTIONAL_SEPARATOR = f"{GROUP_SEPARATOR}?"
# China's country calling code as people write it: +86, ＋86 or 0086.
COUNTRY_CODE = "(?:[+＋]|[0０]{2})[8８][6６]"

_ALNUM = "0-9A-Za-z０-９Ａ-Ｚａ-ｚ"
# `\b` is meaningless beside Chinese characters, so a number's edges are spelled out:
# no letter or digit may touch it, and it may not be one part of a dotted or dashed
# longer number (a decimal amount, a work-order number such as 2026-13812345678).
LEFT_EDGE = f"(?<![{_ALNUM}])(?<![0-9０-９][.．\\-－])"
RIGHT_EDGE = f"(?![{_ALNUM}])(?![.．\\-－][0-9０-９])"


def digits_with_separators(count: int) -> str:
    """A run of ``count`` digits with at most one separator between any two of them."""
    return f"{DIGIT}(?:{OPTIONAL_SEPARATOR}{DIGIT}){{{count - 1}}}"


class CnPatternRecognizer(PatternRecognizer):
    """A pattern recognizer for Chinese text with character-window context."""

    ENTITY: ClassVar[str]
    PATTERNS: ClassVar[list[Pattern]]
    CONTEXT: ClassVar[list[str]]
    PRECHECK: ClassVar[str | None] = None
    # How many characters before a match are searched for context words.
    CONTEXT_WINDOW: ClassVar[int] = 12
    # Added to a match's score when a context word supports it (Presidio's default factor).
    CONTEXT_BOOST: ClassVar[float] = 0.35

    # Set by Presidio's constructors; declared so type checkers know them.
    name: str
    patterns: list[Pattern]

    def __init__(
        self,
        patterns: list[Pattern] | None = None,
        context: list[str] | None = None,
        supported_language: str = "zh",
        supported_entity: str | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(
            supported_entity=supported_entity or self.ENTITY,
            # Patterns are compiled and cached on the Pattern object: copy the class data.
            patterns=patterns or [Pattern(p.name, p.regex, p.score) for p in self.PATTERNS],
            context=context or list(self.CONTEXT),
            supported_language=supported_language,
            name=name or type(self).__name__,
        )
        # Each context word with its lower case, for the look-up on every match.
        self._lowered_context = [(word, word.lower()) for word in self.context]

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """What ``PatternRecognizer.analyze`` returns, with less work per call.

        The same steps in the same order (each pattern's matches, validation,
        invalidation, then Presidio's duplicate removal), without the clock
        reads and debug logging Presidio does around every pattern, and without
        the duplicate removal when there is one result or none, which it would
        return unchanged. Detection calls this for most texts, so this is where
        per-call costs add up; a test holds it equal to Presidio's.
        """
        flags: int = regex_flags or self.global_regex_flags or 0
        results: list[RecognizerResult] = []
        for pattern in self.patterns:
            compiled = pattern.compiled_regex
            if not compiled or pattern.compiled_with_flags != flags:
                compiled = regex.compile(pattern.regex, flags=flags)
                pattern.compiled_with_flags = flags  # type: ignore[assignment]
                pattern.compiled_regex = compiled
            for match in compiled.finditer(text, timeout=REGEX_TIMEOUT_SECONDS):
                start, end = match.span()
                if start == end:
                    continue
                result = self._pattern_result(text[start:end], start, end, pattern, flags)
                if result is not None:
                    results.append(result)
        return EntityRecognizer.remove_duplicates(results) if len(results) > 1 else results

    def _pattern_result(
        self, matched: str, start: int, end: int, pattern: Pattern, flags: int
    ) -> RecognizerResult | None:
        """One match as Presidio's pattern recognizer scores it; None when it drops it."""
        validation = self.validate_result(matched)
        explanation = self.build_regex_explanation(
            self.name,
            pattern.name,
            pattern.regex,
            pattern.score,
            validation,  # type: ignore[arg-type]  # Presidio passes None too
            flags,
        )
        result = RecognizerResult(
            entity_type=self.supported_entities[0],
            start=start,
            end=end,
            score=pattern.score,
            analysis_explanation=explanation,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )
        if validation is not None:
            result.score = EntityRecognizer.MAX_SCORE if validation else EntityRecognizer.MIN_SCORE
        if self.invalidate_result(matched):
            result.score = EntityRecognizer.MIN_SCORE
        explanation.score = result.score
        return result if result.score > EntityRecognizer.MIN_SCORE else None

    def enhance_using_context(
        self,
        text: str,
        raw_recognizer_results: list[RecognizerResult],
        other_raw_recognizer_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts | None,
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        for result in raw_recognizer_results:
            if result.score >= EntityRecognizer.MAX_SCORE:
                continue
            window = text[max(0, result.start - self.CONTEXT_WINDOW) : result.start]
            word = self.supporting_context_word(window, context or [])
            if not word:
                continue
            result.score = min(EntityRecognizer.MAX_SCORE, result.score + self.CONTEXT_BOOST)
            # Tells Presidio's own enhancer not to boost this result a second time.
            result.recognition_metadata[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
            if result.analysis_explanation is not None:
                result.analysis_explanation.set_supportive_context_word(word)
                result.analysis_explanation.set_improved_score(result.score)
        return raw_recognizer_results

    def supporting_context_word(self, window: str, extra_context: list[str]) -> str:
        """The first context word found in the window or in a caller's context words."""
        window = window.lower()
        if not extra_context:  # the common case, kept to one substring test per word
            for word, needle in self._lowered_context:
                if needle in window:
                    return word
            return ""
        haystacks = [window, *(word.lower() for word in extra_context)]
        for word, needle in self._lowered_context:
            if any(needle in haystack for haystack in haystacks):
                return word
        return ""
