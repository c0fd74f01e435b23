"""Dates and date-times in the shapes department exports write them."""

from __future__ import annotations

import datetime as dt

import pytest

from quality.dates import DateError, parse_date, parse_datetime

MAY_DAY = dt.date(2023, 5, 1)


@pytest.mark.parametrize(
    "raw",
    [
        "2023-05-01",
        "2023/5/1",
        "2023/05/01",
        "2023.5.1",
        "2023年5月1日",
        "2023年05月01日",
        "2023 年 5 月 1 日",
        "20230501",
        "45047",  # Excel serial number
        "45047.75",  # serial with a time of day
        " 2023-05-01 ",
        "２０２３－０５－０１",  # full-width
        "2023-05-01 08:30",
        "2023-05-01T08:30:15",
        "2023年5月1日 8时30分",
        "2023年5月1日8时30分",  # no space between date and time
        "20230501 083015",
    ],
)
def test_parse_date_accepts_every_common_spelling(raw: str) -> None:
    assert parse_date(raw) == MAY_DAY


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2023-05-01", dt.datetime(2023, 5, 1)),
        ("2023-05-01 08:30", dt.datetime(2023, 5, 1, 8, 30)),
        ("2023-5-1 8:30", dt.datetime(2023, 5, 1, 8, 30)),
        ("2023/5/1 8:30:15", dt.datetime(2023, 5, 1, 8, 30, 15)),
        ("2023-05-01T08:30:15", dt.datetime(2023, 5, 1, 8, 30, 15)),
        ("2023-05-01 08:30:15.123", dt.datetime(2023, 5, 1, 8, 30, 15)),
        ("2023年5月1日 8时30分", dt.datetime(2023, 5, 1, 8, 30)),
        ("2023年5月1日8时30分", dt.datetime(2023, 5, 1, 8, 30)),
        ("2023年5月1日 8时30分15秒", dt.datetime(2023, 5, 1, 8, 30, 15)),
        ("2023年5月1日 8:30", dt.datetime(2023, 5, 1, 8, 30)),
        ("45047", dt.datetime(2023, 5, 1)),
        ("45047.5", dt.datetime(2023, 5, 1, 12)),
        ("２０２３－０５－０１　０８：３０", dt.datetime(2023, 5, 1, 8, 30)),
        ("20230501 0830", dt.datetime(2023, 5, 1, 8, 30)),
    ],
)
def test_parse_datetime(raw: str, expected: dt.datetime) -> None:
    assert parse_datetime(raw) == expected


def test_regression_compact_date_with_compact_time() -> None:
    # "20260913 193023" was once refused: compact date followed by compact time.
    assert parse_datetime("20260913 193023") == dt.datetime(2026, 9, 13, 19, 30, 23)
    assert parse_date("20260913 193023") == dt.date(2026, 9, 13)


def test_excel_serial_day_one_and_leap_bug_are_absorbed() -> None:
    # Excel's serial 60 is the fictitious 1900-02-29; our epoch puts serial 61 on 1900-03-01.
    assert parse_date("61000") == dt.date(2067, 1, 3)
    assert parse_date("10000") == dt.date(1927, 5, 18)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2023-13-45", "not a real calendar date"),
        ("1900-02-30", "not a real calendar date"),
        ("2023-02-29", "not a real calendar date"),
        ("20231345", "not a real calendar date"),
        ("未知", "not a recognised date format"),
        ("2023-05", "not a recognised date format"),
        ("05/01/2023", "not a recognised date format"),
        ("", "empty"),
        ("   ", "empty"),
        ("99999", "out of range"),
    ],
)
def test_bad_dates_are_refused_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(DateError, match=reason):
        parse_date(raw)
    with pytest.raises(DateError, match=reason):
        parse_datetime(raw)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2023-05-01 25:00", "not a real time of day"),
        ("2023-05-01 08:61", "not a real time of day"),
        ("2023-05-01 abc", "not a recognised time of day"),
        ("2023-05-01 08:30 extra", "not a recognised time of day"),
        ("2023-05-01 8", "not a recognised time of day"),
    ],
)
def test_bad_times_are_refused(raw: str, reason: str) -> None:
    with pytest.raises(DateError, match=reason):
        parse_datetime(raw)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026年11月3日 下午3:05", dt.datetime(2026, 11, 3, 15, 5)),
        ("2026年11月3日下午3时5分", dt.datetime(2026, 11, 3, 15, 5)),
        ("2026-11-03 上午 09:05:00", dt.datetime(2026, 11, 3, 9, 5)),
        ("2026/11/3 中午12:30", dt.datetime(2026, 11, 3, 12, 30)),
        ("2026/11/3 中午1:30", dt.datetime(2026, 11, 3, 13, 30)),
        ("2026/11/3 晚上8:00", dt.datetime(2026, 11, 3, 20, 0)),
        ("2026/11/3 凌晨12:10", dt.datetime(2026, 11, 3, 0, 10)),
    ],
)
def test_chinese_half_day_markers(text: str, expected: dt.datetime) -> None:
    assert parse_datetime(text) == expected


def test_a_half_day_marker_before_a_24_hour_time_is_refused() -> None:
    with pytest.raises(DateError, match="half-day marker"):
        parse_datetime("2026/11/3 下午15:05")
