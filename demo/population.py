"""The public-security population registry: one row per registration, with counted dirt.

Registered residents (户籍) come household by household (``demo.households``):
the members share a household number (户号), an address and a grid cell, and
each carries its relation to the household head (与户主关系). Floating
residents (流动) are registered one by one, without a household number.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from demo import corruptions
from demo.addresses import (
    FLOATING_REGIONS,
    HOUSEHOLD_REGIONS,
    UNKNOWN_COMMUNITY_CODES,
    AddressBook,
    Place,
)
from demo.dates import (
    EXPORT_DAY,
    iso_date,
    iso_datetime,
    other_date_spelling,
    random_day,
    random_moment,
    unparseable_date,
)
from demo.dirt import DirtClass, DirtKind, DirtLedger, DirtPlan
from demo.households import (
    OTHER_SPELLINGS,
    HouseholdNumbers,
    Member,
    draw_household,
    household_start_share,
)
from demo.people import FLOATING_BIRTHS, PersonMaker
from demo.pools import HOUSEHOLD_SHARE, ResidentPools

SOURCE = "population"
FILE = "public_security/population.sqlite"

FIXABLE, UNFIXABLE, CONFLICT = DirtClass.FIXABLE, DirtClass.UNFIXABLE, DirtClass.CONFLICT
ID_LOWER_X = DirtKind("id_lower_x", FIXABLE, "id_number", 0.01, "check character X written as x")
ID_SPACES = DirtKind("id_spaces", FIXABLE, "id_number", 0.01, "blanks inside the ID")
ID_FULLWIDTH = DirtKind("id_fullwidth", FIXABLE, "id_number", 0.01, "full-width digits in the ID")
PHONE_FORMAT = DirtKind(
    "phone_format", FIXABLE, "phone", 0.02, "+86/0086 prefix, dashes, blanks or full-width digits"
)
SEX_CODE = DirtKind("sex_code", FIXABLE, "sex", 0.02, "legacy sex code 1 (男) or 2 (女)")
DATE_FORMAT = DirtKind(
    "date_format", FIXABLE, "birth_date", 0.10, "birth date as 1985/3/7, 1985年3月7日 or 19850307"
)
ID_CHECK_DIGIT = DirtKind(
    "id_check_digit", UNFIXABLE, "id_number", 0.01, "check character does not match"
)
ID_MISSING = DirtKind("id_missing", UNFIXABLE, "id_number", 0.01, "ID number is NULL")
COMMUNITY_UNKNOWN = DirtKind(
    "community_code_unknown", UNFIXABLE, "community_code", 0.01, "community code not in district"
)
DATE_UNPARSEABLE = DirtKind(
    "date_unparseable", UNFIXABLE, "birth_date", 0.01, "birth date such as 2023-13-45 or 未知"
)
SAME_PERSON_AGAIN = DirtKind(
    "id_conflict",
    CONFLICT,
    "id_number",
    0.015,
    "a second row for a person already registered, the ID in 15-digit legacy form or with x",
)
HOUSEHOLD_NO_FORMAT = DirtKind(
    "household_no_format",
    FIXABLE,
    "household_no",
    0.01,
    "household number with blanks or full-width digits",
)
RELATION_SPELLING = DirtKind(
    "relation_spelling",
    FIXABLE,
    "relation",
    0.03,
    "relation to the head as a synonym (本人, 妻, 长子, 父亲…) or a GB/T 4761 code",
)
HOUSEHOLD_NO_ZERO_LOST = DirtKind(
    "household_no_zero_lost",
    UNFIXABLE,
    "household_no",
    0.005,
    "household number kept in a numeric cell: its leading zero is gone (8 digits)",
)
RELATION_UNKNOWN = DirtKind(
    "relation_unknown", UNFIXABLE, "relation", 0.005, "relation to the head such as 待核实 or ?"
)
KINDS = (
    ID_LOWER_X, ID_SPACES, ID_FULLWIDTH, PHONE_FORMAT, SEX_CODE, DATE_FORMAT,
    ID_CHECK_DIGIT, ID_MISSING, COMMUNITY_UNKNOWN, DATE_UNPARSEABLE, SAME_PERSON_AGAIN,
    HOUSEHOLD_NO_FORMAT, RELATION_SPELLING, HOUSEHOLD_NO_ZERO_LOST, RELATION_UNKNOWN,
)  # fmt: skip
# Dirt only a household member's row can show; planned on a floating row, it waits
# for the next clean household row.
HOUSEHOLD_KINDS = (HOUSEHOLD_NO_FORMAT, RELATION_SPELLING, HOUSEHOLD_NO_ZERO_LOST, RELATION_UNKNOWN)
_UNKNOWN_RELATIONS = ("待核实", "?", "不详")
# Children have no phone of their own in the registry.
_OWN_PHONE_AGE = 14

COLUMNS = (
    "person_id", "name", "id_number", "sex", "birth_date", "phone", "reg_type",
    "household_no", "relation",
    "street_code", "community_code", "grid_code", "address", "move_in_date", "updated_at",
)  # fmt: skip


class PopulationRow(NamedTuple):
    person_id: int
    name: str
    id_number: str | None
    sex: str
    birth_date: str
    phone: str | None
    reg_type: str
    household_no: str | None
    relation: str | None
    street_code: str
    community_code: str
    grid_code: str
    address: str
    move_in_date: str
    updated_at: str


_EARLIEST_MOVE_IN = dt.date(1980, 1, 1)
_EARLIEST_FLOATING_MOVE_IN = dt.date(2012, 1, 1)
_EARLIEST_UPDATE = dt.date(2021, 1, 1)
_RECENT_ORIGINALS = 200  # how far back a repeated registration may look


def draw_plan(rng: random.Random, rows: int) -> DirtPlan:
    return DirtPlan.draw(rng, rows, KINDS, earliest={SAME_PERSON_AGAIN.name: min(20, rows // 4)})


@dataclass
class _Household:
    """The household whose members are being written: what they share."""

    number: str
    place: Place
    local: str
    grid: str
    moved_in: dt.date
    surname: str
    members: list[Member]


def population_rows(
    rows: int,
    *,
    rng: random.Random,
    plan: DirtPlan,
    maker: PersonMaker,
    addresses: AddressBook,
    pools: ResidentPools,
    ledger: DirtLedger,
) -> Iterator[PopulationRow]:
    """Rows in person_id order (1, 2, …); offers clean residents to ``pools``."""
    originals: list[PopulationRow] = []  # recent clean rows that have a second ID spelling
    numbers = HouseholdNumbers(rng)
    start_household = household_start_share(HOUSEHOLD_SHARE)
    household: _Household | None = None
    waiting: list[DirtKind] = []  # household dirt planned on floating rows
    for index in range(rows):
        person_id = index + 1
        kind = plan.kind_at(index)
        if kind is SAME_PERSON_AGAIN:
            if originals:
                original = originals.pop(rng.randrange(len(originals)))
                ledger.record(SOURCE, FILE, person_id, str(person_id), kind)
                yield _registered_again(rng, original, person_id)
                continue
            kind = None  # no original yet: write a clean row instead
        if household is None and rng.random() < start_household:
            household = _new_household(rng, numbers, maker, addresses)
        member = household.members.pop(0) if household else None
        if member is None:
            if kind in HOUSEHOLD_KINDS:
                waiting.append(kind)
                kind = None
        elif kind is None and waiting:
            kind = waiting.pop(0)
        check = "X" if kind is ID_LOWER_X else None
        if member is not None and household is not None:
            surname = household.surname if member.shares_head_surname else None
            person = maker.make_born(
                HOUSEHOLD_REGIONS, member.birth, member.male, check=check, surname=surname
            )
            place, local, grid = household.place, household.local, household.grid
            move_in = max(person.birth, household.moved_in)
            number: str | None = household.number
            relation: str | None = member.relation
            if not household.members:
                household = None
        else:
            person = maker.make(FLOATING_REGIONS, FLOATING_BIRTHS, check=check)
            place = addresses.place()
            local = addresses.local(place)
            grid = addresses.grid(place)
            # Floating adults come to work; children come with them.
            first = max(dt.date(person.birth.year + 16, 1, 1), _EARLIEST_FLOATING_MOVE_IN)
            if first > EXPORT_DAY:
                first = max(person.birth, _EARLIEST_FLOATING_MOVE_IN)
            move_in = random_day(rng, first, EXPORT_DAY)
            number = relation = None
        address = addresses.prefix(place) + local
        updated = random_moment(rng, max(move_in, _EARLIEST_UPDATE), EXPORT_DAY)
        id_number: str | None = person.id_number
        sex = person.sex
        birth_date = iso_date(person.birth)
        phone = person.phone if person.age_on(EXPORT_DAY) >= _OWN_PHONE_AGE else None
        community_code = place.community.code
        if kind is None:
            pools.offer(person, place, local)
        elif kind is ID_LOWER_X:
            id_number = corruptions.id_lower_x(person.id_number)
        elif kind is ID_SPACES:
            id_number = corruptions.id_with_spaces(rng, person.id_number)
        elif kind is ID_FULLWIDTH:
            id_number = corruptions.fullwidth(person.id_number)
        elif kind is PHONE_FORMAT:
            phone = corruptions.phone_misformatted(rng, person.phone)
        elif kind is SEX_CODE:
            sex = "1" if person.male else "2"
        elif kind is DATE_FORMAT:
            birth_date = other_date_spelling(rng, person.birth)
        elif kind is ID_CHECK_DIGIT:
            id_number = corruptions.id_wrong_check(person.id_number)
        elif kind is ID_MISSING:
            id_number = None
        elif kind is COMMUNITY_UNKNOWN:
            community_code = rng.choice(UNKNOWN_COMMUNITY_CODES)
            grid = f"{community_code}001"
        elif kind is DATE_UNPARSEABLE:
            birth_date = unparseable_date(rng)
        elif kind is HOUSEHOLD_NO_FORMAT and number is not None:
            number = corruptions.digits_misformatted(rng, number)
        elif kind is RELATION_SPELLING and relation is not None:
            relation = rng.choice(OTHER_SPELLINGS.get(relation, (relation,)))
        elif kind is HOUSEHOLD_NO_ZERO_LOST and number is not None:
            number = number.lstrip("0")
        elif kind is RELATION_UNKNOWN:
            relation = rng.choice(_UNKNOWN_RELATIONS)
        row = PopulationRow(
            person_id,
            person.name,
            id_number,
            sex,
            birth_date,
            phone,
            "户籍" if member is not None else "流动",
            number,
            relation,
            place.street.code,
            community_code,
            grid,
            address,
            iso_date(move_in),
            iso_datetime(updated),
        )
        if kind is not None:
            ledger.record(SOURCE, FILE, person_id, str(person_id), kind)
        elif person.id_number[6:8] == "19" or person.id_number[-1] == "X":
            originals.append(row)
            if len(originals) > _RECENT_ORIGINALS:
                originals.pop(0)
        yield row


def _new_household(
    rng: random.Random, numbers: HouseholdNumbers, maker: PersonMaker, addresses: AddressBook
) -> _Household:
    members = draw_household(rng)
    place = addresses.place()
    head = members[0]
    earliest = max(head.birth + dt.timedelta(days=365 * 18), _EARLIEST_MOVE_IN)
    moved_in = random_day(rng, min(earliest, EXPORT_DAY), EXPORT_DAY)
    station = place.street.code[-1:]
    return _Household(
        numbers.next(int(station)),
        place,
        addresses.local(place),
        addresses.grid(place),
        moved_in,
        maker.names.surname(),
        members,
    )


def _registered_again(rng: random.Random, original: PopulationRow, person_id: int) -> PopulationRow:
    """The same person registered a second time (e.g. by another police station)."""
    assert original.id_number is not None
    if original.id_number[-1] == "X" and (original.id_number[6:8] != "19" or rng.random() < 0.5):
        id_number = corruptions.id_lower_x(original.id_number)
    else:
        id_number = corruptions.id_legacy_15(original.id_number)
    updated = random_moment(rng, dt.date(2024, 1, 1), EXPORT_DAY)
    return original._replace(
        person_id=person_id, id_number=id_number, updated_at=iso_datetime(updated)
    )
