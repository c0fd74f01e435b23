"""12345 hotline work orders over three months, routed to the export each lands in."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import NamedTuple

from demo import corruptions
from demo.addresses import (
    FLOATING_REGIONS,
    HOUSEHOLD_REGIONS,
    UNKNOWN_COMMUNITY_NAMES,
    AddressBook,
)
from demo.case_texts import CaseWriter
from demo.dates import EXPORT_DAY, EXPORT_TIME, other_datetime_spelling, unparseable_date
from demo.dirt import DirtClass, DirtKind, DirtLedger, DirtPlan
from demo.people import ADULT_BIRTHS, PersonMaker
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
    workbook: bool = False
    description_header: str = DESCRIPTION

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(self.description_header if h == DESCRIPTION else h for h in HEADERS)


DROP = "hotline_12345/drop"
SEPTEMBER = CaseExport(f"{DROP}/cases_2026-09.csv")
OCTOBER = CaseExport(f"{DROP}/cases_2026-10.csv", description_header=RENAMED_DESCRIPTION)
NOVEMBER = CaseExport(f"{DROP}/cases_2026-11.csv")
WECHAT_NOVEMBER = CaseExport(f"{DROP}/cases_wechat_2026-11.xlsx", workbook=True)
EXPORTS = (SEPTEMBER, OCTOBER, NOVEMBER, WECHAT_NOVEMBER)
WORKBOOK_SHEET = "工单"


@dataclass(frozen=True)
class _Month:
    first: dt.date
    last: dt.date
    share: float
    export: CaseExport
    wechat_export: CaseExport | None  # since November the WeChat desk exports on its own


_MONTHS = (
    _Month(dt.date(2026, 9, 1), dt.date(2026, 9, 30), 0.30, SEPTEMBER, None),
    _Month(dt.date(2026, 10, 1), dt.date(2026, 10, 31), 0.34, OCTOBER, None),
    _Month(dt.date(2026, 11, 1), EXPORT_DAY, 0.36, NOVEMBER, WECHAT_NOVEMBER),
)
# Weights are cumulative (random.choices cum_weights): cheaper on a million rows.
_CHANNELS = ("12345热线", "微信", "网站", "APP", "微博", "信箱")
_CHANNEL_WEIGHTS = tuple(accumulate((50, 18, 10, 10, 5, 7)))
_URGENCIES = ("一般", "紧急", "特急")
_URGENCY_WEIGHTS = tuple(accumulate((85, 12, 3)))
_TRANSFERS = (0, 1, 2, 3, 4)
_TRANSFER_WEIGHTS = tuple(accumulate((60, 25, 10, 4, 1)))
_DEADLINE_DAYS = {"一般": 15, "紧急": 3, "特急": 1}
_MEAN_HANDLING_DAYS = {"一般": 6.0, "紧急": 1.5, "特急": 0.5}
_SATISFACTION = ("满意", "基本满意", "不满意", "")
_SATISFACTION_WEIGHTS = tuple(accumulate((60, 25, 10, 5)))
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
) -> Iterator[tuple[CaseExport, CaseRecord]]:
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
            if kind is REPEATED_EXPORT:
                if previous_tail:
                    original = previous_tail.pop(rng.randrange(len(previous_tail)))
                    file_rows[month.export] += 1
                    ledger.record(
                        SOURCE, month.export.file, file_rows[month.export], original.case_no, kind
                    )
                    yield month.export, original
                    continue
                kind = None
            offset = (position + rng.random()) * step
            day = month.first + dt.timedelta(days=int(offset // _OFFICE_SECONDS))
            received = dt.datetime(day.year, day.month, day.day, 8) + dt.timedelta(
                seconds=int(offset % _OFFICE_SECONDS)
            )
            number = day_numbers.get(day, 0) + 1
            day_numbers[day] = number
            record = _case(rng, writer, maker, addresses, reporters, received, number)
            export = month.export
            if month.wechat_export is not None and record.channel == "微信":
                export = month.wechat_export
            file_rows[export] += 1
            if kind is None:
                if not export.workbook:
                    tail.append(record)
                    if len(tail) > _REPEAT_WINDOW:
                        tail.pop(0)
            else:
                record = _soil(rng, record, kind)
                ledger.record(SOURCE, export.file, file_rows[export], record.case_no, kind)
            yield export, record
        previous_tail = tail


def _case(
    rng: random.Random,
    writer: CaseWriter,
    maker: PersonMaker,
    addresses: AddressBook,
    reporters: list[Resident],
    received: dt.datetime,
    number: int,
) -> CaseRecord:
    if reporters and rng.random() < 0.7:
        resident = rng.choice(reporters)
        reporter = resident.person
        # Most people report what happens where they live.
        place = resident.place if rng.random() < 0.8 else addresses.place()
    else:
        regions = HOUSEHOLD_REGIONS if rng.random() < 0.5 else FLOATING_REGIONS
        reporter = maker.make(regions, ADULT_BIRTHS)
        place = addresses.place()
    story = writer.story(reporter, place)
    urgency = rng.choices(_URGENCIES, cum_weights=_URGENCY_WEIGHTS)[0]
    transfers = rng.choices(_TRANSFERS, cum_weights=_TRANSFER_WEIGHTS)[0]
    handling_days = rng.expovariate(1 / _MEAN_HANDLING_DAYS[urgency]) + 0.5 * transfers
    closed: dt.datetime | None = received + dt.timedelta(seconds=int(handling_days * 86_400))
    if closed is not None and closed > EXPORT_TIME:
        closed = None
    satisfaction = (
        "" if closed is None else rng.choices(_SATISFACTION, cum_weights=_SATISFACTION_WEIGHTS)[0]
    )
    return CaseRecord(
        case_no=f"GD{received:%Y%m%d}{number:05d}",
        channel=rng.choices(_CHANNELS, cum_weights=_CHANNEL_WEIGHTS)[0],
        received=received,
        category=story.category,
        description=story.text,
        location=addresses.spot(place),
        community=place.community.name,
        reporter=reporter.name,
        phone=reporter.phone,
        department=story.department,
        urgency=urgency,
        deadline=received.date() + dt.timedelta(days=_DEADLINE_DAYS[urgency]),
        transfers=transfers,
        closed=closed,
        satisfaction=satisfaction,
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
