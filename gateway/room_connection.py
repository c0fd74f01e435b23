"""Run one checked read statement on a principal's data room, locked down.

The statement runs in a worker process (see gateway.room_worker) so that every
limit binds: the deadline kills it, its memory is capped, its answer is bounded.

Defence in depth: even a statement that slipped past check_statement meets a
connection that is read-only, cannot touch files or the network, cannot load
extensions and cannot change its own configuration.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from gateway.query_outcomes import QueryFailed, QueryResult, QueryStopped, QueryTimeout
from gateway.room_worker import RoomLimits, run_in_worker
from gateway.statement import StatementRefused, check_statement

__all__ = [
    "QueryFailed", "QueryResult", "QueryStopped", "QueryTimeout", "open_room", "run_query",
    "single_select",
]  # fmt: skip


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
        # The gateway decides from the binder's plan as well as the physical one.
        "explain_output": "all",
        # DuckDB applies config in order; locking last freezes everything above.
        "lock_configuration": True,
    }
    return duckdb.connect(str(path), read_only=True, config=config)


def run_query(
    path: Path,
    sql: str,
    *,
    row_limit: int = 10_000,
    timeout_s: float = 30.0,
    limits: RoomLimits | None = None,
    approve: Callable[[list[str]], None] | None = None,
) -> QueryResult:
    """Check the statement, plan and run it in a killable worker, return Arrow rows.

    ``approve`` sees the room tables DuckDB's plan reads before anything runs
    and raises to refuse; the statement runs only after it returns.
    """
    limits = limits or RoomLimits(row_limit=row_limit, timeout_s=timeout_s)
    checked = check_statement(sql)
    if checked.catalogue is not None:  # the gateway answers these itself (room_catalogue)
        raise StatementRefused("SHOW TABLES and DESCRIBE are answered by the query gateway.")
    return run_in_worker(Path(path), checked.sql, limits, approve or _approve_all)


def _approve_all(tables: list[str]) -> None:
    """Without a gateway deciding, the room itself is the bound."""


def single_select(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """DuckDB's own parser must agree with sqlglot: one SELECT statement."""
    statements = con.extract_statements(sql)
    if len(statements) != 1:
        raise StatementRefused("Only one statement may be run at a time.")
    if statements[0].type != duckdb.StatementType.SELECT:
        raise StatementRefused("Only read queries are allowed.")
