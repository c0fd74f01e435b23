"""The unit every connector produces."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

import pyarrow as pa


@dataclass(frozen=True)
class RejectedRow:
    """A row the reader could not split into fields (e.g. a truncated last line)."""

    position: str
    reason: str
    text: str  # the row as read; personal data, sealed before it is stored


@dataclass
class SourceBatch:
    """Rows as the source holds them (all values text) and where each came from."""

    records: pa.RecordBatch
    positions: pa.Array  # one string per row: "file.csv:17", "residents#42", "page 3 item 12"
    origin: str  # the file, table or endpoint the batch came from
    watermark: str | None = None  # highest incremental value in this batch, if any
    rejected: list[RejectedRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Connector(Protocol):
    def check(self) -> dict[str, object]:
        """Connect and report what is there, changing nothing."""
        ...

    def read(self, *, since: str | None = None) -> Iterator[SourceBatch]:
        """Stream the source (rows changed after ``since`` when incremental)."""
        ...


class SourceUnavailable(RuntimeError):
    """The department system could not be reached after retries."""


class SourceDataError(ValueError):
    """The source answered with data we cannot read; the message names where."""


def strings_batch(columns: list[str], rows: list[list[str | None]]) -> pa.RecordBatch:
    """Build a record batch of text columns from row lists."""
    arrays = [pa.array([row[i] for row in rows], type=pa.string()) for i in range(len(columns))]
    return pa.RecordBatch.from_arrays(arrays, names=columns)
