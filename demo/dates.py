"""The demo's fixed calendar and the ways departments spell dates.

Generated history ends on a fixed export day rather than today, so that the
same seed gives the same bytes whenever it is run.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

EXPORT_DAY = dt.date(2026, 11, 20)
EXPORT_TIME = dt.datetime(2026, 11, 20, 18, 0, 0)

# Values that no date parser should accept; both seen in real exports.
UNPARSEABLE_DATES = ("2023-13-45", "未知", "1900-02-30", "待核实")


def iso_date(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


def iso_datetime(moment: dt.datetime) -> str:
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} "
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    )


def slash_date(day: dt.date) -> str:
    return f"{day.year}/{day.month}/{day.day}"


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def compact_date(day: dt.date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


# Non-ISO spellings a parser must still read (ISO is the clean spelling).
OTHER_DATE_SPELLINGS: tuple[Callable[[dt.date], str], ...] = (
    slash_date,
    chinese_date,
    compact_date,
)


def other_date_spelling(rng: random.Random, day: dt.date) -> str:
    return rng.choice(OTHER_DATE_SPELLINGS)(day)


def other_datetime_spelling(rng: random.Random, moment: dt.datetime) -> str:
    """A received-time spelling other than ISO: slash, Chinese, or compact."""
    kind = rng.randrange(3)
    if kind == 0:
        return f"{moment.year}/{moment.month}/{moment.day} {moment.hour}:{moment.minute:02d}"
    if kind == 1:
        return f"{chinese_date(moment.date())} {moment.hour:02d}:{moment.minute:02d}"
    return f"{compact_date(moment.date())} {moment.hour:02d}{moment.minute:02d}{moment.second:02d}"


def unparseable_date(rng: random.Random) -> str:
    return rng.choice(UNPARSEABLE_DATES)


def random_day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    """A uniformly random day in [first, last]."""
    return dt.date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))


def random_moment(rng: random.Random, first: dt.date, last: dt.date) -> dt.datetime:
    """A random second between 08:00 on ``first`` and 21:59:59 on ``last`` (office hours)."""
    day = random_day(rng, first, last)
    return dt.datetime(day.year, day.month, day.day, 8) + dt.timedelta(
        seconds=rng.randrange(50_400)
    )
