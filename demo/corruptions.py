"""How real exports misspell identifiers: each function returns a damaged copy of a value.

Fixable spellings still mean the same identifier after normalisation;
unfixable ones no longer carry a valid identifier.
"""

from __future__ import annotations

import random

from identifiers import resident_id

_TO_FULLWIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789X"}


def fullwidth(value: str) -> str:
    """Digits (and X) as full-width characters, as typed with a Chinese IME."""
    return value.translate(_TO_FULLWIDTH)


def id_lower_x(id_number: str) -> str:
    """The check character X written as x (only changes IDs ending in X)."""
    return id_number[:-1] + id_number[-1].lower()


def id_with_spaces(rng: random.Random, id_number: str) -> str:
    """Region, birth date and sequence separated by blanks, or a stray blank."""
    if rng.random() < 0.5:
        return f"{id_number[:6]} {id_number[6:14]} {id_number[14:]}"
    cut = rng.randint(1, 17)
    blank = rng.choice((" ", "\u3000", "  "))
    return id_number[:cut] + blank + id_number[cut:]


def id_wrong_check(id_number: str) -> str:
    """The same first 17 digits with a check character that does not match."""
    right = resident_id.check_char(id_number[:17])
    wrong = "0" if right != "0" else "1"
    return id_number[:17] + wrong


def id_legacy_15(id_number: str) -> str:
    """The legacy 15-digit form (no century, no check character); 19xx births only."""
    if id_number[6:8] != "19":
        raise ValueError("only IDs of people born in the 1900s have a 15-digit form")
    return id_number[:6] + id_number[8:17]


def excel_float(id_number: str) -> float:
    """The number Excel keeps of an ID typed into a General cell: 15 significant digits."""
    return float(round(int(id_number), -3))


def excel_float_stays_invalid(id_number: str) -> bool:
    """True when no way of turning the damaged number back into text yields a valid ID."""
    if not id_number.isdigit():
        return False
    value = excel_float(id_number)
    spellings = (str(value), repr(value), str(int(value)), str(round(int(id_number), -3)))
    return not any(resident_id.is_valid(spelling) for spelling in spellings)


def digits_misformatted(rng: random.Random, value: str) -> str:
    """A number typed with full-width digits, or with a blank in it."""
    if rng.random() < 0.5:
        return fullwidth(value)
    cut = rng.randint(1, len(value) - 1)
    return value[:cut] + rng.choice((" ", "\u3000")) + value[cut:]


def phone_misformatted(rng: random.Random, phone: str) -> str:
    """A mobile with +86, dashes, blanks or full-width digits."""
    kind = rng.randrange(6)
    if kind == 0:
        return f"+86 {phone}"
    if kind == 1:
        return f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
    if kind == 2:
        return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    if kind == 3:
        return f"+86-{phone[:3]}-{phone[3:7]}-{phone[7:]}"
    if kind == 4:
        return f"0086{phone}"
    return fullwidth(phone)


def in_text_phone(rng: random.Random, phone: str) -> str:
    """A mobile the way a citizen writes it inside a message."""
    kind = rng.randrange(10)
    if kind < 5:
        return phone
    if kind < 7:
        return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    if kind < 9:
        return f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
    return fullwidth(phone)
