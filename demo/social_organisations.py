"""The civil-affairs register of social organisations (社会组织): a small database table.

Social organisations (community associations, social-work centres, foundations)
register with civil affairs under a unified social credit code whose first
character is 5 (registered by civil affairs) and second the kind: 1 社会团体,
2 民办非企业单位, 3 基金会. The register names a legal representative and a phone.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import NamedTuple

from demo import corruptions
from demo.addresses import UNKNOWN_COMMUNITY_NAMES, AddressBook, Place
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
from demo.people import ADULT_BIRTHS, PersonMaker
from identifiers import credit_code

SOURCE = "social_organisations"
FILE = "civil_affairs/social_organisations.sqlite"
TABLE = "social_organisations"
COLUMNS = (
    "org_id", "credit_code", "name", "org_type", "legal_rep", "legal_rep_phone", "address",
    "community", "registered_on", "status", "updated_at",
)  # fmt: skip

# Kind: (the credit code's second character, weight, name endings).
KINDS_OF_ORGANISATION: dict[str, tuple[str, int, tuple[str, ...]]] = {
    "社会团体": (
        "1",
        50,
        ("老年人协会", "志愿者协会", "文体协会", "商会", "书画协会", "舞蹈队联合会"),
    ),
    "民办非企业单位": (
        "2",
        42,
        ("社会工作服务中心", "养老服务中心", "幼儿园", "培训学校", "康复中心"),
    ),
    "基金会": ("3", 8, ("慈善基金会", "教育基金会")),
}
STATUSES = ("正常", "注销", "撤销")
_STATUS_WEIGHTS = (85, 10, 5)
_FIRST_REGISTRATION = dt.date(2005, 1, 1)
_WORDS = ("阳光", "和谐", "爱心", "同心", "夕阳红", "春晖", "邻里", "益民", "乐龄", "启航")

FIXABLE, UNFIXABLE, CONFLICT = DirtClass.FIXABLE, DirtClass.UNFIXABLE, DirtClass.CONFLICT
CODE_SPELLING = DirtKind(
    "credit_code_spelling", FIXABLE, "credit_code", 0.02, "credit code in lower case or with blanks"
)
PHONE_FORMAT = DirtKind(
    "phone_format", FIXABLE, "legal_rep_phone", 0.02, "+86/0086, dashes, blanks or full-width"
)
DATE_FORMAT = DirtKind(
    "date_format", FIXABLE, "registered_on", 0.05, "registration date as 2019/3/1, 2019年3月1日…"
)
CODE_CHECK_CHAR = DirtKind(
    "credit_code_check_char", UNFIXABLE, "credit_code", 0.02, "check character does not match"
)
COMMUNITY_UNKNOWN = DirtKind(
    "community_unknown", UNFIXABLE, "community", 0.01, "community name not in the district"
)
DATE_UNPARSEABLE = DirtKind(
    "date_unparseable", UNFIXABLE, "registered_on", 0.01, "registration date such as 未知"
)
REGISTERED_AGAIN = DirtKind(
    "credit_code_conflict",
    CONFLICT,
    "credit_code",
    0.02,
    "the same organisation entered again under a new org_id (same credit code)",
)
KINDS = (
    CODE_SPELLING, PHONE_FORMAT, DATE_FORMAT,
    CODE_CHECK_CHAR, COMMUNITY_UNKNOWN, DATE_UNPARSEABLE, REGISTERED_AGAIN,
)  # fmt: skip


class OrganisationRow(NamedTuple):
    org_id: int
    credit_code: str
    name: str
    org_type: str
    legal_rep: str
    legal_rep_phone: str
    address: str
    community: str
    registered_on: str
    status: str
    updated_at: str


def draw_plan(rng: random.Random, rows: int) -> DirtPlan:
    return DirtPlan.draw(rng, rows, KINDS, earliest={REGISTERED_AGAIN.name: min(5, rows // 4)})


def _code(rng: random.Random, kind_digit: str, used: set[str]) -> str:
    while True:
        body = "".join(rng.choice(credit_code.ALPHABET) for _ in range(7))
        code = credit_code.make(f"5{kind_digit}440305MJ{body}")
        if code not in used:
            used.add(code)
            return code


def _name(rng: random.Random, place: Place, ending: str, district: str) -> str:
    if rng.random() < 0.5:
        return f"{district}{place.street.name}{place.community.name}{ending}"
    return f"{district}{rng.choice(_WORDS)}{ending}"


def organisation_rows(
    rows: int,
    *,
    rng: random.Random,
    plan: DirtPlan,
    maker: PersonMaker,
    addresses: AddressBook,
    ledger: DirtLedger,
) -> Iterator[OrganisationRow]:
    """Rows in org_id order (1, 2, …)."""
    used: set[str] = set()
    recent: list[OrganisationRow] = []
    kinds = list(KINDS_OF_ORGANISATION)
    weights = [KINDS_OF_ORGANISATION[k][1] for k in kinds]
    district = addresses.district.district.name
    for index in range(rows):
        org_id = index + 1
        kind = plan.kind_at(index)
        if kind is REGISTERED_AGAIN:
            if recent:
                original = recent.pop(rng.randrange(len(recent)))
                updated = random_moment(rng, dt.date(2025, 1, 1), EXPORT_DAY)
                ledger.record(SOURCE, FILE, org_id, str(org_id), kind)
                yield original._replace(org_id=org_id, updated_at=iso_datetime(updated))
                continue
            kind = None
        org_type = rng.choices(kinds, weights=weights)[0]
        digit, _, endings = KINDS_OF_ORGANISATION[org_type]
        place = addresses.place()
        person = maker.make(("440305",), ADULT_BIRTHS)
        registered = random_day(rng, _FIRST_REGISTRATION, EXPORT_DAY)
        updated = random_moment(rng, max(registered, dt.date(2021, 1, 1)), EXPORT_DAY)
        row = OrganisationRow(
            org_id,
            _code(rng, digit, used),
            _name(rng, place, rng.choice(endings), district),
            org_type,
            person.name,
            person.phone,
            addresses.shop(place).replace("铺", "室"),
            place.community.name,
            iso_date(registered),
            rng.choices(STATUSES, weights=_STATUS_WEIGHTS)[0],
            iso_datetime(updated),
        )
        if kind is None:
            recent.append(row)
            if len(recent) > 50:
                recent.pop(0)
        else:
            row = _soil(rng, row, kind, registered)
            ledger.record(SOURCE, FILE, org_id, str(org_id), kind)
        yield row


def _soil(
    rng: random.Random, row: OrganisationRow, kind: DirtKind, registered: dt.date
) -> OrganisationRow:
    if kind is CODE_SPELLING:
        code = row.credit_code
        spelled = code.lower() if rng.random() < 0.5 else f"{code[:8]} {code[8:]}"
        return row._replace(credit_code=spelled)
    if kind is PHONE_FORMAT:
        return row._replace(
            legal_rep_phone=corruptions.phone_misformatted(rng, row.legal_rep_phone)
        )
    if kind is DATE_FORMAT:
        return row._replace(registered_on=other_date_spelling(rng, registered))
    if kind is CODE_CHECK_CHAR:
        code = row.credit_code
        wrong = next(c for c in credit_code.ALPHABET if c != code[-1])
        return row._replace(credit_code=code[:-1] + wrong)
    if kind is COMMUNITY_UNKNOWN:
        return row._replace(community=rng.choice(UNKNOWN_COMMUNITY_NAMES))
    if kind is DATE_UNPARSEABLE:
        return row._replace(registered_on=unparseable_date(rng))
    raise ValueError(f"no way to soil an organisation row with {kind.name}")
