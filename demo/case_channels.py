"""The four channels beside the hotline, and the incidents told on more than one.

Each channel has its own form and its own dirt: the mayor's mailbox (a workbook of
letters), the WeChat mini-program (a JSON API), the grid inspectors' app (a table in
the grid centre's database) and the Weibo feed (JSON Lines posts). Most of a
channel's records are incidents of its own; a share retells an incident the hotline
took (same reporter phone, or same place within hours), planted as the merge's
ground truth. Retellings are always clean, so every one of them is loaded.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from demo import corruptions
from demo.addresses import (
    HOUSEHOLD_REGIONS,
    UNKNOWN_COMMUNITY_CODES,
    UNKNOWN_COMMUNITY_NAMES,
    AddressBook,
)
from demo.case_texts import CaseWriter
from demo.dates import EXPORT_DAY, EXPORT_TIME, chinese_date, random_day
from demo.dirt import DirtClass, DirtKind, DirtLedger, DirtPlan
from demo.incidents import FIRST_DAY, Incident, draw_incident
from demo.people import ADULT_BIRTHS, Person, PersonMaker
from demo.pools import Resident

FIXABLE, UNFIXABLE = DirtClass.FIXABLE, DirtClass.UNFIXABLE
HOTLINE = "hl_cases"
# Share of all case records each channel takes; the hotline takes the rest.
SHARES = {"mb_cases": 0.06, "wx_cases": 0.16, "gd_cases": 0.12, "wb_cases": 0.06}
MINIMUM_ROWS = 24
# Of the hotline's clean records, the share told again elsewhere, and where and how:
# (channels, linked by) — the same reporter's phone, or the same place within hours.
RETOLD_SHARE = 0.09
_RETELLINGS = (
    (("wx_cases",), "same_reporter", 35),
    (("mb_cases",), "same_reporter", 15),
    (("gd_cases",), "same_place", 25),
    (("wb_cases",), "same_place", 15),
    (("wx_cases", "wb_cases"), "both", 10),
)
_REPORTER_HOURS = (1.0, 40.0)  # a resident writes again within two days
_PLACE_HOURS = (0.25, 8.0)  # an inspector or a bystander reports the same place within hours


@dataclass(frozen=True)
class ChannelSpec:
    """One channel as the demo writes it and the hub reads it."""

    source: str  # the hub's source name
    ledger: str  # the name its dirt is recorded under in the ledger and manifest
    file: str  # relative to the departments folder
    kinds: tuple[DirtKind, ...]


# --- dirt per channel --------------------------------------------------------------------

LETTER_TIME_TEXT = DirtKind(
    "letter_time_text",
    FIXABLE,
    "来信时间",
    0.05,
    "time typed as 2026年11月3日 下午3:05, not a date cell",
)
LETTER_TIME_MISSING = DirtKind("letter_time_missing", UNFIXABLE, "来信时间", 0.02, "time empty")
HEADING_UNMAPPED = DirtKind(
    "heading_unmapped", UNFIXABLE, "问题类别", 0.02, "a heading the code table has no entry for"
)
LETTER_COMMUNITY_UNKNOWN = DirtKind(
    "community_unknown", UNFIXABLE, "所在社区", 0.02, "community name not in the district"
)
CREATED_SECONDS = DirtKind(
    "created_seconds", FIXABLE, "created_at", 0.04, "epoch seconds from an old app version"
)
CREATED_ISO = DirtKind("created_iso", FIXABLE, "created_at", 0.04, "ISO 8601 text with +08:00")
MOBILE_FORMAT = DirtKind("mobile_format", FIXABLE, "contact_mobile", 0.03, "+86, dashes or blanks")
CODE_UNKNOWN = DirtKind(
    "category_code_unknown", UNFIXABLE, "category_code", 0.02, "a category code not in the table"
)
COMMUNITY_CODE_UNKNOWN = DirtKind(
    "community_code_unknown",
    UNFIXABLE,
    "community_code",
    0.02,
    "community code not in the district",
)
EVENT_TYPE_UNKNOWN = DirtKind(
    "event_type_unknown", UNFIXABLE, "event_type", 0.02, "event type SJ-99 (retired)"
)
FOUND_AT_UNPARSEABLE = DirtKind(
    "found_at_unparseable", UNFIXABLE, "found_at", 0.02, "found time such as 2023-13-45 or 未知"
)
UPDATED_AT_MISSING = DirtKind(
    "updated_at_missing", UNFIXABLE, "updated_at", 0.02, "change column NULL: held back every sync"
)
INSPECTOR_PHONE_FORMAT = DirtKind(
    "phone_format", FIXABLE, "inspector_phone", 0.03, "+86, dashes, blanks or full-width digits"
)
POSTED_AT_OFFSET = DirtKind(
    "posted_at_offset", FIXABLE, "posted_at", 0.05, "time with +08:00 instead of Z"
)
POST_UNPLACED = DirtKind(
    "post_unplaced", UNFIXABLE, "text", 0.03, "a post naming no place of the district"
)
POST_AMBIGUOUS = DirtKind(
    "post_ambiguous", UNFIXABLE, "text", 0.02, "a post naming only a road two communities share"
)
POST_BAD_JSON = DirtKind("post_bad_json", UNFIXABLE, "line", 0.02, "a line cut short (not JSON)")

MAILBOX = ChannelSpec(
    "mb_cases",
    "mailbox_cases",
    "hotline_12345/mailbox/mailbox_letters_2026Q4.xlsx",
    (LETTER_TIME_TEXT, LETTER_TIME_MISSING, HEADING_UNMAPPED, LETTER_COMMUNITY_UNKNOWN),
)
WECHAT = ChannelSpec(
    "wx_cases",
    "wechat_cases",
    "hotline_12345/wechat/tickets.jsonl",
    (CREATED_SECONDS, CREATED_ISO, MOBILE_FORMAT, CODE_UNKNOWN, COMMUNITY_CODE_UNKNOWN),
)
GRID = ChannelSpec(
    "gd_cases",
    "grid_cases",
    "hotline_12345/grid_centre.sqlite",
    (INSPECTOR_PHONE_FORMAT, EVENT_TYPE_UNKNOWN, FOUND_AT_UNPARSEABLE, UPDATED_AT_MISSING),
)
WEIBO = ChannelSpec(
    "wb_cases",
    "weibo_cases",
    "hotline_12345/weibo/weibo_posts_2026-11-20.jsonl",
    (POSTED_AT_OFFSET, POST_UNPLACED, POST_AMBIGUOUS, POST_BAD_JSON),
)
CHANNELS = {spec.source: spec for spec in (MAILBOX, WECHAT, GRID, WEIBO)}

# The channels' own codes for the district's categories (their code tables in config/
# map them back: tests hold the two together).
MAILBOX_HEADINGS = {
    "噪音扰民": "噪声污染", "占道经营": "马路市场", "环境卫生": "环境卫生", "物业纠纷": "物业管理",
    "违章搭建": "违法建设", "停车管理": "交通停车", "供水供电": "水电气暖", "劳动保障": "劳资纠纷",
    "市容绿化": "园林绿化", "消防安全": "安全隐患", "食品安全": "食品药品", "养犬管理": "文明养犬",
}  # fmt: skip
WECHAT_CODES = {
    "噪音扰民": 101, "占道经营": 102, "环境卫生": 103, "物业纠纷": 104, "违章搭建": 105,
    "停车管理": 106, "供水供电": 107, "劳动保障": 108, "市容绿化": 109, "消防安全": 110,
    "食品安全": 111, "养犬管理": 112,
}  # fmt: skip
GRID_EVENT_TYPES = {
    "噪音扰民": "SJ-01", "占道经营": "SJ-02", "环境卫生": "SJ-03", "物业纠纷": "SJ-04",
    "违章搭建": "SJ-05", "停车管理": "SJ-06", "供水供电": "SJ-07", "劳动保障": "SJ-08",
    "市容绿化": "SJ-09", "消防安全": "SJ-10", "食品安全": "SJ-11", "养犬管理": "SJ-12",
}  # fmt: skip
WECHAT_PRIORITY = {"一般": 0, "紧急": 1, "特急": 2}
WECHAT_RATING = {"满意": 5, "基本满意": 3, "不满意": 1}
_UNMAPPED_HEADINGS = ("咨询建议", "表扬感谢", "政策咨询")
_PLACELESS = (
    "晚上楼下吵得根本睡不着，投诉了好几次都没人管。",
    "小区门口的垃圾堆了一个星期了，臭气熏天。",
    "路边又有人摆摊占道，车都开不过去。",
    "物业费年年涨，服务越来越差，业主们都很无奈。",
    "又停水了，也不提前通知一声，太不方便了。",
)
_HANDLE_WORDS = ("吃瓜群众", "街坊", "热心市民", "路过的", "老住户", "打工人", "宝妈")


@dataclass
class ChannelRecord:
    """One record of a channel before it is written: its incident, number and dirt."""

    received: dt.datetime
    incident: Incident
    reporter: Person  # who the channel names (the resident, or the inspector)
    retold_from: str | None = None  # the hotline case it tells again
    link: str | None = None  # how it is linked to it: same_reporter or same_place
    case_no: str = ""
    kind: DirtKind | None = None
    text: str = ""
    location: str = ""
    extra: dict[str, object] = field(default_factory=dict)


def channel_sizes(total: int) -> dict[str, int]:
    """Records per channel (the hotline first); they add up to ``total``."""
    sizes = {source: max(MINIMUM_ROWS, round(total * share)) for source, share in SHARES.items()}
    return {HOTLINE: max(MINIMUM_ROWS, total - sum(sizes.values())), **sizes}


def address_variant(rng: random.Random, spot: str) -> str:
    """The same place as another person spells it: full-width digits, blanks, 号楼 or 幢
    for 栋, 和 and 路口 for a crossing (the address token folds them all)."""
    kind = rng.randrange(4)
    if kind == 0:
        return corruptions.fullwidth(spot)
    if kind == 1 and "号" in spot:
        head, _, tail = spot.partition("号")
        digits = len(head) - len(head.rstrip("0123456789"))
        return f"{head[: len(head) - digits]} {head[len(head) - digits :]} 号{tail}"
    if kind == 2 and "栋" in spot:
        return spot.replace("栋", rng.choice(("号楼", "幢")))
    if "交叉口" in spot:
        return spot.replace("与", "和").replace("交叉口", "路口")
    return spot


class Retellings:
    """Which hotline records are told again on other channels, collected as they are made."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self.by_channel: dict[str, list[tuple[str, Incident, str]]] = {s: [] for s in SHARES}
        self._weights = [w for _, _, w in _RETELLINGS]

    def offer(self, case_no: str, incident: Incident) -> None:
        """A clean hotline record; perhaps it is told again elsewhere."""
        if self._rng.random() >= RETOLD_SHARE:
            return
        channels, link, _ = self._rng.choices(_RETELLINGS, weights=self._weights)[0]
        for channel in channels:
            how = (
                link
                if link != "both"
                else ("same_reporter" if channel == "wx_cases" else "same_place")
            )
            self.by_channel[channel].append((case_no, incident, how))


def _retold_time(rng: random.Random, received: dt.datetime, link: str) -> dt.datetime | None:
    low, high = _REPORTER_HOURS if link == "same_reporter" else _PLACE_HOURS
    hours = rng.uniform(low, high)
    if link == "same_place" and rng.random() < 0.4:
        hours = -hours  # a bystander may post before the resident calls
    moment = received + dt.timedelta(hours=hours)
    first = dt.datetime.combine(FIRST_DAY, dt.time(0))
    if moment < first or moment > EXPORT_TIME:
        return None
    return moment.replace(microsecond=0)


def _fresh_time(rng: random.Random, hours: tuple[int, int]) -> dt.datetime:
    day = random_day(rng, FIRST_DAY, EXPORT_DAY)
    start, end = hours
    moment = dt.datetime.combine(day, dt.time(start)) + dt.timedelta(
        seconds=rng.randrange((end - start) * 3600)
    )
    return min(moment, EXPORT_TIME)


@dataclass
class ChannelDraw:
    """Everything needed to draw a channel's records."""

    rng: random.Random
    writer: CaseWriter
    maker: PersonMaker
    addresses: AddressBook
    reporters: list[Resident]
    ledger: DirtLedger


def draw_channel(
    spec: ChannelSpec,
    rows: int,
    retold: list[tuple[str, Incident, str]],
    draw: ChannelDraw,
    hours: tuple[int, int],
    numbering: Callable[[dt.datetime, int], str],
    inspectors: list[Person] | None = None,
) -> list[ChannelRecord]:
    """The channel's records in received order, numbered, the fresh ones dirtied by plan.

    Retellings take at most half the rows; the rest are incidents of the channel's own."""
    rng = draw.rng
    records: list[ChannelRecord] = []
    for case_no, incident, link in retold[: rows // 2]:
        moment = _retold_time(rng, incident.received, link)
        if moment is None:
            continue
        reporter = incident.reporter
        if inspectors is not None:
            reporter = rng.choice(inspectors)
        records.append(ChannelRecord(moment, incident, reporter, case_no, link))
    while len(records) < rows:
        moment = _fresh_time(rng, hours)
        incident = draw_incident(
            rng, draw.writer, draw.maker, draw.addresses, draw.reporters, moment
        )
        reporter = rng.choice(inspectors) if inspectors is not None else incident.reporter
        records.append(ChannelRecord(moment, incident, reporter))
    records.sort(key=lambda r: (r.received, r.retold_from or ""))
    fresh = [r for r in records if r.retold_from is None]
    plan = DirtPlan.draw(rng, len(fresh), spec.kinds)
    for index, record in enumerate(fresh):
        record.kind = plan.kind_at(index)
    per_day: dict[dt.date, int] = {}
    for record in records:
        day = record.received.date()
        per_day[day] = per_day.get(day, 0) + 1
        record.case_no = numbering(record.received, per_day[day])
    return records


def make_inspectors(rng: random.Random, maker: PersonMaker, count: int = 12) -> list[Person]:
    """The grid inspectors (网格员) whose app reports events."""
    return [maker.make(HOUSEHOLD_REGIONS, ADULT_BIRTHS) for _ in range(count)]


def handle(rng: random.Random) -> str:
    """An online handle, as the feed shows it."""
    return (
        f"{rng.choice(_HANDLE_WORDS)}{rng.choice('abcdefghjkmnpqrstuvwxyz')}{rng.randint(10, 999)}"
    )


def placeless_text(rng: random.Random) -> str:
    return rng.choice(_PLACELESS)


def unknown_community_name(rng: random.Random) -> str:
    return rng.choice(UNKNOWN_COMMUNITY_NAMES)


def unknown_community_code(rng: random.Random) -> str:
    return rng.choice(UNKNOWN_COMMUNITY_CODES)


def unmapped_heading(rng: random.Random) -> str:
    return rng.choice(_UNMAPPED_HEADINGS)


def letter_time_text(moment: dt.datetime) -> str:
    """2026年11月3日 下午3:05, as a clerk types it."""
    half = "上午" if moment.hour < 12 else "下午"
    hour = moment.hour if moment.hour <= 12 else moment.hour - 12
    return f"{chinese_date(moment.date())} {half}{hour}:{moment.minute:02d}"


def record_dirt(ledger: DirtLedger, spec: ChannelSpec, row: int, record: ChannelRecord) -> None:
    assert record.kind is not None
    ledger.record(spec.ledger, spec.file, row, record.case_no, record.kind)


def handled(record: ChannelRecord) -> tuple[dt.datetime | None, str]:
    """(closed, satisfaction) of the channel's own order: handled as long as the incident
    took, counted from when this channel received it."""
    incident = record.incident
    if incident.closed is None:
        return None, ""
    closed = record.received + (incident.closed - incident.received)
    if closed > EXPORT_TIME:
        return None, ""
    return closed, incident.satisfaction
