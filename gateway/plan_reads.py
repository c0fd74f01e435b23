"""What a statement will read, in DuckDB's own words: the tables of its physical plan.

A second parser's reading of a statement can differ from DuckDB's binder (a
recursive CTE named like a table, an alias that confuses name extraction), so
the gateway decides from the plan DuckDB will execute. Fail closed: every
plan node must be a relational operator we know, a scan of one of the room's
own tables, or one of a few functions that only make rows up; anything else,
and any doubt reading the plan, refuses the statement.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import duckdb

from gateway.statement import StatementRefused

# Table functions that only make rows up from their arguments.
_ROW_MAKERS = frozenset({"RANGE", "GENERATE_SERIES", "UNNEST", "REPEAT_ROW"})

# Operators that move, combine or compute rows but read nothing themselves
# (DuckDB's PhysicalOperatorType names as EXPLAIN prints them).
_RELATIONAL = frozenset(
    {
        "PROJECTION",
        "FILTER",
        "ORDER_BY",
        "TOP_N",
        "LIMIT",
        "STREAMING_LIMIT",
        "LIMIT_PERCENT",
        "HASH_GROUP_BY",
        "PERFECT_HASH_GROUP_BY",
        "PARTITIONED_AGGREGATE",
        "UNGROUPED_AGGREGATE",
        "SIMPLE_AGGREGATE",
        "WINDOW",
        "STREAMING_WINDOW",
        "UNNEST",
        "HASH_JOIN",
        "NESTED_LOOP_JOIN",
        "BLOCKWISE_NL_JOIN",
        "PIECEWISE_MERGE_JOIN",
        "IE_JOIN",
        "ASOF_JOIN",
        "CROSS_PRODUCT",
        "POSITIONAL_JOIN",
        "LEFT_DELIM_JOIN",
        "RIGHT_DELIM_JOIN",
        "DELIM_JOIN",
        "UNION",
        "CTE",
        "CTE_SCAN",
        "REC_CTE",
        "REC_CTE_SCAN",
        "REC_REC_CTE_SCAN",
        "RECURSIVE_CTE",
        "RECURSIVE_CTE_SCAN",
        "RECURSIVE_RECURRING_CTE_SCAN",
        "DELIM_SCAN",
        "CHUNK_SCAN",
        "COLUMN_DATA_SCAN",
        "DUMMY_SCAN",
        "EMPTY_RESULT",
        "EXPRESSION_SCAN",
        "RESERVOIR_SAMPLE",
        "STREAMING_SAMPLE",
        "RESULT_COLLECTOR",
        # …and the binder's logical operators, as its plan names them.
        "AGGREGATE",
        "DISTINCT",
        "SAMPLE",
        "EXPRESSION_GET",
        "CHUNK_GET",
        "DELIM_GET",
        "COLUMN_DATA_GET",
        "CTE_REF",
        "MATERIALIZED_CTE",
        "JOIN",
        "COMPARISON_JOIN",
        "ANY_JOIN",
        "DEPENDENT_JOIN",
        "EXCEPT",
        "INTERSECT",
    }
)


# The binder's plan names every table the statement refers to, even one the
# optimizer then answers from statistics alone (count(*) reads no rows but
# tells how many there are); the physical plan is what actually runs.
# open_room sets explain_output = 'all' so EXPLAIN prints both.
_PLANS = frozenset({"logical_plan", "physical_plan"})
_UNREADABLE_PLAN = "The query plan could not be read, so the query was not run."


def tables_read(
    con: duckdb.DuckDBPyConnection, sql: str, own: dict[str, str] | None = None
) -> list[str]:
    """The room tables DuckDB's plan for ``sql`` scans, or StatementRefused.

    ``own`` is ``room_tables(con)`` when the caller already has it for this connection.
    """
    own = room_tables(con) if own is None else own
    # A binding error (an unknown column, say) is DuckDB's to explain: it propagates.
    rows = con.execute(f"EXPLAIN (FORMAT json) {sql}").fetchall()
    try:
        plans = {kind: json.loads(text) for kind, text in rows}
        if not plans.keys() >= _PLANS:
            raise ValueError("the binder's or the executor's plan is missing")
        nodes = [node for kind in sorted(_PLANS) for node in _nodes(plans[kind])]
    except (TypeError, ValueError, AttributeError, RecursionError):
        raise StatementRefused(_UNREADABLE_PLAN) from None
    read: list[str] = []
    for node in nodes:
        table = _reads_table(node, own)
        if table is not None and table not in read:
            read.append(table)
    return read


def room_tables(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Qualified name as EXPLAIN prints it → table name, for the room's own tables."""
    rows = con.execute(
        "SELECT database_name, table_name FROM duckdb_tables() "
        "WHERE schema_name = 'main' AND database_name = current_database()"
    ).fetchall()
    # EXPLAIN quotes a name only when it must; either spelling names the same table.
    return {
        f"{db}.main.{name}": table
        for database, table in rows
        for db in _spellings(database)
        for name in _spellings(table)
    }


def _spellings(name: str) -> tuple[str, str]:
    return name, '"' + name.replace('"', '""') + '"'


def _nodes(plan: Any) -> Iterator[dict[str, Any]]:
    stack = list(plan) if isinstance(plan, list) else [plan]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            raise TypeError("plan node is not an object")
        yield node
        stack.extend(node.get("children", []))


def _reads_table(node: dict[str, Any], own: dict[str, str]) -> str | None:
    """The room table this node scans, None for a node that reads no table, or refuse."""
    name = str(node.get("name", "")).strip().upper()
    info = node.get("extra_info") or {}
    if not isinstance(info, dict):
        info = {}
    if "Table" in info:
        table = own.get(str(info["Table"]))
        if table is None:
            raise StatementRefused(
                "The query reads a table outside your data room, which is not allowed."
            )
        return table
    # The physical plan names a table function under "Function", the binder's by its name.
    function = str(info.get("Function", "")).strip().upper() or (
        name if name in _ROW_MAKERS else ""
    )
    if function:
        if function in _ROW_MAKERS:
            return None
        raise StatementRefused(_NOT_A_ROOM_TABLE)
    if name in _RELATIONAL:
        return None
    # A system view or table function, or anything else we have not vetted.
    raise StatementRefused(_NOT_A_ROOM_TABLE)


_NOT_A_ROOM_TABLE = (
    "Table functions and system views are not allowed; query the tables in your data room."
)
