"""Run one checked read statement on a principal's data room, locked down.

Defence in depth: even a statement that slipped past check_statement meets a
connection that is read-only, cannot touch files or the network, cannot load
extensions and cannot change its own configuration.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from gateway.statement import StatementRefused, check_statement

_MAX_BATCH_ROWS = 8192


class QueryFailed(RuntimeError):
    """DuckDB could not run the statement; the message is DuckDB's first line."""


class QueryTimeout(QueryFailed):
    """The statement ran past its time limit and was interrupted."""


@dataclass(frozen=True)
class QueryResult:
    """At most row_limit rows; `truncated` says the statement had more."""

    table: pa.Table
    truncated: bool
    tables: list[str]


def open_room(
    path: Path, *, memory_limit: str = "512MB", threads: int = 1
) -> duckdb.DuckDBPyConnection:
    """Open a room file read-only with external access off and configuration locked."""
    path = Path(path)
    if not path.is_file():
        # Connecting would otherwise fail with a message naming the full path.
        raise FileNotFoundError(f"no data room at {path.name}")
    config: dict[str, str | bool | int | float | list[str]] = {
        "enable_external_access": False,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "allow_unsigned_extensions": False,
        # Python objects in the caller's scope must never be readable as tables.
        "python_enable_replacements": False,
        "memory_limit": memory_limit,
        "threads": threads,
        # DuckDB applies config in order; locking last freezes everything above.
        "lock_configuration": True,
    }
    return duckdb.connect(str(path), read_only=True, config=config)


def run_query(
    path: Path, sql: str, *, row_limit: int = 10_000, timeout_s: float = 30.0
) -> QueryResult:
    """Check the statement, run it on a locked room connection, return Arrow rows."""
    if row_limit < 0:
        raise ValueError("row_limit must not be negative")
    if timeout_s <= 0:
        raise ValueError("timeout_s must be positive")
    checked = check_statement(sql)
    con = open_room(path)
    timed_out = threading.Event()

    def interrupt() -> None:
        timed_out.set()
        # The connection may close as the timer fires: then nothing is left to stop.
        with contextlib.suppress(duckdb.Error):
            con.interrupt()

    timer = threading.Timer(timeout_s, interrupt)
    timer.daemon = True
    timer.start()
    try:
        statement = _single_select(con, checked.sql)
        con.execute(statement)
        table, truncated = _fetch_limited(con, row_limit)
    except (duckdb.Error, pa.ArrowException) as error:
        # A reader may surface DuckDB's error as an Arrow error while streaming.
        if timed_out.is_set():
            raise QueryTimeout(
                f"The query ran longer than {timeout_s:g} s and was stopped."
            ) from None
        raise QueryFailed(_first_line(error)) from None
    finally:
        timer.cancel()
        con.close()
    return QueryResult(table=table, truncated=truncated, tables=checked.tables)


def _single_select(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.Statement:
    """DuckDB's own parser must agree with sqlglot: one SELECT statement."""
    statements = con.extract_statements(sql)
    if len(statements) != 1:
        raise StatementRefused("Only one statement may be run at a time.")
    if statements[0].type != duckdb.StatementType.SELECT:
        raise StatementRefused("Only read queries are allowed.")
    return statements[0]


def _fetch_limited(con: duckdb.DuckDBPyConnection, row_limit: int) -> tuple[pa.Table, bool]:
    """Read batches until one row past the limit is seen, never the whole result."""
    reader = con.to_arrow_reader(min(row_limit + 1, _MAX_BATCH_ROWS))
    batches: list[pa.RecordBatch] = []
    seen = 0
    for batch in reader:
        batches.append(batch)
        seen += batch.num_rows
        if seen > row_limit:
            break
    table = pa.Table.from_batches(batches, schema=reader.schema)
    return table.slice(0, row_limit), seen > row_limit


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
