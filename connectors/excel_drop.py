"""Reading one Excel drop: every sheet's header checked before a row is yielded, rows at
the sheet's own row numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from connectors.batch import BadSourceFile, RejectedRow, SourceBatch, strings_batch
from connectors.drop_header import clean_header
from connectors.file_kind import XLSX_SUFFIXES
from connectors.workbook_check import check_xlsx


def cell_text(value: Any) -> str | None:
    """Excel cell → the text a person sees, keeping damage visible.

    Large numbers stay in scientific notation (1.10101e+17) so that an ID number
    Excel turned into a float is flagged downstream instead of silently accepted.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def numbered_rows(sheet: Any) -> Iterator[tuple[int, list[Any]]]:
    """(sheet row number, cells) for every row of a calamine sheet.

    python-calamine 0.9 pads ``iter_rows`` from row 1; a version that starts at the used
    range instead (``sheet.start``) is recognised by a first row that is not blank.
    """
    rows = sheet.iter_rows()
    first = next(rows, None)
    if first is None:
        return
    top = sheet.start[0] if sheet.start else 0
    offset = top if top > 0 and any(v not in (None, "") for v in first) else 0
    yield offset + 1, first
    yield from enumerate(rows, start=offset + 2)


def read_excel(
    path: Path,
    name: str,
    sheet: str | None,
    renames: Mapping[str, str],
    *,
    batch_rows: int,
) -> Iterator[SourceBatch]:
    """Batches of every selected sheet of ``path`` (a private snapshot) under ``name``."""
    from python_calamine import CalamineError, CalamineWorkbook

    if Path(name).suffix.lower() in XLSX_SUFFIXES:
        check_xlsx(path, name, [sheet] if sheet else None)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except CalamineError as err:
        raise BadSourceFile(name, f"the workbook cannot be opened: {err}") from None
    with book:
        names = [sheet] if sheet else list(book.sheet_names)
        for sheet_name in names:
            if sheet_name not in book.sheet_names:
                known = ", ".join(repr(s) for s in book.sheet_names)
                raise BadSourceFile(name, f"no sheet named {sheet_name!r} (it has {known})")
        # First pass: every header, so that a bad sheet stops the file before any batch.
        headers = {s: _sheet_header(_sheet(book, name, s), name, s, renames) for s in names}
        if all(h is None for h in headers.values()):
            what = f"sheet {sheet!r} is empty" if sheet else "no sheet holds any value"
            raise BadSourceFile(name, f"{what}: the workbook has no header row to read")
        for sheet_name, found in headers.items():
            if found is not None:
                yield from _read_sheet(
                    _sheet(book, name, sheet_name), name, sheet_name, *found, batch_rows
                )


def _sheet(book: Any, name: str, sheet_name: str) -> Any:
    from python_calamine import CalamineError

    try:
        return book.get_sheet_by_name(sheet_name)
    except CalamineError as err:
        raise BadSourceFile(name, f"sheet {sheet_name!r} cannot be read: {err}") from None


def _sheet_header(
    sheet: Any, name: str, sheet_name: str, renames: Mapping[str, str]
) -> tuple[int, list[str]] | None:
    """(row number, column names) of the sheet's first non-blank row; None if it is empty."""
    for number, raw in numbered_rows(sheet):
        names = [cell_text(v) for v in raw]
        if not any(names):
            continue
        while names and not names[-1]:
            names.pop()  # the sheet is as wide as its widest row; a stray cell is not a column
        where = f"sheet {sheet_name!r} row {number}: "
        return number, clean_header(names, renames, name, where)
    return None


def _read_sheet(
    sheet: Any, name: str, sheet_name: str, header_row: int, header: list[str], batch_rows: int
) -> Iterator[SourceBatch]:
    where = f"{name}[{sheet_name}]"
    width = len(header)
    buffer: list[list[str | None]] = []
    positions: list[str] = []
    rejected: list[RejectedRow] = []
    yielded = False
    for number, raw in numbered_rows(sheet):
        if number <= header_row:
            continue
        cells = [cell_text(v) for v in raw]
        if not any(cells):
            continue  # blank spreadsheet rows are formatting, not data
        if any(cells[width:]):
            rejected.append(
                RejectedRow(
                    position=f"{where}:row {number}",
                    reason=f"row has values beyond the {width} named columns",
                    text="\t".join(c or "" for c in cells),
                )
            )
            continue
        buffer.append((cells + [None] * width)[:width])
        positions.append(f"{where}:row {number}")
        if len(buffer) >= batch_rows:
            yield SourceBatch(
                strings_batch(header, buffer), pa.array(positions), where, rejected=rejected
            )
            yielded = True
            buffer, positions, rejected = [], [], []
    if buffer or rejected or not yielded:
        yield SourceBatch(
            strings_batch(header, buffer),
            pa.array(positions, pa.string()),
            where,
            rejected=rejected,
        )
