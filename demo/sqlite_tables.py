"""A department's table as a real SQLite database file, written in batches."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

BATCH = 20_000


def column_types(columns: Sequence[str], key: str) -> list[tuple[str, str]]:
    """The key is the INTEGER PRIMARY KEY; every other column is TEXT, as in the
    departments' own systems (dates and codes typed as text)."""
    return [(c, "INTEGER PRIMARY KEY" if c == key else "TEXT") for c in columns]


def write_sqlite_table(
    path: Path,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    key: str,
    indexed: Sequence[str] = (),
) -> int:
    """Write ``rows`` (in ``columns`` order) as ``table`` of a new SQLite file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    written = 0
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        # A freshly built file: no journal needed; the result is the same bytes for the same rows.
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        definitions = ", ".join(f"{column} {kind}" for column, kind in column_types(columns, key))
        connection.execute(f"CREATE TABLE {table} ({definitions})")
        insert = f"INSERT INTO {table} VALUES ({', '.join('?' for _ in columns)})"
        iterator = iter(rows)
        while batch := list(islice(iterator, BATCH)):
            connection.execute("BEGIN")
            connection.executemany(insert, batch)
            connection.execute("COMMIT")
            written += len(batch)
        # Incremental syncs read by the change column, as the department's replica allows.
        for column in indexed:
            connection.execute(f"CREATE INDEX {table}_{column} ON {table} ({column})")
    finally:
        connection.close()
    return written
