"""The unit every connector produces."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

import pyarrow as pa

from connectors.watermark import Watermark


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
    watermark: Watermark | None = None  # highest incremental value in this batch, if any
    rejected: list[RejectedRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Connector(Protocol):
    """What every connector offers.

    After ``read`` has been consumed to its end, ``declared_rows`` is the number of
    rows the source itself says it holds for that read (a total in the API's answer,
    ``count(*)`` on the SQL side), or None when the source does not say; and
    ``source_schema`` is each column the source described with its type as the source
    names it, in source order (empty when the source does not describe itself). The
    raw landing compares both with what was read and with the last batch.
    """

    declared_rows: int | None
    source_schema: dict[str, str]

    def check(self) -> dict[str, object]:
        """Connect and report what is there, changing nothing."""
        ...

    def read(self, *, since: Watermark | None = None) -> Iterator[SourceBatch]:
        """Stream the source (rows changed after ``since`` when incremental)."""
        ...


class SourceUnavailable(RuntimeError):
    """The department system could not be reached after retries."""


class SourceDataError(ValueError):
    """The source answered with data we cannot read; the message names where."""


class PagingError(SourceDataError):
    """An API's pages do not add up to the whole (repeated page, stuck cursor, early empty
    page, changed envelope, counts that disagree): the sync stops, nothing is published."""


class BadSourceFile(SourceDataError):
    """One dropped file cannot be read as a whole; it is quarantined as a file and the
    other files of the drop still load."""

    def __init__(self, file_name: str, reason: str) -> None:
        super().__init__(f"{file_name}: {reason}")
        self.file_name = file_name
        self.reason = reason


class FileChanged(SourceDataError):
    """A dropped file changed while it was being read; it is left for the next run."""

    def __init__(self, file_name: str, detail: str) -> None:
        super().__init__(f"{file_name}: changed while it was being read ({detail}); retried later")
        self.file_name = file_name


def text_batch(
    header: list[str],
    rows: list[list[str | None]],
    positions: list[str],
    origin: str,
    rejected: list[RejectedRow],
    notes: list[str],
) -> SourceBatch:
    """A batch of a dropped file's text rows, where each was read and what was rejected."""
    return SourceBatch(
        strings_batch(header, rows),
        pa.array(positions, pa.string()),
        origin,
        rejected=rejected,
        notes=list(notes),
    )


def strings_batch(columns: list[str], rows: list[list[str | None]]) -> pa.RecordBatch:
    """Build a record batch of text columns from row lists."""
    arrays = [pa.array([row[i] for row in rows], type=pa.string()) for i in range(len(columns))]
    return pa.RecordBatch.from_arrays(arrays, names=columns)
