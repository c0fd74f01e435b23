"""12345 hotline work orders over three months, routed to the monthly export each lands in.

Requests that came by WeChat, the mayor's mailbox, the grid app or Weibo are their own
channels now (``demo.case_channels``); the hotline takes calls, its website and its app.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import NamedTuple

from demo import corruptions
from demo.addresses import UNKNOWN_COMMUNITY_NAMES, AddressBook
from demo.case_texts import CaseWriter
from demo.dates import EXPORT_DAY, other_datetime_spelling, unparseable_date
from demo.dirt import DirtClass, DirtKind, DirtLedger, DirtPlan
from demo.incidents import Incident, draw_incident
from demo.people import PersonMaker
from demo.pools import Resident

SOURCE = "cases"

HEADERS = (
    "工单编号", "受理渠道", "受理时间", "诉求类别", "诉求内容", "事发地址", "所属社区", "反映人",
    "联系电话", "承办部门", "紧急程度", "办结时限", "转派次数", "办结时间", "满意度",
)  # fmt: skip
DESCRIPTION = "诉求内容"
RENAMED_DESCRIPTION = "问题描述"

FIXABLE, UNFIXABLE, DUPLICATE = DirtClass.FIXABLE, DirtClass.UNFIXABLE, DirtClass.DUPLICATE
PHONE_FORMAT = DirtKind(
    "phone_format", FIXABLE, "联系电话", 0.02, "+86/0086, dashes, blanks or full-width digits"
)
DATETIME_FORMAT = DirtKind(
    "datetime_format",
    FIXABLE,
    "受理时间",
    0.08,
    "received time as 2026/11/3 9:05, 2026年11月3日 09:05 or 20261103 090512",
)
COMMUNITY_UNKNOWN = DirtKind(
    "community_unknown", UNFIXABLE, "所属社区", 0.01, "community name not in the district"
)
RECEIVED_MISSING = DirtKind("received_missing", UNFIXABLE, "受理时间", 0.01, "received time empty")
DATETIME_UNPARSEABLE = DirtKind(
    "datetime_unparseable", UNFIXABLE, "受理时间", 0.01, "received time such as 2023-13-45 or 未知"
)
REPEATED_EXPORT = DirtKind(
    "duplicate", DUPLICATE, "工单编号", 0.02, "a case of last month's export exported again"
)
KINDS = (
    PHONE_FORMAT, DATETIME_FORMAT, COMMUNITY_UNKNOWN, RECEIVED_MISSING, DATETIME_UNPARSEABLE,
    REPEATED_EXPORT,
)  # fmt: skip


@dataclass(frozen=True)
class CaseExport:
    """One file in the drop folder."""

    file: str  # relative to the departments folder
    description_header: str = DESCRIPTION

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(self.description_header if h == DESCRIPTION else h for h in HEADERS)


DROP = "hotline_12345/drop"
SEPTEMBER = CaseExport(f"{DROP}/cases_2026-09.csv")
OCTOBER = CaseExport(f"{DROP}/cases_2026-10.csv", description_header=RENAMED_DESCRIPTION)
NOVEMBER = CaseExport(f"{DROP}/cases_2026-11.csv")
EXPORTS = (SEPTEMBER, OCTOBER, NOVEMBER)


@dataclass(frozen=True)
class _Month:
    first: dt.date
    last: dt.date
    share: float
    export: CaseExport


_MONTHS = (
    _Month(dt.date(2026, 9, 1), dt.date(2026, 9, 30), 0.30, SEPTEMBER),
    _Month(dt.date(2026, 10, 1), dt.date(2026, 10, 31), 0.34, OCTOBER),
    _Month(dt.date(2026, 11, 1), EXPORT_DAY, 0.36, NOVEMBER),
)
# Weights are cumulative (random.choices cum_weights): cheaper on a million rows.
CHANNELS = ("12345热线", "网站", "APP")
_CHANNEL_WEIGHTS = tuple(accumulate((80, 12, 8)))
_OFFICE_SECONDS = 14 * 3600  # requests are taken 08:00-22:00
_REPEAT_WINDOW = 300  # the tail of last month an overlapping export repeats


class CaseRecord(NamedTuple):
    case_no: str
    channel: str
    received: dt.datetime | str  # text when the export spelled it oddly or not at all
    category: str
    description: str
    location: str
    community: str
    reporter: str
    phone: str
    department: str
    urgency: str
    deadline: dt.date
    transfers: int
    closed: dt.datetime | None
    satisfaction: str


class HotlineRow(NamedTuple):
    """One row written to an export, with the incident it tells (None for a row that
    repeats last month's export) and its dirt (None when clean)."""

    export: CaseExport
    record: CaseRecord
    incident: Incident | None
    kind: DirtKind | None


def month_rows(rows: int) -> list[int]:
    """How many of ``rows`` fall in each month (they add up exactly)."""
    counts = [round(rows * month.share) for month in _MONTHS[:-1]]
    return [*counts, rows - sum(counts)]


def draw_plan(rng: random.Random, rows: int) -> DirtPlan:
    # A repeated case needs last month's export before it.
    return DirtPlan.draw(rng, rows, KINDS, earliest={REPEATED_EXPORT.name: month_rows(rows)[0]})


def case_records(
    rows: int,
    *,
    rng: random.Random,
    plan: DirtPlan,
    maker: PersonMaker,
    addresses: AddressBook,
    reporters: list[Resident],
    ledger: DirtLedger,
) -> Iterator[HotlineRow]:
    """Cases in received order, each with the export file it is written to."""
    writer = CaseWriter(rng, maker.names)
    file_rows = dict.fromkeys(EXPORTS, 0)
    index = 0
    previous_tail: list[CaseRecord] = []
    for month, count in zip(_MONTHS, month_rows(rows), strict=True):
        tail: list[CaseRecord] = []
        days = (month.last - month.first).days + 1
        step = days * _OFFICE_SECONDS / max(count, 1)
        day_numbers: dict[dt.date, int] = {}
        for position in range(count):
            kind = plan.kind_at(index)
            index += 1
            export = month.export
            if kind is REPEATED_EXPORT:
                if previous_tail:
                    original = previous_tail.pop(rng.randrange(len(previous_tail)))
                    file_rows[export] += 1
                    ledger.record(SOURCE, export.file, file_rows[export], original.case_no, kind)
                    yield HotlineRow(export, original, None, kind)
                    continue
                kind = None
            offset = (position + rng.random()) * step
            day = month.first + dt.timedelta(days=int(offset // _OFFICE_SECONDS))
            received = dt.datetime(day.year, day.month, day.day, 8) + dt.timedelta(
                seconds=int(offset % _OFFICE_SECONDS)
            )
            number = day_numbers.get(day, 0) + 1
            day_numbers[day] = number
            incident = draw_incident(rng, writer, maker, addresses, reporters, received)
            record = _case(rng, incident, number)
            file_rows[export] += 1
            if kind is None:
                tail.append(record)
                if len(tail) > _REPEAT_WINDOW:
                    tail.pop(0)
            else:
                record = _soil(rng, record, kind)
                ledger.record(SOURCE, export.file, file_rows[export], record.case_no, kind)
            yield HotlineRow(export, record, incident, kind)
        previous_tail = tail


def _case(rng: random.Random, incident: Incident, number: int) -> CaseRecord:
    received = incident.received
    reporter = incident.reporter
    return CaseRecord(
        case_no=f"GD{received:%Y%m%d}{number:05d}",
        channel=rng.choices(CHANNELS, cum_weights=_CHANNEL_WEIGHTS)[0],
        received=received,
        category=incident.category,
        description=incident.story.text,
        location=incident.spot,
        community=incident.place.community.name,
        reporter=reporter.name,
        phone=reporter.phone,
        department=incident.department,
        urgency=incident.urgency,
        deadline=incident.deadline,
        transfers=incident.transfers,
        closed=incident.closed,
        satisfaction=incident.satisfaction,
    )


def _soil(rng: random.Random, record: CaseRecord, kind: DirtKind) -> CaseRecord:
    assert isinstance(record.received, dt.datetime)
    if kind is PHONE_FORMAT:
        return record._replace(phone=corruptions.phone_misformatted(rng, record.phone))
    if kind is DATETIME_FORMAT:
        return record._replace(received=other_datetime_spelling(rng, record.received))
    if kind is COMMUNITY_UNKNOWN:
        return record._replace(community=rng.choice(UNKNOWN_COMMUNITY_NAMES))
    if kind is RECEIVED_MISSING:
        return record._replace(received="")
    if kind is DATETIME_UNPARSEABLE:
        return record._replace(received=unparseable_date(rng))
    raise ValueError(f"no way to soil a case with {kind.name}")
