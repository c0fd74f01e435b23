"""What an incremental HTTP read keeps of a page, and the watermark it reaches.

The API is asked with the last watermark (``incremental.param``) and sends what changed;
each record's ``incremental.field`` is read as a typed value (``connectors.watermark``),
as the SQL connector reads its change column:

1. A record whose change value is missing, empty or not of the source's kind is never
   the watermark: it is reported as a rejected row, naming the field and the value, until
   the department fixes it (a timestamp field holding a number is refused too: a number
   could be epoch seconds or an Excel serial, and guessing would move the watermark).
2. The batch's watermark is the highest usable value; landing keeps the highest of all.
3. A field the records do not have at all is a configuration error naming the source and
   the field, before anything is landed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from connectors.batch import RejectedRow
from connectors.config import HttpIncremental, SourceConfigError
from connectors.watermark import Watermark, WatermarkError
from quality.dates import DateError, parse_datetime

_SHOWN_CHARS = 40  # of an unreadable change value, in the reason


@dataclass
class PageChanges:
    """One page split by its change values."""

    kept: list[int] = field(default_factory=list)  # indexes of records with a usable value
    rejected: list[RejectedRow] = field(default_factory=list)
    watermark: Watermark | None = None


def query_value(since: Watermark) -> str:
    """The watermark as sent to the API: ISO 8601 for a time, digits for an integer."""
    if isinstance(since.value, dt.datetime):
        return since.value.isoformat()
    return str(since.value)


def check_since(source: str, incremental: HttpIncremental, since: Watermark) -> None:
    if since.kind != incremental.kind:
        raise WatermarkError(
            f"source {source}: the last watermark {since.encode()} is a {since.kind} but "
            f"incremental.field {incremental.field!r} is read as a {incremental.kind}; "
            "sync in full once to start over"
        )


def check_field(source: str, incremental: HttpIncremental, fields: list[str]) -> None:
    if incremental.field not in fields:
        raise SourceConfigError(
            f"source {source}: incremental.field {incremental.field!r} is not a field of the "
            f"records (fields: {', '.join(fields)}); name the field that holds each record's "
            "change time or number"
        )


def change_value(value: Any, incremental: HttpIncremental) -> Watermark | str:
    """The record's typed change value, or why it has none."""
    name = incremental.field
    if value is None or (isinstance(value, str) and not value.strip()):
        return f"{name} is empty"
    shown = str(value)
    shown = shown if len(shown) <= _SHOWN_CHARS else shown[:_SHOWN_CHARS] + "…"
    if incremental.kind == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return Watermark("integer", value)
        if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            return Watermark("integer", int(value.strip()))
        return f"{name} {shown!r} is not an integer"
    if not isinstance(value, str):
        return f"{name} {shown!r} is not a timestamp (a number: set incremental.kind: integer)"
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        try:
            parsed = parse_datetime(value)
        except (DateError, ValueError, OverflowError):
            return f"{name} {shown!r} is not a timestamp"
    return Watermark("timestamp", parsed.replace(tzinfo=None))


def split_page(
    incremental: HttpIncremental,
    rows: list[list[str | None]],
    raw_values: list[Any],
    positions: list[str],
) -> PageChanges:
    """Which rows of a page carry a usable change value; the others as rejected rows."""
    out = PageChanges()
    for index, value in enumerate(raw_values):
        found = change_value(value, incremental)
        if isinstance(found, Watermark):
            out.kept.append(index)
            if out.watermark is None or found > out.watermark:
                out.watermark = found
            continue
        out.rejected.append(
            RejectedRow(
                position=positions[index],
                reason=f"{found}: the record cannot carry the watermark, so it is held back "
                "until the department corrects it at the source",
                text=_csv_line(rows[index]),
            )
        )
    return out


def _csv_line(values: list[str | None]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(["" if v is None else v for v in values])
    return out.getvalue()
