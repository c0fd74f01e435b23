"""Mainland fixed-line (landline) numbers in free text."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from presidio_analyzer import Pattern

from identifiers import phone
from identifiers.text import strip_separators, to_halfwidth
from pii.recognizers.cn_pattern_recognizer import (
    COUNTRY_CODE,
    DIGIT,
    LEFT_EDGE,
    OPTIONAL_SEPARATOR,
    RIGHT_EDGE,
    CnPatternRecognizer,
    digits_with_separators,
)

# Area code without its trunk 0: 10 (Beijing), 20-29, or three digits 3xx-9xx.
_AREA = "(?:[1１][0０]|[2２][0-9０-９]|[3-9３-９][0-9０-９]{2})"
_WITH_AREA = (
    f"(?:{COUNTRY_CODE}{OPTIONAL_SEPARATOR}{_AREA}"  # +86 10 ..., 0086-755-...
    f"|[0０]{_AREA}"  # 010..., 0755...
    f"|[(（][0０]{_AREA}[)）])"  # (010), （0755）
)
# The local number: 7 or 8 digits, never starting 0 or 1, grouped 3-4 or 4-4 if at all.
_LOCAL = f"[2-9２-９]{DIGIT}{{2,3}}{OPTIONAL_SEPARATOR}{DIGIT}{{4}}"
_EXTENSION = f"(?:(?:[转轉]|分机|[\\-－]|ext\\.?){DIGIT}{{1,5}})?"
# A bare local number must not be one group of a longer grouped number
# (138 8888 6666, (010)8888 6666, 4111 1111 1111 1111).
_BARE_LEFT = f"{LEFT_EDGE}(?<![0-9０-９][ \u3000\u00a0)）])"
_BARE_RIGHT = f"{RIGHT_EDGE}(?![ \u3000\u00a0][0-9０-９])"

# Nationwide service numbers (400/800) are companies' hotlines, not a person's phone.
_SERVICE_AREAS = ("0400", "0800")


class CnLandlineRecognizer(CnPatternRecognizer):
    """Find fixed-line numbers: area code plus a 7-8 digit local number.

    The area code is written 010 / 0755, in brackets (010) / （0755）, or after
    +86 / 0086 without its 0 (+86 10 8888 6666, +86-755-8888-6666); spaces,
    dashes, full-width digits and an extension (转123, -123) are accepted. Such
    a number scores 0.6 and 0.95 with a context word before it. A bare local
    number (8888 6666) is a phone only when a context word says so: it scores
    0.2, which 电话 or 座机 lifts to 0.55; a bare number that reads as a date
    (20230501) is never reported. 400/800 service numbers, hotlines (12345,
    110) and mobiles (CN_MOBILE's) are left alone.
    """

    ENTITY = "CN_LANDLINE"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "landline with area code",
            f"{LEFT_EDGE}{_WITH_AREA}{OPTIONAL_SEPARATOR}{_LOCAL}{_EXTENSION}{RIGHT_EDGE}",
            0.6,
        ),
        Pattern(
            "local landline number",
            f"{_BARE_LEFT}{_LOCAL}{_EXTENSION}{_BARE_RIGHT}",
            0.2,
        ),
    ]
    CONTEXT: ClassVar[list[str]] = [
        "电话",
        "座机",
        "固话",
        "联系电话",
        "办公电话",
        "tel",
        "phone",
    ]
    # Every form holds a local number: at least 7 digits, one separator at most between two.
    PRECHECK = digits_with_separators(7)

    def validate_result(self, pattern_text: str) -> bool | None:
        text = to_halfwidth(pattern_text)
        if text[0] in "+(0":
            # +86 / 0086 / (0xx) / 0xx: the national form, with its trunk 0 put back.
            national = phone.normalise(text)
            national = national if national.startswith("0") else "0" + national
            return False if national.startswith(_SERVICE_AREAS) else None
        return False if _reads_as_date(strip_separators(text)) else None


def _reads_as_date(digits: str) -> bool:
    """True for eight digits that spell a date 19000101-20991231 (YYYYMMDD)."""
    if len(digits) != 8 or digits[:2] not in ("19", "20"):
        return False
    try:
        dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return True
