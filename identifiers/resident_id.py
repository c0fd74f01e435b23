"""Resident identity numbers (公民身份号码, GB 11643-1999)."""

from __future__ import annotations

import datetime as dt
import operator
import re
from dataclasses import dataclass

from identifiers.text import strip_separators, to_halfwidth

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

# First two digits of the region code: the provinces and equivalents.
PROVINCE_CODES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
        "91",
    }
)

_EXCEL_FLOAT = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_SHAPE_18 = re.compile(r"^\d{17}[\dX]$")
_SHAPE_15 = re.compile(r"^\d{15}$")


class ResidentIdError(ValueError):
    """Why a value is not a valid resident ID; the message never repeats the value."""


def check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if len(first17) != len(WEIGHTS):
        raise ValueError("the check character needs exactly 17 digits")
    total = sum(map(operator.mul, map(int, first17), WEIGHTS))
    return CHECK_CHARS[total % 11]


def looks_like_excel_float(raw: str) -> bool:
    """True for values such as 1.10101E+17 that Excel made of a long number."""
    return bool(_EXCEL_FLOAT.match(raw.strip()))


def upgrade_15_to_18(id15: str) -> str:
    """Legacy 15-digit form → 18-digit form (century 19, new check character)."""
    first17 = id15[:6] + "19" + id15[6:]
    return first17 + check_char(first17)


@dataclass(frozen=True)
class ResidentId:
    """A validated resident ID in canonical 18-character form."""

    value: str

    @property
    def region_code(self) -> str:
        return self.value[:6]

    @property
    def birth_date(self) -> dt.date:
        return dt.date(int(self.value[6:10]), int(self.value[10:12]), int(self.value[12:14]))

    @property
    def sex(self) -> str:
        """男 or 女, from the parity of the 17th digit."""
        return "男" if int(self.value[16]) % 2 == 1 else "女"


def normalise(raw: str) -> str:
    """Canonical spelling: half-width, no separators, upper-case X."""
    return strip_separators(to_halfwidth(raw)).upper()


def parse(raw: str, *, today: dt.date | None = None) -> ResidentId:
    """Validate and canonicalise; raise ResidentIdError saying what is wrong."""
    if raw is None or not str(raw).strip():
        raise ResidentIdError("empty")
    text = str(raw)
    if looks_like_excel_float(to_halfwidth(text)):
        raise ResidentIdError("damaged by Excel (scientific notation lost digits)")
    value = normalise(text)
    if _SHAPE_15.match(value):
        value = upgrade_15_to_18(value)
    elif not _SHAPE_18.match(value):
        raise ResidentIdError(f"wrong shape ({len(value)} characters, expected 18 or 15 digits)")
    if value[:2] not in PROVINCE_CODES:
        raise ResidentIdError("unknown province code")
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ResidentIdError("birth date is not a real date") from None
    if born.year < 1880 or born > (today or dt.date.today()):
        raise ResidentIdError("birth date out of range")
    if check_char(value[:17]) != value[17]:
        raise ResidentIdError("check character does not match (MOD 11-2)")
    return ResidentId(value)


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except ResidentIdError:
        return False
    return True


def make(region: str, birth: dt.date, sequence: int) -> str:
    """Build a valid 18-character ID (used by the demo generator and tests)."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
