"""File drops: CSV in any common Chinese encoding and Excel workbooks."""

from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import hashlib
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from connectors.batch import RejectedRow, SourceBatch, SourceDataError, strings_batch
from connectors.config import FileDropSource, expand_home
from connectors.encoding import detect_encoding

BATCH_ROWS = 50_000
# Files still being written are left for the next run: anything touched more
# recently than this, or named like a partial upload.
SETTLE_SECONDS = 2.0
PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial")


@dataclass(frozen=True)
class DropFile:
    path: Path
    sha256: str
    size: int


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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


class FileDropConnector:
    def __init__(self, source: FileDropSource, *, settle_seconds: float = SETTLE_SECONDS) -> None:
        self.source = source
        self.settle_seconds = settle_seconds

    @property
    def folder(self) -> Path:
        return Path(expand_home(self.source.folder))

    def survey(self, processed: set[str] | None = None) -> dict[str, list[DropFile]]:
        """Every matching file in the folder, by state: ready, processed or arriving.

        Arriving files are still being written (touched within the settle time or
        named like a partial upload) and are left for the next run.
        """
        processed = processed or set()
        states: dict[str, list[DropFile]] = {"ready": [], "processed": [], "arriving": []}
        if not self.folder.is_dir():
            return states
        now = time.time()
        for path in sorted(self.folder.iterdir()):
            if not path.is_file() or path.name.startswith((".", "~$")):
                continue
            partial = path.name.endswith(PARTIAL_SUFFIXES)
            name = path.name.removesuffix(Path(path.name).suffix) if partial else path.name
            if not any(fnmatch.fnmatch(name, pat) for pat in self.source.patterns):
                continue
            stat = path.stat()
            if partial or now - stat.st_mtime < self.settle_seconds:
                states["arriving"].append(DropFile(path=path, sha256="", size=stat.st_size))
                continue
            drop = DropFile(path=path, sha256=file_digest(path), size=stat.st_size)
            states["processed" if drop.sha256 in processed else "ready"].append(drop)
        return states

    def pending(self, processed: set[str] | None = None) -> list[DropFile]:
        """Files ready to read, oldest first, minus those whose content was processed before."""
        return self.survey(processed)["ready"]

    def check(self, processed: set[str] | None = None) -> dict[str, object]:
        states = self.survey(processed)
        return {
            "folder": str(self.folder),
            "folder_exists": self.folder.is_dir(),
            **{f"{state}_files": [f.path.name for f in files] for state, files in states.items()},
        }

    def read(self, *, since: str | None = None) -> Iterator[SourceBatch]:
        for drop in self.pending():
            yield from self.read_file(drop.path)

    def read_file(self, path: Path) -> Iterator[SourceBatch]:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            yield from self._read_excel(path)
        else:
            yield from self._read_csv(path)

    def _header(self, names: list[str | None], where: str) -> list[str]:
        header = [(n or "").strip().lstrip("\ufeff") for n in names]
        header = [self.source.renames.get(n, n) for n in header]
        if not header or any(not n for n in header):
            raise SourceDataError(f"{where}: header row has an empty column name")
        if len(set(header)) != len(header):
            raise SourceDataError(f"{where}: header row repeats a column name")
        return header

    def _read_csv(self, path: Path) -> Iterator[SourceBatch]:
        encoding = self.source.encoding
        if encoding == "auto":
            encoding = detect_encoding(path)
        with path.open("r", encoding=encoding, newline="") as handle:
            first = next(csv.reader(io.StringIO(handle.readline())), None)
        if not first:
            raise SourceDataError(f"{path}: empty file, no header row")
        header = self._header(list(first), str(path))
        notes = [f"encoding {encoding}"]
        malformed = False

        def on_invalid(row: Any) -> str:
            # With newlines allowed in values pyarrow cannot say where a bad row is, and
            # skipping it would shift the position of every later row: stop here and let
            # the exact reader below continue from the last good row.
            nonlocal malformed
            malformed = True
            return "error"

        emitted = 0  # data rows yielded so far: all good, all in file order
        try:
            reader = pacsv.open_csv(
                path,
                read_options=pacsv.ReadOptions(
                    encoding=encoding, column_names=header, skip_rows=1, block_size=4 << 20
                ),
                parse_options=pacsv.ParseOptions(
                    newlines_in_values=True, invalid_row_handler=on_invalid
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={name: pa.string() for name in header},
                    strings_can_be_null=True,
                    null_values=[""],
                    quoted_strings_can_be_null=True,
                ),
            )
            for batch in reader:
                # the header is row 1, as a spreadsheet shows it
                positions = pa.array(
                    [f"{path.name}:row {emitted + i + 2}" for i in range(batch.num_rows)]
                )
                yield SourceBatch(
                    records=batch, positions=positions, origin=path.name, notes=list(notes)
                )
                emitted += batch.num_rows
        except pa.ArrowInvalid:
            if not malformed:
                raise
            yield from self._read_csv_exactly(path, encoding, header, skip=emitted)
            return
        if not emitted:
            yield SourceBatch(
                records=strings_batch(header, []),
                positions=pa.array([], pa.string()),
                origin=path.name,
                notes=notes,
            )

    def _read_csv_exactly(
        self, path: Path, encoding: str, header: list[str], *, skip: int
    ) -> Iterator[SourceBatch]:
        """Python's csv reader, slower than pyarrow but it knows every row's number."""
        width = len(header)
        notes = [f"encoding {encoding}"]
        buffer: list[list[str | None]] = []
        positions: list[str] = []
        rejected: list[RejectedRow] = []
        with path.open("r", encoding=encoding, newline="") as handle:
            records = (r for r in csv.reader(handle) if r)  # blank lines, as pyarrow skips them
            next(records, None)  # the header
            for row_no, fields in enumerate(records, start=2):
                if row_no - 2 < skip:
                    continue
                if len(fields) != width:
                    rejected.append(
                        RejectedRow(
                            position=f"{path.name}:row {row_no}",
                            reason=f"row has {len(fields)} fields, expected {width}",
                            text=_csv_line(fields),
                        )
                    )
                    continue
                buffer.append([value or None for value in fields])
                positions.append(f"{path.name}:row {row_no}")
                if len(buffer) >= BATCH_ROWS:
                    yield SourceBatch(
                        strings_batch(header, buffer),
                        pa.array(positions, pa.string()),
                        path.name,
                        rejected=rejected,
                        notes=list(notes),
                    )
                    buffer, positions, rejected = [], [], []
        if buffer or rejected:
            yield SourceBatch(
                strings_batch(header, buffer),
                pa.array(positions, pa.string()),
                path.name,
                rejected=rejected,
                notes=notes,
            )

    def _read_excel(self, path: Path) -> Iterator[SourceBatch]:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        sheets = [self.source.sheet] if self.source.sheet else book.sheet_names
        for sheet_name in sheets:
            if sheet_name not in book.sheet_names:
                raise SourceDataError(f"{path}: no sheet named {sheet_name!r}")
            rows = book.get_sheet_by_name(sheet_name).iter_rows()
            first = next(rows, None)
            where = f"{path.name}[{sheet_name}]"
            if first is None:
                continue
            names = [cell_text(v) for v in first]
            while names and not names[-1]:
                names.pop()  # the sheet is as wide as its widest row; a stray cell is not a column
            header = self._header(names, where)
            width = len(header)
            buffer: list[list[str | None]] = []
            positions: list[str] = []
            rejected: list[RejectedRow] = []
            for index, raw in enumerate(rows, start=2):
                cells = [cell_text(v) for v in raw]
                if not any(cells):
                    continue  # blank spreadsheet rows are formatting, not data
                if any(cells[width:]):
                    rejected.append(
                        RejectedRow(
                            position=f"{where}:row {index}",
                            reason=f"row has values beyond the {width} named columns",
                            text="\t".join(c or "" for c in cells),
                        )
                    )
                    continue
                buffer.append((cells + [None] * width)[:width])
                positions.append(f"{where}:row {index}")
                if len(buffer) >= BATCH_ROWS:
                    yield SourceBatch(
                        strings_batch(header, buffer), pa.array(positions), where, rejected=rejected
                    )
                    buffer, positions, rejected = [], [], []
            if buffer or rejected:
                yield SourceBatch(
                    strings_batch(header, buffer),
                    pa.array(positions, pa.string()),
                    where,
                    rejected=rejected,
                )


def _csv_line(fields: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    return out.getvalue()
