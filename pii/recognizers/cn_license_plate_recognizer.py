"""Mainland vehicle licence plates (机动车号牌) in free text."""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import Pattern

from identifiers.text import to_halfwidth
from pii.recognizers.cn_pattern_recognizer import DIGIT, RIGHT_EDGE, CnPatternRecognizer

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Plates leave out I and O; half- or full-width (Presidio matches case-insensitively).
_LETTER = "[A-HJ-NP-ZＡ-ＨＪ-ＮＰ-Ｚ]"
_CHAR = "[A-HJ-NP-Z0-9Ａ-ＨＪ-ＮＰ-Ｚ０-９]"
_NEW_ENERGY = "[DFＤＦ]"
# What people put after the issuing office's letter: a middle dot, a bullet, a space, a dash.
_SEPARATOR = "[·•・ \u3000\\-－]?"
_HEAD = f"[{PROVINCES}]{_LETTER}{_SEPARATOR}"

_SEPARATORS = re.compile("[·•・ \\-]")


class CnLicensePlateRecognizer(CnPatternRecognizer):
    """Find licence plates: province abbreviation, office letter, then the serial.

    Ordinary plates have a five-character serial of digits and letters (no I
    or O), whose last character may be 挂, 学, 警, 港 or 澳 (粤B·12345,
    京A 8K9Z2, 粤B1234学); new-energy plates have six: D or F, a letter or
    digit and four digits for small cars (粤BD12345, 粤BFA1234), or five digits
    and D or F for large vehicles (粤B12345D). An ordinary serial needs two
    digits at least, so English words after a province character (新GALAXY)
    are no plate. Lower case and full-width forms are accepted. The shape is
    distinctive: a match scores 0.7, raised by a context word such as 车牌.
    """

    ENTITY = "CN_LICENSE_PLATE"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("licence plate", f"{_HEAD}{_CHAR}{{4}}(?:{_CHAR}|[挂学警港澳]){RIGHT_EDGE}", 0.7),
        Pattern(
            "new-energy licence plate",
            f"{_HEAD}(?:{_NEW_ENERGY}{_CHAR}{DIGIT}{{4}}|{DIGIT}{{5}}{_NEW_ENERGY}){RIGHT_EDGE}",
            0.7,
        ),
    ]
    CONTEXT: ClassVar[list[str]] = ["车牌", "车牌号", "牌照", "号牌", "车辆", "车号"]
    # Every plate opens with a province abbreviation and a letter.
    PRECHECK = f"[{PROVINCES}][A-Za-zＡ-Ｚａ-ｚ]"

    def validate_result(self, pattern_text: str) -> bool | None:
        serial = _SEPARATORS.sub("", to_halfwidth(pattern_text))[2:]
        return None if sum(char.isdigit() for char in serial) >= 2 else False
