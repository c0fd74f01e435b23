"""Email addresses in Chinese free text."""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import Pattern

from identifiers.text import to_halfwidth
from pii.recognizers.cn_pattern_recognizer import CnPatternRecognizer

# ASCII only: a Chinese character touching the address is never part of it.
_LOCAL_CHAR = "[A-Za-z0-9_%+\\-]"
_LOCAL = f"{_LOCAL_CHAR}+(?:\\.{_LOCAL_CHAR}+)*"
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9\\-]{0,61}[A-Za-z0-9])?"
_TLD = "[A-Za-z]{2,24}"
# An address starts where a run of address characters starts: not after one of them,
# nor after a dot that follows one (a.b@x.cn is found once, from a).
_LEFT = "(?<![A-Za-z0-9_%+\\-])(?<![A-Za-z0-9_%+\\-]\\.)"

_ADDRESS = re.compile(
    rf"^{_LOCAL}@(?:{_LABEL}\.)+{_TLD}$",
    re.IGNORECASE,
)


class EmailRecognizer(CnPatternRecognizer):
    """Find email addresses, also where Chinese text touches them on both sides.

    联系邮箱zhangwei@163.com谢谢 yields zhangwei@163.com: the address is read
    in ASCII characters only, and a full-width ＠ counts as @. The domain needs
    at least one dot and ends in an alphabetic top-level domain of 2-24
    letters, so "@某人" mentions and "a@b" are left alone. A match scores 0.8;
    a context word such as 邮箱 raises it to 1.0.
    """

    ENTITY = "EMAIL_ADDRESS"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "email",
            f"{_LEFT}(?>{_LOCAL})[@＠](?:{_LABEL}\\.)+{_TLD}(?![A-Za-z0-9_\\-@＠])"
            f"(?!\\.[A-Za-z0-9])",
            0.8,
        ),
    ]
    # 联系 (联系方式, 联系邮箱) also lets an address such as 13812345678@139.com win over the
    # mobile number inside it, which the same word raises to 0.95.
    CONTEXT: ClassVar[list[str]] = ["邮箱", "邮件", "电邮", "联系", "email", "mail"]
    PRECHECK = "[@＠]"

    def validate_result(self, pattern_text: str) -> bool | None:
        # The pattern has the shape; this guards against the two drifting apart.
        return None if _ADDRESS.match(to_halfwidth(pattern_text)) else False
