"""Chinese passport numbers (护照号码) in free text."""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import Pattern

from identifiers.text import to_halfwidth
from pii.recognizers.cn_pattern_recognizer import DIGIT, LEFT_EDGE, RIGHT_EDGE, CnPatternRecognizer

# A letter other than I and O, half- or full-width (Presidio matches case-insensitively).
_LETTER = "[A-HJ-NP-ZＡ-ＨＪ-ＮＰ-Ｚ]"
_SHAPE = re.compile(r"^(?:E\d{8}|E[A-HJ-NP-Z]\d{7}|G\d{8}|[DSP]\d{7,8})$")


class CnPassportRecognizer(CnPatternRecognizer):
    """Find passport numbers of the People's Republic of China.

    Ordinary electronic passports are E + 8 digits (E12345678) or, since the
    E-digit series ran out, E + a letter other than I/O + 7 digits
    (EA1234567); legacy ordinary passports are G + 8 digits; official, service
    and diplomatic passports are D, S or P + 7-8 digits. Lower case and
    full-width forms are accepted. E + 8 digits is distinctive enough to score
    0.5 alone; every other form scores 0.45 and is reported only when a context
    word such as 护照 stands before it, which lifts E + 8 digits to 0.85 and the
    others to 0.8. The number must stand alone: case numbers such as
    GD2026110100012 and E with nine or more digits are not passports.
    """

    ENTITY = "CN_PASSPORT"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("e-passport", f"{LEFT_EDGE}[EＥ]{DIGIT}{{8}}{RIGHT_EDGE}", 0.5),
        Pattern(
            "e-passport with letter", f"{LEFT_EDGE}[EＥ]{_LETTER}{DIGIT}{{7}}{RIGHT_EDGE}", 0.45
        ),
        Pattern("legacy passport", f"{LEFT_EDGE}[GＧ]{DIGIT}{{8}}{RIGHT_EDGE}", 0.45),
        Pattern("official passport", f"{LEFT_EDGE}[DSPＤＳＰ]{DIGIT}{{7,8}}{RIGHT_EDGE}", 0.45),
    ]
    CONTEXT: ClassVar[list[str]] = ["护照", "护照号", "passport"]
    # Every form is a letter, a letter or digit, then at least six digits.
    PRECHECK = f"[DEGPSdegpsＤＥＧＰＳｄｅｇｐｓ][0-9A-Za-z０-９Ａ-Ｚａ-ｚ]{DIGIT}{{6}}"

    def validate_result(self, pattern_text: str) -> bool | None:
        # The patterns have the shape; this guards against them drifting apart.
        return None if _SHAPE.match(to_halfwidth(pattern_text).upper()) else False
