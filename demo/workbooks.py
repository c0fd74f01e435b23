"""Settings shared by the demo's Excel workbooks, and the plain one-sheet writer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

import xlsxwriter

# A fixed creation time keeps workbooks byte-identical between runs of one seed.
FIXED_PROPERTIES = {
    "author": "示范区",
    "created": dt.datetime(2026, 11, 20, 18, 0, 0),
}


def write_sheet(
    path: Path, sheet: str, headers: Sequence[str], rows: Iterable[Sequence[object]]
) -> int:
    """One sheet: a header row, then the rows as a clerk keeps them.

    Text as text cells, dates as date cells, and a float as a number cell (an ID
    Excel has damaged shows as 4.40305E+17); empty values leave the cell empty.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    written = 0
    try:
        book.set_properties(FIXED_PROPERTIES)
        out = book.add_worksheet(sheet)
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        out.write_row(0, 0, list(headers))
        for written, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                if isinstance(value, float):
                    out.write_number(written, column, value)
                elif isinstance(value, dt.date):
                    out.write_datetime(written, column, value, day)
                elif value:
                    out.write_string(written, column, str(value))
    finally:
        book.close()
    return written
