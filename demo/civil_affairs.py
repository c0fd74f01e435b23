"""The civil-affairs assistance roll as the department keeps it: an Excel workbook."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from demo.assistance import HEADERS, SHEET, AssistanceRow
from demo.workbooks import write_sheet


def write_assistance_roll(path: Path, rows: Iterable[AssistanceRow]) -> int:
    """Sheet 花名册: IDs and phones as text cells, dates as date cells.

    An ID Excel has damaged arrives as a float and is written as a number cell,
    which Excel shows as 4.40305E+17.
    """
    return write_sheet(path, SHEET, HEADERS, rows)
