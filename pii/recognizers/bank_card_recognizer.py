"""Bank card numbers (银行卡号) in free text."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from identifiers import bank_card
from pii.recognizers.cn_pattern_recognizer import (
    DIGIT,
    LEFT_EDGE,
    RIGHT_EDGE,
    CnPatternRecognizer,
    digits_with_separators,
)

# Between groups of four: a space, an ideographic or no-break space, or a dash.
_SEP = "[ \u3000\u00a0\\-－]"
# A grouped number is not one group of a longer grouped number either.
_GROUPED_LEFT = f"{LEFT_EDGE}(?<![0-9０-９][ \u3000\u00a0])"
_GROUPED_RIGHT = f"{RIGHT_EDGE}(?!{_SEP}[0-9０-９])"


def _card(prefix: str, prefix_length: int) -> str:
    """16-19 digits, written in one run or in groups of four, starting with ``prefix``."""
    first_group_rest = 4 - prefix_length
    run = f"{LEFT_EDGE}{prefix}{DIGIT}{{{16 - prefix_length},{19 - prefix_length}}}{RIGHT_EDGE}"
    grouped = (
        f"{_GROUPED_LEFT}{prefix}{DIGIT}{{{first_group_rest}}}(?:{_SEP}{DIGIT}{{4}}){{3}}"
        f"(?:{_SEP}{DIGIT}{{1,3}})?{_GROUPED_RIGHT}"
    )
    return f"(?:{run}|{grouped})"


# Issuer prefixes of the card networks: 62 UnionPay (银联); 4 Visa; 51-55 and 22-27
# Mastercard; 3 JCB, Diners, Amex; 60, 64, 65 Discover and others; 9 old domestic cards.
_UNIONPAY = "[6６][2２]"
_OTHER_ISSUER_1 = "[3-5３-５9９]"
_OTHER_ISSUER_2 = "(?:[6６][013-9０１３-９]|[2２][2-7２-７])"


class BankCardRecognizer(CnPatternRecognizer):
    """Find bank card numbers: 16 to 19 digits with a valid Luhn check digit.

    The number may be written in one run or in groups of four separated by
    spaces or dashes, in half- or full-width digits. A match is kept only when
    the Luhn check holds. Most cards issued in China are UnionPay cards
    starting 62, which score 0.6 alone; a Luhn-valid number with another
    card-network prefix (4 Visa, 5 Mastercard ...) scores 0.45, below the
    threshold, until a context word such as 银行卡 or 卡号 lifts it to 0.8.
    Numbers starting 0, 1, 7, 8, 20, 21, 28 or 29 (IDs, work-order numbers
    such as 2026...) are not card numbers.
    """

    ENTITY = "BANK_CARD"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("unionpay card", _card(_UNIONPAY, 2), 0.6),
        Pattern("other card", f"{_card(_OTHER_ISSUER_1, 1)}|{_card(_OTHER_ISSUER_2, 2)}", 0.45),
    ]
    CONTEXT: ClassVar[list[str]] = [
        "银行卡",
        "卡号",
        "工资卡",
        "账号",
        "银行账户",
        "储蓄卡",
        "信用卡",
        "借记卡",
        "card",
    ]
    # Sixteen digits at least, one separator at most between two.
    PRECHECK = digits_with_separators(16)

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if bank_card.is_card_number(pattern_text) else False
