"""Dates and times the way department exports write them."""

from __future__ import annotations

import datetime as dt
import re

from identifiers.text import to_halfwidth

EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year bug absorbed)

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")  # 10000..99999: 1927..2173
_COMPACT_TIME = re.compile(r"^(\d{2})(\d{2})(\d{2})?$")  # 193023, 1930
_TIME = re.compile(
    r"^(\d{1,2})\s*[:时]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:\.\d+)?\s*秒?)?\s*分?$"
)


# A Chinese half-day marker before the time: 2026年11月3日 下午3:05.
_HALF_DAY = re.compile(r"(上午|早上|凌晨|中午|下午|晚上)\s*")
_AFTERNOON = {"下午", "晚上"}


class DateError(ValueError):
    pass


def _half_day(text: str) -> tuple[str, str | None]:
    """The text without its half-day marker, and the marker (None when there is none)."""
    match = _HALF_DAY.search(text)
    if match is None:
        return text, None
    return (text[: match.start()] + " " + text[match.end() :]).strip(), match.group(1)


def _on_the_clock(hour: int, marker: str | None) -> int:
    """下午3:05 is 15:05; 中午12:30 stays, 中午1点 is 13:00; 凌晨12点 is 0:00."""
    if marker in _AFTERNOON and hour < 12:
        return hour + 12
    if marker == "中午" and hour < 6:
        return hour + 12
    if marker == "凌晨" and hour == 12:
        return 0
    return hour


def _from_serial(text: str) -> dt.datetime:
    serial = float(text)
    if not 1 <= serial < 80_000:
        raise DateError("Excel serial number out of range")
    return dt.datetime.combine(EXCEL_EPOCH, dt.time()) + dt.timedelta(days=serial)


def _date_part(text: str) -> dt.date:
    match = _DATE.match(text) or _COMPACT.match(text)
    if not match:
        raise DateError("not a recognised date format")
    year, month, day = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DateError("not a real calendar date") from None


def parse_datetime(raw: str) -> dt.datetime:
    """2023-05-01 08:30, 2023/5/1 8:30:15, 2023年5月1日 8时30分, 2023年5月1日 下午3:05,
    20230501 083015, 45047.35 …"""
    text, marker = _half_day(to_halfwidth(raw).strip())
    if not text:
        raise DateError("empty")
    if _SERIAL.match(text):
        return _from_serial(text)
    try:  # a date alone, including "2023 年 5 月 1 日" whose spaces are not a time separator
        return dt.datetime.combine(_date_part(text), dt.time())
    except DateError:
        pass
    text = text.replace("T", " ")
    date_text, _, time_text = text.partition(" ")
    if not time_text and "日" in date_text and not date_text.endswith("日"):
        date_text, _, time_text = date_text.partition("日")
        date_text += "日"
    day = _date_part(date_text.strip())
    time_text = time_text.strip()
    if not time_text:
        return dt.datetime.combine(day, dt.time())
    match = _TIME.match(time_text) or _COMPACT_TIME.match(time_text)
    if not match:
        raise DateError("not a recognised time of day")
    hour, minute, second = (int(g) if g else 0 for g in match.groups())
    if marker is not None:
        if hour > 12:
            raise DateError("a half-day marker (上午/下午) before a 24-hour time")
        hour = _on_the_clock(hour, marker)
    try:
        return dt.datetime.combine(day, dt.time(hour, minute, second))
    except ValueError:
        raise DateError("not a real time of day") from None


def parse_date(raw: str) -> dt.date:
    """2023-05-01, 2023/5/1, 2023年5月1日, 20230501, Excel serial 45047, or a date-time."""
    text = to_halfwidth(raw).strip()
    if not text:
        raise DateError("empty")
    if _SERIAL.match(text):
        return _from_serial(text).date()
    try:
        return _date_part(text)
    except DateError:
        # a date-time such as "2023-05-01 08:30" or "2023年5月1日8时30分"
        return parse_datetime(text).date()
