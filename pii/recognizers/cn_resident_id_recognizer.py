"""Resident identity numbers (公民身份号码) in free text."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from identifiers import resident_id
from pii.recognizers.cn_pattern_recognizer import (
    DIGIT,
    LEFT_EDGE,
    OPTIONAL_SEPARATOR,
    RIGHT_EDGE,
    CnPatternRecognizer,
    digits_with_separators,
)

_CHECK = "[0-9０-９XxＸｘ]"


class CnResidentIdRecognizer(CnPatternRecognizer):
    """Find resident IDs: 18 characters with a valid MOD 11-2 check, or the legacy 15 digits.

    Separators are accepted where people put them: 440305 19900307 1236 and
    440305 1990 0307 1236. An 18-character match is kept only when
    ``identifiers.resident_id.parse`` accepts it (province, real birth date,
    check character) and then scores 1.0. A 15-digit number has no check
    character, so a plausible one scores low and is reported only when a
    context word such as 身份证 stands just before it.
    """

    ENTITY = "CN_RESIDENT_ID"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "resident id (18)",
            f"{LEFT_EDGE}{DIGIT}{{6}}{OPTIONAL_SEPARATOR}{DIGIT}{{4}}{OPTIONAL_SEPARATOR}{DIGIT}{{4}}{OPTIONAL_SEPARATOR}{DIGIT}{{3}}{_CHECK}"
            f"{RIGHT_EDGE}",
            0.5,
        ),
        Pattern(
            "legacy resident id (15)",
            f"{LEFT_EDGE}{DIGIT}{{6}}{OPTIONAL_SEPARATOR}{DIGIT}{{6}}{OPTIONAL_SEPARATOR}{DIGIT}{{3}}{RIGHT_EDGE}",
            0.3,
        ),
    ]
    CONTEXT: ClassVar[list[str]] = ["身份证", "身份证号", "证件号", "身份号码"]
    PRECHECK = digits_with_separators(15)

    def validate_result(self, pattern_text: str) -> bool | None:
        try:
            resident_id.parse(pattern_text)
        except resident_id.ResidentIdError:
            return False
        if len(resident_id.normalise(pattern_text)) == 18:
            return True
        # Legacy form: region and birth date are plausible, but with no check
        # character the pattern's low score stands until context supports it.
        return None
