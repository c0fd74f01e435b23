"""Reading one JSON Lines drop (a feed export): one JSON object per line, UTF-8.

The whole file's bytes are checked first (``connectors.encoding.scan_text``): a file
in another encoding, cut mid-character or mixing encodings is quarantined as a file,
naming the line. The fields of the first record are the feed's fields (renamed as the
source config says); a later record may leave one out (NULL), but a line that is not
valid JSON, not an object, or carries a field the feed does not have is a rejected row
naming its line and the field. Positions are physical line numbers (``name:line N``),
blank lines counted as an editor counts them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from connectors.batch import BadSourceFile, RejectedRow, SourceBatch, text_batch
from connectors.drop_header import clean_header
from connectors.encoding import scan_text
from connectors.http_json import json_text

_SHOWN_FIELD = 40


def _reads_as(path: Path, encoding: str) -> bool:
    """Whether the whole file is text in ``encoding`` and none of its lines is UTF-8 (a
    file with UTF-8 lines among others mixes encodings, which the scan names by line)."""
    data = path.read_bytes()
    for line in data.split(b"\n"):
        if not line.isascii():
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                continue
            return False
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _shown(field: str) -> str:
    return repr(field if len(field) <= _SHOWN_FIELD else field[:_SHOWN_FIELD] + "…")


def read_jsonl(
    path: Path, name: str, encoding: str, renames: Mapping[str, str], *, batch_rows: int
) -> Iterator[SourceBatch]:
    """Batches of ``path`` (a private snapshot) reported under ``name``.

    ``encoding`` "auto" reads UTF-8 (with or without a BOM), as JSON Lines are written.
    """
    codec = "utf-8-sig" if encoding == "auto" else encoding
    try:
        scan_text(path, codec, name=name)
    except BadSourceFile:
        if encoding == "auto" and _reads_as(path, "gb18030"):
            raise BadSourceFile(
                name,
                "the feed is GB18030/GBK text, but JSON Lines are UTF-8: ask for a UTF-8 "
                "export, or name the encoding in the source config",
            ) from None
        raise
    notes = [f"encoding {codec}"]
    header: list[str] | None = None
    header_line = 0
    rows: list[list[str | None]] = []
    positions: list[str] = []
    rejected: list[RejectedRow] = []
    yielded = False
    with path.open("r", encoding=codec, newline="\n") as handle:
        for number, line in enumerate(_lines(handle), start=1):
            if not line.strip():
                continue
            where = f"{name}:line {number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                reason = f"line {number}: not valid JSON ({err.msg} at column {err.colno})"
                rejected.append(RejectedRow(where, reason, line))
                continue
            if not isinstance(record, dict):
                kind = type(record).__name__
                reason = f"line {number}: a JSON {kind}, not an object (one record per line)"
                rejected.append(RejectedRow(where, reason, line))
                continue
            fields = {renames.get(k, k): v for k, v in record.items()}
            if header is None:
                header = clean_header(list(fields), {}, name, f"line {number}: ")
                header_line = number
            unknown = [f for f in fields if f not in header]
            if unknown:
                reason = (
                    f"line {number}: field {_shown(unknown[0])} is not one of the feed's "
                    f"fields (those of line {header_line})"
                )
                rejected.append(RejectedRow(where, reason, line))
                continue
            rows.append([json_text(fields.get(f)) for f in header])
            positions.append(where)
            if len(rows) >= batch_rows:
                yield text_batch(header, rows, positions, name, rejected, notes)
                yielded = True
                rows, positions, rejected = [], [], []
    if header is None and not rejected:
        raise BadSourceFile(name, "the file holds no record (every line is blank)")
    if rows or rejected or not yielded:
        yield text_batch(header or [], rows, positions, name, rejected, notes)


def _lines(handle: Any) -> Iterator[str]:
    """Physical lines without their line ending (CRLF or LF)."""
    for line in handle:
        yield line.rstrip("\r\n")
