"""SHOW TABLES and DESCRIBE <table> in a principal's data room, answered by the gateway.

They name tables and columns, never rows. The caller (gateway.service) has the
engine decide each table first, as for a query; here the room file is only
looked at, read-only and locked (gateway.room_connection.open_room), through
DuckDB's own DESCRIBE of one table that is known to be in it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from gateway.plan_reads import room_tables
from gateway.query_outcomes import QueryResult
from gateway.room_connection import open_room
from gateway.statement import CheckedStatement


def answer_catalogue(
    room: Path, checked: CheckedStatement, allowed: Callable[[str], bool]
) -> QueryResult:
    """SHOW TABLES: the room's tables that ``allowed`` keeps, by name. DESCRIBE: the
    table's columns (DuckDB's DESCRIBE); LookupError when ``allowed`` refuses the table
    or the room does not hold it."""
    con = open_room(room)
    try:
        present = sorted(set(room_tables(con).values()))
        if checked.catalogue == "show_tables":
            names = [table for table in present if allowed(table)]
            return QueryResult(pa.table({"name": pa.array(names, pa.string())}), False, [])
        [table] = checked.tables
        if not allowed(table) or table not in present:
            raise LookupError(table)
        quoted = '"' + table.replace('"', '""') + '"'
        return QueryResult(
            con.execute(f"DESCRIBE main.{quoted}").fetch_arrow_table(), False, [table]
        )
    finally:
        con.close()
