"""The 12345 drop folder: monthly GBK CSV exports."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from demo.cases import EXPORTS, CaseExport, CaseRecord
from demo.dates import iso_date, iso_datetime


class _GbkCsv:
    """A CSV export the way the hotline system writes it: GBK, CRLF."""

    def __init__(self, path: Path, headers: tuple[str, ...], stack: ExitStack) -> None:
        out = stack.enter_context(path.open("w", encoding="gbk", newline=""))
        self._writer = csv.writer(out, lineterminator="\r\n")
        self._writer.writerow(headers)

    def write(self, record: CaseRecord) -> None:
        self._writer.writerow(_as_text(record))


def _as_text(record: CaseRecord) -> list[Any]:
    received = record.received
    return [
        record.case_no,
        record.channel,
        iso_datetime(received) if isinstance(received, dt.datetime) else received,
        record.category,
        record.description,
        record.location,
        record.community,
        record.reporter,
        record.phone,
        record.department,
        record.urgency,
        iso_date(record.deadline),
        record.transfers,
        "" if record.closed is None else iso_datetime(record.closed),
        record.satisfaction,
    ]


def write_case_files(
    departments: Path, cases: Iterable[tuple[CaseExport, CaseRecord]]
) -> dict[str, int]:
    """Write every export (the files exist even when empty); rows written per file."""
    counts = {export.file: 0 for export in EXPORTS}
    with ExitStack() as stack:
        writers: dict[CaseExport, _GbkCsv] = {}
        for export in EXPORTS:
            path = departments / export.file
            path.parent.mkdir(parents=True, exist_ok=True)
            writers[export] = _GbkCsv(path, export.headers, stack)
        for export, record in cases:
            writers[export].write(record)
            counts[export.file] += 1
    return counts
