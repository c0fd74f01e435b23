"""A bounded random sample of a table file (CSV, Excel, Parquet), every value as text.

Classification looks at a sample, so reading should cost what the sample
costs, not what the table costs, where the format allows it:

- Parquet: whole row groups are picked at random until the sample is full,
  and only those are read.
- CSV: a file up to ``CSV_WHOLE_BYTES`` is read once with reservoir sampling
  (quoted fields may span lines there); a larger one is read as blocks at
  random byte offsets, each starting after its first line break (GBK and
  UTF-8 never use the newline byte inside a character), and rows whose field
  count differs from the header's are dropped.
- Excel: rows are streamed from the first sheet with reservoir sampling.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

SAMPLE_ROWS = 1_000
CSV_WHOLE_BYTES = 16 << 20
CSV_BLOCK_BYTES = 64 << 10
# A row as read: a CSV row, or an Excel row's cells as text (None for an empty cell).
Row = TypeVar("Row")
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet")


class TableReadError(ValueError):
    """The file cannot be read as a table; the message names the file."""


def sample_file(path: Path, rows: int = SAMPLE_ROWS, seed: int = 0) -> pa.Table:
    """Up to ``rows`` rows of the file, chosen at random (repeatably), as string columns."""
    path = Path(path)
    if not path.is_file():
        raise TableReadError(f"{path}: no such file")
    suffix = path.suffix.lower()
    rng = random.Random(seed)
    try:
        if suffix == ".parquet":
            return _sample_parquet(path, rows, rng)
        if suffix in (".csv", ".txt"):
            return _sample_csv(path, rows, rng)
        if suffix in (".xlsx", ".xlsm", ".xls"):
            return _sample_excel(path, rows, rng)
    except TableReadError:
        raise
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise TableReadError(f"{path}: cannot read as a table: {exc}") from None
    raise TableReadError(f"{path}: unknown table format {suffix!r} (expected one of {SUFFIXES})")


def as_text_columns(table: pa.Table) -> pa.Table:
    """Every column cast to string; a column that cannot be shown as text becomes nulls."""
    columns = []
    for column in table.columns:
        try:
            columns.append(pc.cast(column, pa.string()))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            columns.append(pa.nulls(len(column), pa.string()))
    return pa.table(columns, names=[str(name) for name in table.column_names])


def _sample_parquet(path: Path, rows: int, rng: random.Random) -> pa.Table:
    parquet = pq.ParquetFile(path)
    groups = list(range(parquet.num_row_groups))
    rng.shuffle(groups)
    chosen, total = [], 0
    for group in groups:
        chosen.append(group)
        total += parquet.metadata.row_group(group).num_rows
        if total >= rows:
            break
    table = (
        parquet.read_row_groups(sorted(chosen)) if chosen else parquet.schema_arrow.empty_table()
    )
    if table.num_rows > rows:
        table = table.take(sorted(rng.sample(range(table.num_rows), rows)))
    return as_text_columns(table)


def _sample_csv(path: Path, rows: int, rng: random.Random) -> pa.Table:
    from connectors.encoding import detect_encoding

    encoding = detect_encoding(path)
    if path.stat().st_size <= CSV_WHOLE_BYTES:
        with path.open("r", encoding=encoding, newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise TableReadError(f"{path}: empty file")
            return _text_table(header, _reservoir(reader, rows, rng))
    return _sample_csv_blocks(path, encoding, rows, rng)


def _sample_csv_blocks(path: Path, encoding: str, rows: int, rng: random.Random) -> pa.Table:
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(CSV_BLOCK_BYTES)
        first_break = head.find(b"\n")
        if first_break < 0:
            raise TableReadError(f"{path}: no line break in the first {CSV_BLOCK_BYTES} bytes")
        header = next(csv.reader([head[:first_break].decode(encoding).rstrip("\r")]))
        blocks = max(1, min(size // CSV_BLOCK_BYTES, -(-rows // 20)))
        offsets = sorted(rng.sample(range(first_break + 1, size), blocks))
        sampled: list[list[str]] = []
        for offset in offsets:
            handle.seek(offset)
            block = handle.read(CSV_BLOCK_BYTES)
            start, end = block.find(b"\n") + 1, block.rfind(b"\n")
            if 0 < start <= end:
                text = block[start:end].decode(encoding, errors="replace")
                sampled.extend(r for r in csv.reader(io.StringIO(text)) if len(r) == len(header))
    return _text_table(header, _reservoir(sampled, rows, rng))


def _sample_excel(path: Path, rows: int, rng: random.Random) -> pa.Table:
    from python_calamine import CalamineWorkbook

    from connectors.files import cell_text

    workbook = CalamineWorkbook.from_path(str(path))
    if not workbook.sheet_names:
        raise TableReadError(f"{path}: the workbook has no sheet")
    sheet_rows = iter(workbook.get_sheet_by_index(0).iter_rows())
    header_cells = next(sheet_rows, None)
    if header_cells is None:
        raise TableReadError(f"{path}: the first sheet is empty")
    header = [cell_text(cell) or f"column_{i + 1}" for i, cell in enumerate(header_cells)]
    body = ([cell_text(cell) for cell in row] for row in sheet_rows)
    return _text_table(header, _reservoir(body, rows, rng))


def _reservoir(items: Iterable[Row], size: int, rng: random.Random) -> list[Row]:
    """A uniform random sample of ``size`` items in one pass (Algorithm R), in input order."""
    kept: list[tuple[int, Row]] = []
    for index, item in enumerate(items):
        if index < size:
            kept.append((index, item))
        else:
            slot = rng.randint(0, index)
            if slot < size:
                kept[slot] = (index, item)
    return [item for _, item in sorted(kept, key=lambda pair: pair[0])]


def _text_table(header: list[str], rows: Sequence[Sequence[str | None]]) -> pa.Table:
    names = _unique_names(header)
    columns: list[list[str | None]] = [[] for _ in names]
    for row in rows:
        for index in range(len(names)):
            value = row[index] if index < len(row) else None
            columns[index].append(value if value not in ("", None) else None)
    return pa.table(
        {name: pa.array(values, pa.string()) for name, values in zip(names, columns, strict=True)}
    )


def _unique_names(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    for index, raw in enumerate(header):
        name = (raw or "").strip().lstrip("\ufeff") or f"column_{index + 1}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return names
