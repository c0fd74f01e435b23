"""Name the delivery a leaked file came from, or say that none matches.

Two kinds of evidence, read from a CSV (UTF-8 or GBK/GB18030), an XLSX
workbook or pasted text:

1. marks (audit.watermark): zero-width runs whose keyed checksum holds and
   whose mark id the register gave to a delivery. Each marked cell names its
   delivery on its own, so removed, re-ordered or dropped rows and columns and
   a few cells pasted into a chat keep it.
2. content (audit.fingerprints): how many of the file's rows are rows that
   delivery held (most of a row's cells, one of them a distinctive value).

A delivery is named only when its mark is in the file and its rows are too.
Content alone never names anyone: ten recipients of the same list hold the
same rows, and so does whoever rebuilt the list by hand. Then the answer is
"no delivery matches", with the deliveries that held the same rows listed for
the reviewer to follow up.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from audit.deliveries import Delivery, Register
from audit.fingerprints import distinctive, fingerprint, normalised
from audit.watermark import marks_in

NO_MATCH = "no delivery matches"
TRACED = "traced"
_ROW_SHARE = 0.6  # of a row's cells that must be cells of one delivered row
_TEXT_SEPARATORS = re.compile(r"[\s,，;；|、:：]+")


@dataclass
class Finding:
    delivery: Delivery
    marked_cells: int  # cells carrying its mark
    rows_matched: int  # rows of the file that are rows it delivered
    confidence: str  # high, medium or low

    def to_dict(self) -> dict[str, object]:
        return {
            **self.delivery.summary(),
            "marked_cells": self.marked_cells,
            "rows_matched": self.rows_matched,
            "confidence": self.confidence,
        }


@dataclass
class TraceResult:
    verdict: str  # TRACED or NO_MATCH
    rows_read: int
    findings: list[Finding] = field(default_factory=list)  # the deliveries named
    weak: list[Finding] = field(default_factory=list)  # a mark without its rows
    same_rows: list[Finding] = field(default_factory=list)  # content only, never named
    unknown_marks: int = 0  # valid marks the register does not know (another hub's key)
    broken_marks: int = 0  # zero-width runs that are no valid mark

    def to_dict(self) -> dict[str, object]:
        return {
            "verdict": self.verdict,
            "rows_read": self.rows_read,
            "deliveries": [f.to_dict() for f in self.findings],
            "marks_without_rows": [f.to_dict() for f in self.weak],
            "same_rows_also_in": [f.to_dict() for f in self.same_rows],
            "unknown_marks": self.unknown_marks,
            "broken_marks": self.broken_marks,
        }


def read_rows(path: Path) -> list[list[str]]:
    """The file's rows as text cells: XLSX by its sheets, CSV by its dialect, else by line."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path)
    text = _decoded(path.read_bytes())
    if suffix == ".csv":
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], ",\t;")
        except csv.Error:
            dialect = csv.excel
        return [row for row in csv.reader(io.StringIO(text), dialect) if any(row)]
    return [
        [cell for cell in _TEXT_SEPARATORS.split(line) if cell]
        for line in text.splitlines()
        if line.strip()
    ]


def _decoded(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")  # GBK's superset


def _xlsx_rows(path: Path) -> list[list[str]]:
    import openpyxl  # only for this format

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = []
        for sheet in book.worksheets:
            for values in sheet.iter_rows(values_only=True):
                cells = ["" if v is None else _cell_text(v) for v in values]
                if any(cells):
                    rows.append(cells)
        return rows
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def trace(rows: list[list[str]], register: Register) -> TraceResult:
    key = register.key()
    deliveries = list(register.deliveries())
    marks, broken = marks_in((cell for row in rows for cell in row), key)
    matched = _rows_matched(rows, deliveries, key)
    by_mark = {d.mark: d for d in deliveries if d.mark is not None}
    result = TraceResult(NO_MATCH, len(rows), broken_marks=broken)
    named: set[str] = set()
    for mark_id, cells in marks.most_common():
        delivery = by_mark.get(mark_id)
        if delivery is None:
            result.unknown_marks += cells
            continue
        rows_matched = matched.get(delivery.id, 0)
        if rows_matched == 0:
            result.weak.append(Finding(delivery, cells, 0, "low"))
            continue
        strong = cells >= 2 or rows_matched >= 2
        result.findings.append(
            Finding(delivery, cells, rows_matched, "high" if strong else "medium")
        )
        named.add(delivery.id)
    if result.findings:
        result.verdict = TRACED
    result.same_rows = [
        Finding(d, 0, matched[d.id], "none")
        for d in deliveries
        if matched.get(d.id) and d.id not in named
    ]
    return result


def trace_file(path: Path, register: Register) -> TraceResult:
    return trace(read_rows(path), register)


def _rows_matched(rows: list[list[str]], deliveries: list[Delivery], key: bytes) -> dict[str, int]:
    """For each delivery, how many of the file's rows are rows it delivered."""
    index: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for d_index, delivery in enumerate(deliveries):
        for r_index, cells in enumerate(delivery.rows):
            for cell in cells:
                index[cell].append((d_index, r_index))
    counts: Counter[str] = Counter()
    for row in rows:
        texts = {t for t in (normalised(cell) for cell in row) if t is not None}
        hits = {t: index[f] for t in texts if (f := fingerprint(t, key)) in index}
        if not hits:
            continue  # a header, or words of the chat message around the rows
        # Most of the row's delivered-looking cells must be cells of one delivered row.
        needed = max(1, math.ceil(_ROW_SHARE * len(hits)))
        shared: Counter[tuple[int, int]] = Counter()
        telling: set[tuple[int, int]] = set()
        for text, holders in hits.items():
            for hit in holders:
                shared[hit] += 1
                if distinctive(text):
                    telling.add(hit)
        holding = {d for (d, r), n in shared.items() if n >= needed and (d, r) in telling}
        for d_index in holding:
            counts[deliveries[d_index].id] += 1
    return dict(counts)
