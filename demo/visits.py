"""The street offices' own home-visit records (走访记录): one Excel workbook per street.

Community workers visit elderly and disabled residents on the civil-affairs
rolls, and others for policy outreach or mediation, and keep each visit as a
row of their street's workbook. Most disabled residents were visited lately,
some only long ago, some never: the proactive-service list of disabled
residents with no visit in 90 days is built from these.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from catalog.district import District, Street
from demo import corruptions
from demo.addresses import UNKNOWN_COMMUNITY_NAMES
from demo.assistance import AssistanceRow
from demo.dates import EXPORT_DAY, other_date_spelling, random_day, unparseable_date
from demo.dirt import DirtClass, DirtKind, DirtLedger, DirtPlan
from demo.names import NameMaker
from demo.pools import Resident
from identifiers import resident_id

SOURCE = "visits"
FOLDER = "street_offices/visits"
SHEET = "走访记录"
HEADERS = ("走访编号", "走访对象", "身份证号", "走访日期", "所属社区", "走访事由", "走访人")
PURPOSES = ("独居老人探访", "残疾人关爱", "高龄慰问", "困难帮扶", "政策宣传", "矛盾调解")
# How workers also write a purpose (the contract lists them as aliases).
PURPOSE_SPELLINGS = {
    "独居老人探访": ("探访独居老人", "空巢老人走访"),
    "残疾人关爱": ("走访残疾人", "助残走访"),
    "高龄慰问": ("慰问高龄老人",),
    "困难帮扶": ("困难群众帮扶",),
    "政策宣传": ("政策宣讲",),
    "矛盾调解": ("纠纷调解", "调解矛盾纠纷"),
}
# Street prefixes of the visit numbers, in the order of the district's streets.
_PREFIXES = ("DH", "XL", "NQ", "ST", "SU", "SV")
_FIRST_VISIT = dt.date(2025, 12, 1)
RECENT_DAYS = 90

FIXABLE, UNFIXABLE, DUPLICATE = DirtClass.FIXABLE, DirtClass.UNFIXABLE, DirtClass.DUPLICATE
ID_FULLWIDTH = DirtKind("id_fullwidth", FIXABLE, "身份证号", 0.01, "full-width digits in the ID")
ID_SPACES = DirtKind("id_spaces", FIXABLE, "身份证号", 0.01, "blanks inside the ID")
DATE_TEXT = DirtKind(
    "date_text", FIXABLE, "走访日期", 0.05, "visit date typed as text: 2026/11/3, 2026年11月3日…"
)
PURPOSE_SPELLING = DirtKind(
    "purpose_spelling", FIXABLE, "走访事由", 0.05, "purpose in other words (走访残疾人…)"
)
ID_CHECK_DIGIT = DirtKind(
    "id_check_digit", UNFIXABLE, "身份证号", 0.01, "check character does not match"
)
ID_MISSING = DirtKind("id_missing", UNFIXABLE, "身份证号", 0.01, "ID left empty")
COMMUNITY_UNKNOWN = DirtKind(
    "community_unknown", UNFIXABLE, "所属社区", 0.01, "community name not in the district"
)
DATE_UNPARSEABLE = DirtKind(
    "date_unparseable", UNFIXABLE, "走访日期", 0.01, "visit date such as 待核实 or 2023-13-45"
)
DUPLICATED_ROW = DirtKind("duplicate", DUPLICATE, "走访编号", 0.01, "a row pasted twice")
KINDS = (
    ID_FULLWIDTH, ID_SPACES, DATE_TEXT, PURPOSE_SPELLING,
    ID_CHECK_DIGIT, ID_MISSING, COMMUNITY_UNKNOWN, DATE_UNPARSEABLE, DUPLICATED_ROW,
)  # fmt: skip


class VisitRow(NamedTuple):
    visit_no: str
    name: str
    id_number: str | None
    visited: dt.date | str  # text when typed by hand
    community: str
    purpose: str
    visitor: str


@dataclass(frozen=True)
class Target:
    """Someone a street office visits, as it knows them."""

    name: str
    id_number: str  # canonical
    community_name: str
    street_code: str
    purpose: str


def workbook(street: Street) -> str:
    return f"{FOLDER}/{street.name}走访记录.xlsx"


def targets(
    roll: Sequence[AssistanceRow], others: Sequence[Resident], district: District
) -> list[Target]:
    """Who is visited: residents on the civil-affairs roll (by what they receive) whose
    ID and community the roll gives correctly, and other residents for outreach."""
    by_name = district.community_by_name
    out: list[Target] = []
    seen: set[tuple[str, str]] = set()
    for row in roll:
        if not isinstance(row.id_number, str) or row.community not in by_name:
            continue
        if not resident_id.is_valid(row.id_number):
            continue
        purpose = {
            "残疾人两项补贴": "残疾人关爱",
            "独居老人": "独居老人探访",
            "高龄补贴": "高龄慰问",
        }.get(row.category, "困难帮扶")
        number = resident_id.parse(row.id_number).value
        if (number, purpose) in seen:
            continue
        seen.add((number, purpose))
        street, _ = by_name[row.community]
        out.append(Target(row.name, number, row.community, street.code, purpose))
    for resident in others:
        purpose = "政策宣传" if len(out) % 3 else "矛盾调解"
        out.append(
            Target(
                resident.person.name,
                resident.person.id_number,
                resident.place.community.name,
                resident.place.street.code,
                purpose,
            )
        )
    return out


def draw_plan(rng: random.Random, rows: int) -> DirtPlan:
    return DirtPlan.draw(rng, rows, KINDS, earliest={DUPLICATED_ROW.name: 1})


def _visit_days(rng: random.Random, target: Target) -> list[dt.date]:
    """When a target was visited: disabled residents mostly lately, some long ago, some
    never; others once or twice in the year."""
    recent_start = EXPORT_DAY - dt.timedelta(days=RECENT_DAYS - 1)
    long_ago_end = recent_start - dt.timedelta(days=1)
    if target.purpose in ("残疾人关爱", "独居老人探访"):
        draw = rng.random()
        if draw < 0.2:
            return []
        if draw < 0.45:
            return [random_day(rng, _FIRST_VISIT, long_ago_end)]
        return sorted(
            random_day(rng, _FIRST_VISIT if i else recent_start, EXPORT_DAY)
            for i in range(rng.choice((1, 2, 3)))
        )
    return [random_day(rng, _FIRST_VISIT, EXPORT_DAY) for _ in range(rng.choice((1, 1, 2)))]


class VisitNumbers:
    """Visit numbers as a street office writes them: prefix, day, and the day's serial.

    The serial counts within one street's day (it counted within the street, and a street
    with more than 9,999 visits wrote five digits, which its own contract refuses)."""

    def __init__(self) -> None:
        self._serial: dict[tuple[str, dt.date], int] = {}

    def next(self, prefix: str, street_code: str, day: dt.date) -> str:
        serial = self._serial.get((street_code, day), 0) + 1
        self._serial[(street_code, day)] = serial
        return f"{prefix}-{day:%Y%m%d}-{serial:04d}"


def visit_rows(
    rows: int,
    *,
    rng: random.Random,
    plan: DirtPlan,
    targets: Sequence[Target],
    district: District,
    ledger: DirtLedger,
) -> dict[str, list[VisitRow]]:
    """``rows`` visits spread over the streets' workbooks: {workbook path: rows}."""
    names = NameMaker(rng)
    streets = {s.code: s for s in district.streets}
    visitors = {code: [names.name(rng.random() < 0.4) for _ in range(4)] for code in streets}
    visits: list[tuple[dt.date, Target]] = []
    # Residents on the rolls first (the offices' duty), then outreach.
    cared = [t for t in targets if t.purpose not in ("政策宣传", "矛盾调解")]
    outreach = [t for t in targets if t.purpose in ("政策宣传", "矛盾调解")]
    rng.shuffle(cared)
    rng.shuffle(outreach)
    pool = cared + outreach
    for target in pool:
        visits += [(day, target) for day in _visit_days(rng, target)]
        if len(visits) >= rows:
            break
    while len(visits) < rows and pool:  # a small roll: more outreach visits
        target = rng.choice(pool)
        visits.append((random_day(rng, _FIRST_VISIT, EXPORT_DAY), target))
    del visits[rows:]
    visits.sort(key=lambda v: (v[1].street_code, v[0]))
    books: dict[str, list[VisitRow]] = {workbook(s): [] for s in district.streets}
    numbers = VisitNumbers()
    recent: list[tuple[str, VisitRow]] = []
    for index, (day, target) in enumerate(visits):
        kind = plan.kind_at(index)
        if kind is DUPLICATED_ROW and recent:
            path, copied = rng.choice(recent)
            books[path].append(copied)
            ledger.record(SOURCE, path, len(books[path]), copied.visit_no, kind)
            continue
        if kind is DUPLICATED_ROW:
            kind = None
        street = streets[target.street_code]
        prefix = _PREFIXES[district.streets.index(street) % len(_PREFIXES)]
        row = VisitRow(
            numbers.next(prefix, street.code, day),
            target.name,
            target.id_number,
            day,
            target.community_name,
            target.purpose,
            rng.choice(visitors[street.code]),
        )
        path = workbook(street)
        if kind is not None:
            row = _soil(rng, row, kind, day)
        books[path].append(row)
        if kind is not None:
            ledger.record(SOURCE, path, len(books[path]), row.visit_no, kind)
        else:
            recent.append((path, row))
            if len(recent) > 50:
                recent.pop(0)
    return books


def _soil(rng: random.Random, row: VisitRow, kind: DirtKind, day: dt.date) -> VisitRow:
    number = row.id_number or ""
    if kind is ID_FULLWIDTH:
        return row._replace(id_number=corruptions.fullwidth(number))
    if kind is ID_SPACES:
        return row._replace(id_number=corruptions.id_with_spaces(rng, number))
    if kind is DATE_TEXT:
        return row._replace(visited=other_date_spelling(rng, day))
    if kind is PURPOSE_SPELLING:
        return row._replace(purpose=rng.choice(PURPOSE_SPELLINGS[row.purpose]))
    if kind is ID_CHECK_DIGIT:
        return row._replace(id_number=corruptions.id_wrong_check(number))
    if kind is ID_MISSING:
        return row._replace(id_number=None)
    if kind is COMMUNITY_UNKNOWN:
        return row._replace(community=rng.choice(UNKNOWN_COMMUNITY_NAMES))
    if kind is DATE_UNPARSEABLE:
        return row._replace(visited=unparseable_date(rng))
    raise ValueError(f"no way to soil a visit row with {kind.name}")
