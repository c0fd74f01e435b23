"""One standardiser per column type: raw text → typed value, or a reason.

Each standardiser returns the clean value or raises :class:`ValueProblem` with
a reason that names what is wrong and never repeats the value (it may be
personal data).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa

from catalog.contracts import ColumnSpec
from catalog.district import District
from identifiers import credit_code, household_no, phone, resident_id
from identifiers.text import to_halfwidth
from quality.channel_times import ChannelClock, ChannelTimeError
from quality.dates import DateError, parse_date, parse_datetime

EARLIEST = dt.date(1880, 1, 1)


class ValueProblem(ValueError):
    """Why one value cannot be loaded."""


ARROW_TYPES: dict[str, pa.DataType] = {
    "integer": pa.int64(),
    "date": pa.date32(),
    "datetime": pa.timestamp("s"),
}


def arrow_type(column: ColumnSpec) -> pa.DataType:
    return ARROW_TYPES.get(column.type, pa.string())


@dataclass(frozen=True)
class Standardiser:
    district: District
    today: dt.date
    # A channel that says in its mapping how it writes times (forms, zone); None reads
    # the forms departments type, as local time.
    clock: ChannelClock | None = None

    def for_column(self, column: ColumnSpec) -> Callable[[str], object]:
        kind = column.type
        if kind == "enum":
            allowed = set(column.values or [])
            aliases = column.aliases

            def enum(text: str) -> str:
                value = unicodedata.normalize("NFKC", text).strip()
                value = aliases.get(value, value)
                if value not in allowed:
                    raise ValueProblem(f"not one of {sorted(allowed)}")
                return value

            return enum
        parser: Callable[[str], object] = getattr(self, f"_{kind}")
        return parser

    def _text(self, text: str) -> str:
        return text.strip()

    def _free_text(self, text: str) -> str:
        return text

    def _integer(self, text: str) -> int:
        value = to_halfwidth(text).strip().replace(",", "")
        try:
            return int(value)  # exact: float() would round numbers beyond 2**53
        except ValueError:
            pass
        try:
            number = float(value)
        except ValueError:
            raise ValueProblem("not a whole number") from None
        if not number.is_integer():
            raise ValueProblem("not a whole number")
        return int(number)

    def _date(self, text: str) -> dt.date:
        try:
            value = self.clock.day(text) if self.clock else parse_date(text)
        except ChannelTimeError as exc:
            raise ValueProblem(str(exc)) from None
        except DateError as exc:
            raise ValueProblem(f"not a date ({exc})") from None
        if value < EARLIEST or value.year > self.today.year + 10:
            raise ValueProblem("date out of range")
        return value

    def _datetime(self, text: str) -> dt.datetime:
        try:
            value = self.clock.moment(text) if self.clock else parse_datetime(text)
        except ChannelTimeError as exc:
            raise ValueProblem(str(exc)) from None
        except DateError as exc:
            raise ValueProblem(f"not a date-time ({exc})") from None
        if value.date() < EARLIEST or value.year > self.today.year + 10:
            raise ValueProblem("date-time out of range")
        return value

    def _resident_id(self, text: str) -> str:
        try:
            return resident_id.parse(text, today=self.today).value
        except resident_id.ResidentIdError as exc:
            raise ValueProblem(f"invalid resident ID: {exc}") from None

    def _phone(self, text: str) -> str:
        try:
            return phone.parse(text)
        except phone.PhoneError as exc:
            raise ValueProblem(f"invalid phone: {exc}") from None

    def _credit_code(self, text: str) -> str:
        try:
            return credit_code.parse(text)
        except credit_code.CreditCodeError as exc:
            raise ValueProblem(f"invalid unified social credit code: {exc}") from None

    def _household_no(self, text: str) -> str:
        try:
            return household_no.parse(text)
        except household_no.HouseholdNumberError as exc:
            raise ValueProblem(f"invalid household number: {exc}") from None

    def _sex(self, text: str) -> str:
        value = to_halfwidth(text).strip().upper()
        mapped = {
            "男": "男",
            "1": "男",
            "M": "男",
            "男性": "男",
            "女": "女",
            "2": "女",
            "F": "女",
            "女性": "女",
        }.get(value)
        if mapped is None:
            raise ValueProblem("not a recognised sex (男/女/1/2)")
        return mapped

    def _community_code(self, text: str) -> str:
        value = to_halfwidth(text).strip()
        if value not in self.district.community_by_code:
            raise ValueProblem("unknown community code for this district")
        return value

    def _community_name(self, text: str) -> str:
        value = unicodedata.normalize("NFKC", text).strip()
        if value in self.district.community_by_name:
            return self.district.community_by_name[value][1].code
        if value in self.district.community_by_code:
            return value
        raise ValueProblem("unknown community name for this district")

    def _street_code(self, text: str) -> str:
        value = to_halfwidth(text).strip()
        if value not in {s.code for s in self.district.streets}:
            raise ValueProblem("unknown street code for this district")
        return value
