"""The 12345 drop folder: GBK CSV exports and a WeChat-desk Excel workbook."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Protocol

import xlsxwriter

from demo.cases import EXPORTS, WORKBOOK_SHEET, CaseExport, CaseRecord
from demo.dates import iso_date, iso_datetime
from demo.workbooks import FIXED_PROPERTIES


class _ExportWriter(Protocol):
    def write(self, record: CaseRecord) -> None: ...


class _GbkCsv:
    """A CSV export the way the hotline system writes it: GBK, CRLF."""

    def __init__(self, path: Path, headers: tuple[str, ...], stack: ExitStack) -> None:
        out = stack.enter_context(path.open("w", encoding="gbk", newline=""))
        self._writer = csv.writer(out, lineterminator="\r\n")
        self._writer.writerow(headers)

    def write(self, record: CaseRecord) -> None:
        self._writer.writerow(_as_text(record))


class _Workbook:
    """An Excel export: times and dates as real date cells unless the desk typed text."""

    def __init__(self, path: Path, headers: tuple[str, ...], stack: ExitStack) -> None:
        book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        stack.callback(book.close)
        book.set_properties(FIXED_PROPERTIES)
        self._sheet = book.add_worksheet(WORKBOOK_SHEET)
        self._moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self._day = book.add_format({"num_format": "yyyy-mm-dd"})
        self._sheet.write_row(0, 0, headers)
        self._row = 0

    def write(self, record: CaseRecord) -> None:
        self._row += 1
        sheet, row = self._sheet, self._row
        for column, value in enumerate(record):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(row, column, value, self._moment)
            elif isinstance(value, dt.date):
                sheet.write_datetime(row, column, value, self._day)
            elif isinstance(value, int):
                sheet.write_number(row, column, value)
            elif value is None or value == "":
                continue
            else:
                sheet.write_string(row, column, value)


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
        writers: dict[CaseExport, _ExportWriter] = {}
        for export in EXPORTS:
            path = departments / export.file
            path.parent.mkdir(parents=True, exist_ok=True)
            kind = _Workbook if export.workbook else _GbkCsv
            writers[export] = kind(path, export.headers, stack)
        for export, record in cases:
            writers[export].write(record)
            counts[export.file] += 1
    return counts
