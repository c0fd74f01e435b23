"""The civil-affairs assistance roll as the department keeps it: an Excel workbook."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import xlsxwriter

from demo.assistance import HEADERS, SHEET, AssistanceRow
from demo.workbooks import FIXED_PROPERTIES


def write_assistance_roll(path: Path, rows: Iterable[AssistanceRow]) -> int:
    """Sheet 花名册: IDs and phones as text cells, dates as date cells.

    An ID Excel has damaged arrives as a float and is written as a number cell,
    which Excel shows as 4.40305E+17.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    written = 0
    try:
        book.set_properties(FIXED_PROPERTIES)
        sheet = book.add_worksheet(SHEET)
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, HEADERS)
        for written, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                if isinstance(value, float):
                    sheet.write_number(written, column, value)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(written, column, value, day)
                elif value:
                    sheet.write_string(written, column, value)
    finally:
        book.close()
    return written
