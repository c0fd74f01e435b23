"""A channel's times in the forms and zone it writes them, read as the district's local time."""

from __future__ import annotations

import datetime as dt

import pytest

from quality.channel_times import ChannelClock, ChannelTimeError

SHANGHAI = "Asia/Shanghai"
LOCAL = dt.datetime(2026, 11, 3, 9, 5, 0)  # 01:05 UTC


@pytest.mark.parametrize(
    ("forms", "zone", "raw"),
    [
        (["epoch_millis"], SHANGHAI, "1793667900000"),
        (["epoch_seconds"], SHANGHAI, "1793667900"),
        (["epoch_millis", "epoch_seconds"], SHANGHAI, "1793667900"),  # told apart by length
        (["iso8601"], SHANGHAI, "2026-11-03T09:05:00+08:00"),
        (["iso8601"], SHANGHAI, "2026-11-03T01:05:00Z"),
        (["iso8601"], "UTC", "2026-11-03T01:05:00"),  # naive: the channel's own zone
        (["datetime_text"], SHANGHAI, "2026年11月3日 上午9:05"),
        (["datetime_text"], SHANGHAI, "2026/11/3 9:05"),
        (["datetime_text"], "UTC", "2026-11-03 01:05"),
        (["iso8601"], SHANGHAI, "２０２６-１１-０３T０９:０５:００+08:00"),  # full-width digits
    ],
)
def test_every_form_reads_as_the_same_local_moment(forms: list, zone: str, raw: str) -> None:
    assert ChannelClock(forms, zone, SHANGHAI).moment(raw) == LOCAL


def test_a_bare_date_is_taken_as_written_and_a_moment_as_its_local_day() -> None:
    clock = ChannelClock(["iso8601", "epoch_millis"], SHANGHAI, SHANGHAI)
    assert clock.day("2026-11-18") == dt.date(2026, 11, 18)
    assert clock.day("1793635200000") == dt.date(2026, 11, 3)  # 2026-11-02 16:00 UTC
    utc = ChannelClock(["iso8601"], "UTC", SHANGHAI)
    assert utc.day("2026-11-02T20:00:00") == dt.date(2026, 11, 3)  # 04:00 the next day here


@pytest.mark.parametrize(
    ("forms", "raw"),
    [
        (["epoch_millis"], "2026-11-03T09:05:00Z"),  # a form the channel does not write
        (["iso8601"], "1793667900000"),
        (["iso8601"], "2026/11/3 9:05"),
        (["datetime_text"], "未知"),
        (["iso8601"], "2026-02-30T09:05:00Z"),
    ],
)
def test_a_value_in_none_of_the_channels_forms_is_refused_naming_the_forms(
    forms: list, raw: str
) -> None:
    with pytest.raises(ChannelTimeError) as err:
        ChannelClock(forms, SHANGHAI, SHANGHAI).moment(raw)
    assert raw not in str(err.value)
