"""Bookkeeping tables in the lakehouse's ``meta`` schema.

batches         one row per committed sync: what was read, the watermark reached
files           every dropped file processed, by content hash (processed once)
sync_runs       every sync attempt, committed or failed, with the error's one line
reconciliation  per batch: rows read = rows loaded + rows quarantined, with reasons
"""

from __future__ import annotations

import datetime as dt
import secrets

import duckdb

DDL = [
    """CREATE TABLE IF NOT EXISTS lake.meta.batches (
        batch_id VARCHAR, source VARCHAR, dataset VARCHAR, mode VARCHAR,
        started_at TIMESTAMP, finished_at TIMESTAMP, rows_read BIGINT, rows_raw BIGINT,
        rows_rejected BIGINT, watermark VARCHAR, origins VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS lake.meta.files (
        source VARCHAR, file_name VARCHAR, sha256 VARCHAR, size BIGINT, batch_id VARCHAR,
        loaded_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS lake.meta.sync_runs (
        source VARCHAR, batch_id VARCHAR, status VARCHAR, error VARCHAR,
        started_at TIMESTAMP, finished_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS lake.meta.reconciliation (
        batch_id VARCHAR, dataset VARCHAR, source VARCHAR, rows_read BIGINT, rows_loaded BIGINT,
        rows_quarantined BIGINT, reasons VARCHAR, staged_at TIMESTAMP)""",
]


def ensure_meta(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)


def new_batch_id(source: str) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    return f"{source}-{stamp}-{secrets.token_hex(3)}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def record_sync_run(
    con: duckdb.DuckDBPyConnection,
    source: str,
    batch_id: str | None,
    status: str,
    error: str | None,
    started: dt.datetime,
) -> None:
    ensure_meta(con)
    con.execute(
        "INSERT INTO lake.meta.sync_runs VALUES (?, ?, ?, ?, ?, ?)",
        [source, batch_id, status, error, started, utcnow()],
    )


def last_watermark(con: duckdb.DuckDBPyConnection, source: str) -> str | None:
    ensure_meta(con)
    row = con.execute(
        "SELECT watermark FROM lake.meta.batches WHERE source = ? AND watermark IS NOT NULL "
        "ORDER BY finished_at DESC LIMIT 1",
        [source],
    ).fetchone()
    return row[0] if row else None


def processed_files(con: duckdb.DuckDBPyConnection, source: str) -> set[str]:
    ensure_meta(con)
    rows = con.execute("SELECT sha256 FROM lake.meta.files WHERE source = ?", [source]).fetchall()
    return {r[0] for r in rows}


def latest_batch(con: duckdb.DuckDBPyConnection, dataset: str) -> tuple[str, str] | None:
    """(batch_id, mode) of the newest committed sync of a dataset."""
    ensure_meta(con)
    row = con.execute(
        "SELECT batch_id, mode FROM lake.meta.batches WHERE dataset = ? "
        "ORDER BY finished_at DESC LIMIT 1",
        [dataset],
    ).fetchone()
    return (row[0], row[1]) if row else None
