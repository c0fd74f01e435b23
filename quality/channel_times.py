"""A channel's times, in the forms and the zone it writes them, as the district's local time.

The hub keeps times naive in the district's zone (``district.timezone``). A channel
says in its mapping which forms it writes (``catalog.source_mapping.TimeForm``) and the
zone of its naive times; epoch numbers and ISO times with an offset carry their own
zone. A value in none of the channel's forms is the row's problem, named without the
value.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Sequence

from catalog.source_mapping import TimeForm
from identifiers.text import to_halfwidth
from quality.dates import DateError, parse_datetime

_EPOCH_SECONDS = re.compile(r"^\d{9,11}(\.\d+)?$")
_EPOCH_MILLIS = re.compile(r"^\d{12,14}$")
_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ChannelTimeError(ValueError):
    """The value is in none of the forms the channel writes; says which forms were tried."""


class ChannelClock:
    """Reads one channel's times: ``moment`` for date-times, ``day`` for dates."""

    def __init__(self, forms: Sequence[TimeForm], channel_zone: str, district_zone: str) -> None:
        self.forms = tuple(forms)
        self._channel = zoneinfo.ZoneInfo(channel_zone)
        self._district = zoneinfo.ZoneInfo(district_zone)

    def _fail(self) -> ChannelTimeError:
        return ChannelTimeError(
            f"not a date-time in a form this channel writes ({', '.join(self.forms)})"
        )

    def _parse(self, raw: str) -> tuple[dt.datetime, bool]:
        """(the time, whether it was a date alone); aware unless the form was naive."""
        text = to_halfwidth(raw).strip()
        for form in self.forms:
            if form == "epoch_millis" and _EPOCH_MILLIS.match(text):
                return dt.datetime.fromtimestamp(int(text) / 1000, dt.UTC), False
            if form == "epoch_seconds" and _EPOCH_SECONDS.match(text):
                return dt.datetime.fromtimestamp(float(text), dt.UTC), False
            if form == "iso8601" and _ISO.match(text):
                try:
                    value = dt.datetime.fromisoformat(text)
                except ValueError:
                    raise ChannelTimeError("not a real calendar date or time of day") from None
                return value, bool(_DATE_ONLY.match(text))
            if form == "datetime_text":
                try:
                    value = parse_datetime(text)
                except DateError:
                    continue
                return value, False
        raise self._fail()

    def _local(self, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            value = value.replace(tzinfo=self._channel)
        return value.astimezone(self._district).replace(tzinfo=None)

    def moment(self, raw: str) -> dt.datetime:
        """The district's local, naive date-time of a value the channel wrote."""
        value, date_only = self._parse(raw)
        return value.replace(tzinfo=None) if date_only else self._local(value)

    def day(self, raw: str) -> dt.date:
        """The district's local date of a value (a bare date is taken as it is written)."""
        value, date_only = self._parse(raw)
        return value.date() if date_only else self._local(value).date()
