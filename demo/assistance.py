"""The civil-affairs assistance roll: who receives which kind of assistance.

Most people on the roll are registry residents (same ID number), so the hub
can join assistance to population; the rest are people the registry does
not hold.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from demo import corruptions
from demo.addresses import HOUSEHOLD_REGIONS, UNKNOWN_COMMUNITY_NAMES, AddressBook, Place
from demo.dates import EXPORT_DAY, other_date_spelling, random_day, unparseable_date
from demo.dirt import DirtClass, DirtKind, DirtLedger, DirtPlan
from demo.people import BirthYears, Person, PersonMaker
from demo.pools import Resident

SOURCE = "assistance"
FILE = "civil_affairs/assistance_roll.xlsx"
SHEET = "花名册"
HEADERS = (
    "姓名",
    "身份证号",
    "性别",
    "出生日期",
    "救助类别",
    "残疾等级",
    "所属社区",
    "联系电话",
    "登记日期",
)
CATEGORIES = ("高龄补贴", "独居老人", "残疾人两项补贴", "最低生活保障", "特困供养")

FIXABLE, UNFIXABLE, DUPLICATE = DirtClass.FIXABLE, DirtClass.UNFIXABLE, DirtClass.DUPLICATE
ID_LOWER_X = DirtKind("id_lower_x", FIXABLE, "身份证号", 0.01, "check character X written as x")
ID_SPACES = DirtKind("id_spaces", FIXABLE, "身份证号", 0.01, "blanks inside the ID")
ID_FULLWIDTH = DirtKind("id_fullwidth", FIXABLE, "身份证号", 0.01, "full-width digits in the ID")
PHONE_FORMAT = DirtKind(
    "phone_format", FIXABLE, "联系电话", 0.02, "+86/0086, dashes, blanks or full-width digits"
)
DATE_FORMAT = DirtKind(
    "date_format", FIXABLE, "出生日期", 0.03, "birth date typed as text: 1950/3/7, 1950年3月7日…"
)
ID_CHECK_DIGIT = DirtKind(
    "id_check_digit", UNFIXABLE, "身份证号", 0.01, "check character does not match"
)
ID_EXCEL_FLOAT = DirtKind(
    "id_excel_float",
    UNFIXABLE,
    "身份证号",
    0.02,
    "ID stored as a number cell; Excel kept 15 significant digits (shows 4.40305E+17)",
)
COMMUNITY_UNKNOWN = DirtKind(
    "community_unknown", UNFIXABLE, "所属社区", 0.01, "community name not in the district"
)
DATE_UNPARSEABLE = DirtKind(
    "date_unparseable", UNFIXABLE, "出生日期", 0.01, "birth date such as 2023-13-45 or 未知"
)
DUPLICATED_ROW = DirtKind("duplicate", DUPLICATE, "身份证号", 0.015, "a row copied twice")
KINDS = (
    ID_LOWER_X, ID_SPACES, ID_FULLWIDTH, PHONE_FORMAT, DATE_FORMAT,
    ID_CHECK_DIGIT, ID_EXCEL_FLOAT, COMMUNITY_UNKNOWN, DATE_UNPARSEABLE, DUPLICATED_ROW,
)  # fmt: skip

_LINKED_SHARE = 0.8
_ELDERLY_BIRTHS = BirthYears([(year, 1) for year in range(1930, 1967)])
_ADULT_BIRTHS = BirthYears([(year, 1) for year in range(1940, 2006)])
_FIRST_REGISTRATION = dt.date(2015, 1, 1)
_GRADES = ("一级", "二级", "三级", "四级")
_GRADE_WEIGHTS = (15, 25, 30, 30)


class AssistanceRow(NamedTuple):
    name: str
    id_number: str | float  # a float when Excel has damaged it
    sex: str
    birth: dt.date | str  # text when typed by hand
    category: str
    disability: str
    community: str
    phone: str
    registered: dt.date


@dataclass(frozen=True)
class _Entry:
    person: Person
    place: Place
    category: str


def _category(rng: random.Random, age: int) -> str:
    if age >= 80:
        return rng.choices(CATEGORIES, weights=(70, 20, 5, 0, 5))[0]
    if age >= 60:
        return rng.choices(CATEGORIES, weights=(0, 45, 20, 20, 15))[0]
    return rng.choices(CATEGORIES, weights=(0, 0, 50, 40, 10))[0]


def draw_plan(rng: random.Random, rows: int) -> DirtPlan:
    return DirtPlan.draw(rng, rows, KINDS, earliest={DUPLICATED_ROW.name: 1})


def _entries(
    rng: random.Random, rows: int, pool: list[Resident], maker: PersonMaker, addresses: AddressBook
) -> list[_Entry]:
    """Who is on the roll: mostly registry residents; some of the very old twice."""
    linked = rng.sample(pool, min(len(pool), round(rows * _LINKED_SHARE)))
    entries: list[_Entry] = []
    for resident in linked:
        category = _category(rng, resident.person.age_on(EXPORT_DAY))
        entries.append(_Entry(resident.person, resident.place, category))
        if category == "高龄补贴" and rng.random() < 0.3:
            entries.append(_Entry(resident.person, resident.place, "独居老人"))
    del entries[rows:]
    while len(entries) < rows:
        person = _outsider(rng, maker)
        category = _category(rng, person.age_on(EXPORT_DAY))
        entries.append(_Entry(person, addresses.place(), category))
    rng.shuffle(entries)
    return entries


def _outsider(rng: random.Random, maker: PersonMaker, *, check: str | None = None) -> Person:
    """Someone the registry does not hold (registered before the district was formed)."""
    births = _ELDERLY_BIRTHS if rng.random() < 0.6 else _ADULT_BIRTHS
    return maker.make(HOUSEHOLD_REGIONS, births, check=check)


def assistance_rows(
    rows: int,
    *,
    rng: random.Random,
    plan: DirtPlan,
    maker: PersonMaker,
    addresses: AddressBook,
    pool: list[Resident],
    ledger: DirtLedger,
) -> Iterator[AssistanceRow]:
    entries = iter(_entries(rng, rows, pool, maker, addresses))
    recent: list[AssistanceRow] = []
    for index in range(rows):
        line = index + 1
        kind = plan.kind_at(index)
        if kind is DUPLICATED_ROW:
            if recent:
                ledger.record(SOURCE, FILE, line, "", kind)
                yield rng.choice(recent)
                continue
            kind = None
        entry = next(entries)
        person, place, category = entry.person, entry.place, entry.category
        # Some dirt needs a person whose ID can show it.
        if kind is ID_LOWER_X and not person.id_number.endswith("X"):
            person = _outsider(rng, maker, check="X")
            category = _category(rng, person.age_on(EXPORT_DAY))
        while kind is ID_EXCEL_FLOAT and not corruptions.excel_float_stays_invalid(
            person.id_number
        ):
            person = _outsider(rng, maker)
            category = _category(rng, person.age_on(EXPORT_DAY))
        disability = ""
        if category == "残疾人两项补贴" or rng.random() < 0.05:
            disability = rng.choices(_GRADES, weights=_GRADE_WEIGHTS)[0]
        registered = random_day(rng, max(_FIRST_REGISTRATION, person.birth), EXPORT_DAY)
        row = AssistanceRow(
            person.name,
            person.id_number,
            person.sex,
            person.birth,
            category,
            disability,
            place.community.name,
            person.phone,
            registered,
        )
        if kind is None:
            recent.append(row)
            if len(recent) > 50:
                recent.pop(0)
        else:
            row = _soil(rng, row, kind, person)
            ledger.record(SOURCE, FILE, line, "", kind)
        yield row


def _soil(rng: random.Random, row: AssistanceRow, kind: DirtKind, person: Person) -> AssistanceRow:
    id_number = person.id_number
    if kind is ID_LOWER_X:
        return row._replace(id_number=corruptions.id_lower_x(id_number))
    if kind is ID_SPACES:
        return row._replace(id_number=corruptions.id_with_spaces(rng, id_number))
    if kind is ID_FULLWIDTH:
        return row._replace(id_number=corruptions.fullwidth(id_number))
    if kind is PHONE_FORMAT:
        return row._replace(phone=corruptions.phone_misformatted(rng, row.phone))
    if kind is DATE_FORMAT:
        return row._replace(birth=other_date_spelling(rng, person.birth))
    if kind is ID_CHECK_DIGIT:
        return row._replace(id_number=corruptions.id_wrong_check(id_number))
    if kind is ID_EXCEL_FLOAT:
        return row._replace(id_number=corruptions.excel_float(id_number))
    if kind is COMMUNITY_UNKNOWN:
        return row._replace(community=rng.choice(UNKNOWN_COMMUNITY_NAMES))
    if kind is DATE_UNPARSEABLE:
        return row._replace(birth=unparseable_date(rng))
    raise ValueError(f"no way to soil an assistance row with {kind.name}")
