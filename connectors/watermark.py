"""Typed watermarks: the highest change value a sync has read, never a bare string.

An incremental source is read from its last committed watermark on. Text order is
wrong for both kinds a change column can hold ("10" < "9"; "2024/1/5" > "2024-12-01"),
so a watermark is a timestamp or an integer and is compared as one. It is stored in
``lake.meta.batches.watermark`` as ``kind:value`` (``timestamp:2026-11-30 08:15:00``,
``integer:1042``); values written before kinds existed are read back by their shape.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

WatermarkKind = Literal["timestamp", "integer"]
KINDS: tuple[WatermarkKind, ...] = ("timestamp", "integer")


class WatermarkError(ValueError):
    """A stored watermark cannot be read back; the message says which and why."""


@dataclass(frozen=True)
class Watermark:
    kind: WatermarkKind
    value: dt.datetime | int

    def __post_init__(self) -> None:
        expected = dt.datetime if self.kind == "timestamp" else int
        if not isinstance(self.value, expected) or isinstance(self.value, bool):
            raise WatermarkError(f"a {self.kind} watermark cannot hold {self.value!r}")

    def __str__(self) -> str:
        if isinstance(self.value, dt.datetime):
            return self.value.isoformat(sep=" ")
        return str(self.value)

    def encode(self) -> str:
        """The stored form, ``kind:value``."""
        return f"{self.kind}:{self}"

    @classmethod
    def decode(cls, stored: str) -> Watermark:
        kind, sep, text = stored.partition(":")
        if sep and kind in KINDS:
            return cls.parse(kind, text)
        # Written before watermarks had kinds: an integer, else a timestamp.
        try:
            return cls("integer", int(stored))
        except ValueError:
            return cls.parse("timestamp", stored)

    @classmethod
    def parse(cls, kind: WatermarkKind, text: str) -> Watermark:
        try:
            if kind == "integer":
                return cls(kind, int(text))
            return cls(kind, dt.datetime.fromisoformat(text.strip()).replace(tzinfo=None))
        except ValueError:
            raise WatermarkError(f"{text!r} is not a {kind} watermark") from None

    def _same_kind(self, other: Watermark) -> None:
        if other.kind != self.kind:
            raise WatermarkError(
                f"cannot compare a {self.kind} watermark with a {other.kind} one: the change "
                "column changed type"
            )

    def __lt__(self, other: Watermark) -> bool:
        self._same_kind(other)
        return self.value < other.value  # type: ignore[operator]

    def __le__(self, other: Watermark) -> bool:
        return self == other or self < other

    def __gt__(self, other: Watermark) -> bool:
        return other < self

    def __ge__(self, other: Watermark) -> bool:
        return other <= self
