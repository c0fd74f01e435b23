"""What running a statement in a room can end in: rows, or one of these errors.

Shared by the worker side that sees them happen (gateway.room_worker) and the
connection API callers import them from (gateway.room_connection).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa


class QueryFailed(RuntimeError):
    """DuckDB could not run the statement; the message is DuckDB's first line."""


class QueryStopped(QueryFailed):
    """A limit stopped the statement; ``limit`` names it: time, memory or size."""

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit


class QueryTimeout(QueryStopped):
    """The statement ran past its time limit and was stopped."""

    def __init__(self, message: str) -> None:
        super().__init__("time", message)


@dataclass(frozen=True)
class QueryResult:
    """At most row_limit rows; `truncated` says the statement had more."""

    table: pa.Table
    truncated: bool
    tables: list[str]
