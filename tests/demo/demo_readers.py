"""Read back what the demo wrote, the plain way a test can trust."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_any_date(text: str) -> dt.date | None:
    """The date spellings departments use; None when it is not a real date."""
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text.strip())
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                return None
    return None


def population_rows(path: Path) -> list[dict[str, Any]]:
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    try:
        return [
            dict(row) for row in connection.execute("SELECT * FROM residents ORDER BY person_id")
        ]
    finally:
        connection.close()


def jsonl_records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def gbk_csv(path: Path) -> list[dict[str, str]]:
    text = path.read_bytes().decode("gbk")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def sheet_rows(path: Path, sheet: str) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def ledger(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as source:
        return list(csv.DictReader(source))


def ledger_kinds(path: Path, source: str, file: str | None = None) -> dict[int, str]:
    """1-based row (or person_id) -> dirt kind, for one source (and file)."""
    return {
        int(entry["row"]): entry["kind"]
        for entry in ledger(path)
        if entry["source"] == source and (file is None or entry["file"] == file)
    }
