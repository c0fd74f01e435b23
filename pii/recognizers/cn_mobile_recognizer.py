"""Mainland mobile numbers in free text."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from identifiers import phone
from pii.recognizers.cn_pattern_recognizer import (
    COUNTRY_CODE,
    DIGIT,
    LEFT_EDGE,
    OPTIONAL_SEPARATOR,
    RIGHT_EDGE,
    CnPatternRecognizer,
    digits_with_separators,
)

_COUNTRY_PREFIX = f"(?:{COUNTRY_CODE}{OPTIONAL_SEPARATOR})?"


class CnMobileRecognizer(CnPatternRecognizer):
    """Find mobile numbers: 1[3-9] and nine more digits.

    Accepts a +86 or 0086 prefix, 3-4-4 grouping by spaces or dashes
    (138 1234 5678, 138-1234-5678) and full-width digits. The number must stand
    alone: eleven digits inside a longer number (an ID, a work-order number, a
    decimal amount) are not a phone. With no check digit a bare match scores
    0.6; a context word such as 电话 just before it raises that to 0.95.
    """

    ENTITY = "CN_MOBILE"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "mobile",
            f"{LEFT_EDGE}{_COUNTRY_PREFIX}[1１][3-9３-９]{DIGIT}{OPTIONAL_SEPARATOR}{DIGIT}{{4}}{OPTIONAL_SEPARATOR}{DIGIT}{{4}}"
            f"{RIGHT_EDGE}",
            0.6,
        ),
    ]
    CONTEXT: ClassVar[list[str]] = [
        "电话",
        "手机",
        "联系",
        "致电",
        "来电",
        "tel",
        "phone",
        "mobile",
    ]
    PRECHECK = digits_with_separators(11)

    def validate_result(self, pattern_text: str) -> bool | None:
        # The pattern already has the shape; this guards against the two drifting apart.
        return None if phone.is_mobile(pattern_text) else False
