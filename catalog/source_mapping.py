"""How one channel's records map onto its dataset's contract, by configuration only.

A source in a department YAML may carry a ``mapping:`` block:

``fields``      contract column → the channel's own field name (default: the contract's
                ``source:`` name, else the column name)
``constants``   contract column → the value every record of the channel has
                (``channel: 市长信箱``): a column the channel does not send
``absent``      contract columns the channel never sends (NULL for its records)
``ignore``      fields the channel sends that the hub does not keep: bookkeeping such as
                the change column an incremental read follows, never data
``values``      contract column → a code map: ``table:`` (a code table under config/) or
                an inline ``codes:`` map; a code in neither is quarantined with the reason
``times``       the time zone of the channel's naive times and the forms it writes them in
``classify``    fill a column (the category) from the redacted text by the keywords of the
                column's vocabulary (its category tree)
``locate``      fill the community (and the location) from place names in the text,
                against the district's communities, compounds and roads

Raw stays what the channel sent (field names mapped to the contract's, codes as sent,
ignored fields left out);
every value conversion happens at staging. Which columns a mapping covers is checked
against the contract when the catalogue loads (``catalog.registry``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from catalog.categories import codes_as_text
from catalog.contracts import DatasetContract
from catalog.time_zones import check_time_zone

# How a channel writes its times:
#   datetime_text  what people type and export: 2026-11-03 09:05, 2026/11/3 9:05,
#                  2026年11月3日 下午3:05, 20261103 090512, an Excel serial number
#   iso8601        2026-11-03T09:05:00+08:00, …Z, or a bare date 2026-11-03
#   epoch_seconds  1793668500 (UTC by definition)
#   epoch_millis   1793668500000 (UTC by definition)
TimeForm = Literal["datetime_text", "iso8601", "epoch_seconds", "epoch_millis"]


class ChannelTimes(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    # The zone of times written without one; converted to the district's zone.
    timezone: str = "Asia/Shanghai"
    forms: list[TimeForm] = Field(default=["datetime_text"], min_length=1)

    _zone = field_validator("timezone")(check_time_zone)


class ValueMap(BaseModel):
    """Codes the channel writes → values of the contract column; one of table or codes."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    table: str | None = None  # a code table, relative to the configuration folder
    codes: dict[str, str] | None = None

    _codes = field_validator("codes", mode="before")(codes_as_text)

    @model_validator(mode="after")
    def _one(self) -> ValueMap:
        if (self.table is None) == (self.codes is None):
            raise ValueError("give either table (a code table file) or codes (an inline map)")
        if self.codes is not None and not self.codes:
            raise ValueError("codes is empty")
        return self


class Classify(BaseModel):
    """Fill ``column`` with the leaf of its vocabulary whose keywords the text holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    column: str = "category"
    text: str = "description"  # read redacted: personal data never decides a category


class Locate(BaseModel):
    """Fill the community (and optionally the location) from place names in the text."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    text: str = "description"
    community: str = "community_code"
    location: str | None = "location"  # the first road-and-number or compound found


class SourceMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    fields: dict[str, str] = Field(default_factory=dict)
    constants: dict[str, str] = Field(default_factory=dict)
    absent: list[str] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list)
    values: dict[str, ValueMap] = Field(default_factory=dict)
    times: ChannelTimes | None = None
    classify: Classify | None = None
    locate: Locate | None = None

    @model_validator(mode="after")
    def _disjoint(self) -> SourceMapping:
        claims: dict[str, str] = {}
        filled = []
        if self.classify:
            filled.append(("classify.column", self.classify.column))
        if self.locate:
            filled.append(("locate.community", self.locate.community))
            if self.locate.location:
                filled.append(("locate.location", self.locate.location))
        for where, columns in (
            ("fields", list(self.fields)),
            ("constants", list(self.constants)),
            ("absent", self.absent),
            *((w, [c]) for w, c in filled),
        ):
            for column in columns:
                if column in claims and claims[column] != where:
                    raise ValueError(
                        f"column {column!r} is in both {claims[column]} and {where}; "
                        "a column comes from one place"
                    )
                claims[column] = where
        coded = [c for c in self.values if c in self.constants or c in self.absent]
        if coded:
            raise ValueError(f"values maps {coded}, which the channel does not send")
        return self

    def filled(self) -> set[str]:
        """Columns filled at staging from the text (classify, locate)."""
        out: set[str] = set()
        if self.classify:
            out.add(self.classify.column)
        if self.locate:
            out.add(self.locate.community)
            if self.locate.location:
                out.add(self.locate.location)
        return out

    def not_sent(self) -> set[str]:
        """Contract columns the channel does not send (constant, absent or filled)."""
        return set(self.constants) | set(self.absent) | self.filled()


def channel_fields(contract: DatasetContract, mapping: SourceMapping | None) -> dict[str, str]:
    """The fields a channel sends, each with the contract column it lands in, in contract
    order: the mapping's name for it, else the contract's ``source:`` name."""
    fields = mapping.fields if mapping else {}
    skipped = mapping.not_sent() if mapping else set()
    return {
        fields.get(c.name, c.source_name): c.name
        for c in contract.columns
        if not c.derived_from and c.name not in skipped
    }
