"""Print results as tables for people or JSON for programs."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        # The hub's own timestamps are kept naive in UTC (lakehouse.meta.utcnow).
        return value.replace(tzinfo=dt.UTC).isoformat()
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        # DuckDB sums integers into HUGEINT, which Arrow carries as a decimal.
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes):
        return "<sealed>"
    return value


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=_plain)
    sys.stdout.write("\n")


def print_table(
    title: str | None,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    caption: str | None = None,
) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, caption=caption, show_lines=False, header_style="bold")
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*["" if v is None else str(_plain(v)) for v in row])
    # Piped output is read in logs and CI, where 80 columns would fold every cell.
    Console(width=None if sys.stdout.isatty() else 200).print(table)


def progress_printer(json_out: bool) -> Callable[[str], None]:
    """Progress lines: on stdout for people, on stderr when stdout carries JSON."""
    return (lambda line: print(line, file=sys.stderr)) if json_out else print


@contextlib.contextmanager
def stdout_kept_for_json() -> Iterator[None]:
    """Send what the block (and every process it starts) writes to standard output to
    standard error, so that ``--json`` output stays one JSON document: the steps' own
    output, which Dagster echoes from its step workers, would otherwise land in it."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
