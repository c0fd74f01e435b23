"""Reading one CSV drop whose bytes were checked first: every row where a person sees it.

Positions (``name.csv:row N``) are physical line numbers with the header on line 1, as
an editor or a spreadsheet shows them: blank lines count (and yield no row), a quoted
value spanning lines is at the line where its record starts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from connectors.batch import BadSourceFile, RejectedRow, SourceBatch, text_batch
from connectors.drop_header import clean_header
from connectors.encoding import detect_encoding, scan_text

BLOCK_BYTES = 4 << 20


def read_csv(
    path: Path, name: str, encoding: str, renames: Mapping[str, str], *, batch_rows: int
) -> Iterator[SourceBatch]:
    """Batches of ``path`` (a private snapshot) reported under ``name``.

    Raises BadSourceFile before the first batch when the file cannot be read as a whole
    (encoding unknown or broken somewhere, no header, bad header).
    """
    if encoding == "auto":
        try:
            encoding = detect_encoding(path)
        except ValueError:
            raise BadSourceFile(
                name, "cannot tell the text encoding; name it in the source config"
            ) from None
    shape = scan_text(path, encoding, name=name)
    header, header_lines = _header(path, name, encoding, renames)
    notes = [f"encoding {encoding}"]
    emitted = 0
    if shape.one_line_records and header_lines == 1:
        # No blank lines and (checked per batch) no value spanning lines: pyarrow's row i
        # is on line i + 2.
        fast = _read_fast(path, name, encoding, header, notes)
        try:
            for batch in fast:
                yield batch
                emitted += batch.records.num_rows
        except (pa.ArrowInvalid, _SpansLines):
            # A malformed row (pyarrow cannot say which without shifting later rows) or a
            # line longer than a block: the exact reader continues after the last good row.
            yield from _read_exactly(
                path, name, encoding, header, notes, skip=emitted, batch_rows=batch_rows
            )
            return
        if not emitted:
            yield _empty(header, name, notes)
        return
    yield from _read_exactly(path, name, encoding, header, notes, skip=0, batch_rows=batch_rows)


def _header(
    path: Path, name: str, encoding: str, renames: Mapping[str, str]
) -> tuple[list[str], int]:
    """The header and how many physical lines it takes."""
    with path.open("r", encoding=encoding, newline="") as handle:
        reader = csv.reader(handle)
        first = next(reader, None)
        if not first:
            raise BadSourceFile(name, "line 1 is blank: the header row must be on line 1")
        return clean_header(list(first), renames, name), reader.line_num


class _SpansLines(Exception):
    """A value of this batch holds a line break: line numbers need the exact reader."""


def _spans_lines(batch: pa.RecordBatch) -> bool:
    return any(
        pc.any(pc.match_substring_regex(column, "[\r\n]")).as_py() for column in batch.columns
    )


def _read_fast(
    path: Path, name: str, encoding: str, header: list[str], notes: list[str]
) -> Iterator[SourceBatch]:
    def on_invalid(row: Any) -> str:
        return "error"  # stop; the exact reader takes over from the last good row

    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(
            encoding=encoding, column_names=header, skip_rows=1, block_size=BLOCK_BYTES
        ),
        parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(
            column_types={column: pa.string() for column in header},
            strings_can_be_null=True,
            null_values=[""],
            quoted_strings_can_be_null=True,
        ),
    )
    emitted = 0
    for batch in reader:
        if _spans_lines(batch):
            raise _SpansLines
        positions = pa.array(
            [f"{name}:row {emitted + i + 2}" for i in range(batch.num_rows)], pa.string()
        )
        yield SourceBatch(records=batch, positions=positions, origin=name, notes=list(notes))
        emitted += batch.num_rows


def _read_exactly(
    path: Path,
    name: str,
    encoding: str,
    header: list[str],
    notes: list[str],
    *,
    skip: int,
    batch_rows: int,
) -> Iterator[SourceBatch]:
    """Python's csv reader, slower than pyarrow but it knows every record's first line.

    ``skip`` data records (not counting blank lines) were yielded already.
    """
    width = len(header)
    buffer: list[list[str | None]] = []
    positions: list[str] = []
    rejected: list[RejectedRow] = []
    seen = 0
    yielded = False
    with path.open("r", encoding=encoding, newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)  # the header, checked already
        line = reader.line_num
        try:
            for fields in reader:
                start, line = line + 1, reader.line_num
                if not fields:
                    continue  # a blank line: no row, but it keeps its number
                seen += 1
                if seen <= skip:
                    continue
                where = f"{name}:row {start}"
                if len(fields) != width:
                    reason = f"row has {len(fields)} fields, expected {width}"
                    rejected.append(RejectedRow(where, reason, _csv_line(fields)))
                    continue
                buffer.append([value or None for value in fields])
                positions.append(where)
                if len(buffer) >= batch_rows:
                    yield text_batch(header, buffer, positions, name, rejected, notes)
                    yielded = True
                    buffer, positions, rejected = [], [], []
        except csv.Error as err:
            raise BadSourceFile(name, f"line {line + 1}: {err}") from None
    if buffer or rejected or not (yielded or skip):
        yield text_batch(header, buffer, positions, name, rejected, notes)


def _empty(header: list[str], name: str, notes: list[str]) -> SourceBatch:
    return text_batch(header, [], [], name, [], notes)


def _csv_line(fields: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    return out.getvalue()
