"""Unified social credit codes (统一社会信用代码) in free text."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from identifiers import credit_code, resident_id
from pii.recognizers.cn_pattern_recognizer import (
    DIGIT,
    LEFT_EDGE,
    RIGHT_EDGE,
    CnPatternRecognizer,
)

# The GB 32100 alphabet (no I, O, S, V, Z), half- and full-width; Presidio matches
# case-insensitively, so lower case is found too.
_CHAR = "[0-9A-HJ-NP-RTUW-Y０-９Ａ-ＨＪ-ＮＰ-ＲＴＵＷ-Ｙ]"

# Position 1 names the registering authority, position 2 the kind of entity it
# registered (GB 32100-2015, table 1): 9 工商 → 1 企业, 2 个体工商户, 3 农民专业合作社 ...
_CATEGORIES = {
    "1": "1239",
    "2": "19",
    "3": "123459",
    "4": "19",
    "5": "1239",
    "6": "129",
    "7": "129",
    "8": "19",
    "9": "123",
    "A": "19",
    "N": "1239",
    "Y": "1",
}
# Positions 3-8 are the registering office's region code; 10 is the central government.
_REGION_PREFIXES = resident_id.PROVINCE_CODES | {"10"}


class CnUsccRecognizer(CnPatternRecognizer):
    """Find unified social credit codes: 18 characters with a valid MOD 31 check.

    Lower case and full-width forms are accepted. A match is kept only when
    ``identifiers.credit_code.parse`` accepts it and its first eight characters
    have the structure GB 32100 gives them (authority, entity kind, region
    code); it then scores 1.0. A wrong check character, or an 18-digit
    work-order number that passes the check by chance, is not reported. An
    18-digit number that is a valid resident ID as well is left to
    CN_RESIDENT_ID: it keeps the pattern's low score, below the ID's 1.0.
    """

    ENTITY = "CN_USCC"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "unified social credit code",
            f"{LEFT_EDGE}[1-9ANYＡＮＹ１-９]{DIGIT}{DIGIT}{{6}}{_CHAR}{{10}}{RIGHT_EDGE}",
            0.4,
        ),
    ]
    CONTEXT: ClassVar[list[str]] = [
        "信用代码",
        "社会信用代码",
        "统一社会信用代码",
        "营业执照",
        "执照号",
        "注册号",
        "uscc",
    ]
    # Every match holds the authority's category and region code: seven digits in a row.
    PRECHECK = f"{DIGIT}{{7}}[0-9A-Za-z０-９Ａ-Ｚａ-ｚ]{{10}}"

    def validate_result(self, pattern_text: str) -> bool | None:
        try:
            value = credit_code.parse(pattern_text)
        except credit_code.CreditCodeError:
            return False
        if value[1] not in _CATEGORIES.get(value[0], "") or value[2:4] not in _REGION_PREFIXES:
            return False
        if resident_id.is_valid(value):
            return None
        return True
