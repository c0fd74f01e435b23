"""Write an Arrow table into a lake table without DuckDB keeping it until commit.

A table registered with ``con.register`` stays referenced by the open
transaction until it commits, even after ``unregister``: a sync or staging
run, one transaction over a whole batch, then held every chunk it had written
in memory (peak memory grew with the source). A record batch reader is
consumed by the one statement that reads it and released at once.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

INCOMING = "incoming_arrow_rows"


def insert_arrow(con: duckdb.DuckDBPyConnection, target: str, table: pa.Table) -> None:
    """``INSERT INTO target BY NAME`` the rows of ``table``."""
    _run(con, f"INSERT INTO {target} BY NAME SELECT * FROM {INCOMING}", table)


def create_from_arrow(con: duckdb.DuckDBPyConnection, target: str, table: pa.Table) -> None:
    """``CREATE TABLE target AS`` the rows of ``table``."""
    _run(con, f"CREATE TABLE {target} AS SELECT * FROM {INCOMING}", table)


def _run(con: duckdb.DuckDBPyConnection, sql: str, table: pa.Table) -> None:
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches())
    con.register(INCOMING, reader)
    try:
        con.execute(sql)
    finally:
        con.unregister(INCOMING)
