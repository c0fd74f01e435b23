"""Bookkeeping tables in the lakehouse's ``meta`` schema.

batches         one row per committed sync: what was read, what the source said it
                holds, the typed watermark reached, the source's schema, notes
files           every dropped file processed, by content hash (processed once), loaded
                or quarantined as a whole with its reason
sync_runs       every sync attempt, committed or failed, with the error's one line
reconciliation  per batch: rows read = rows loaded + rows quarantined, with reasons
accepted_changes a steward's explicit acceptance of a change the next sync would
                otherwise refuse (a full sync that shrinks, a changed column type)
product_builds  every product build: the named parameters it ran with (its build date),
                rows written, and how many cells suppression blanked (counts only)
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass

import duckdb

from connectors.watermark import Watermark

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
    """CREATE TABLE IF NOT EXISTS lake.meta.accepted_changes (
        source VARCHAR, change VARCHAR, accepted_by VARCHAR, reason VARCHAR,
        accepted_at TIMESTAMP, used_by_batch VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS lake.meta.product_builds (
        product VARCHAR, built_at TIMESTAMP, parameters VARCHAR, rows BIGINT,
        suppression VARCHAR)""",
]
# Columns added after the first release: appended so older lakes gain them in place.
ADDED_COLUMNS = {
    "batches": [
        ("declared_rows", "BIGINT"),  # what the source said it holds (full reads), if it said
        ("rows_through_watermark", "BIGINT"),  # source rows at/before the watermark, at sync
        ("source_schema", "VARCHAR"),  # JSON {column: type as the source names it}
        ("notes", "VARCHAR"),  # JSON list of one-line notes (a full re-read, a skipped file)
    ],
    "files": [("status", "VARCHAR"), ("reason", "VARCHAR")],
}


def ensure_meta(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)
    present = set(
        con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = 'lake' "
            "AND schema_name = 'meta'"
        ).fetchall()
    )
    for table, columns in ADDED_COLUMNS.items():
        for name, sql_type in columns:
            if (table, name) not in present:
                # IF NOT EXISTS: another process opening a new lake may have just added it.
                con.execute(
                    f"ALTER TABLE lake.meta.{table} ADD COLUMN IF NOT EXISTS {name} {sql_type}"
                )


@dataclass(frozen=True)
class BatchRecord:
    """One committed sync as ``lake.meta.batches`` keeps it."""

    batch_id: str
    mode: str
    rows_read: int
    declared_rows: int | None
    rows_through_watermark: int | None
    watermark: Watermark | None
    source_schema: dict[str, str]


def insert_batch(con: duckdb.DuckDBPyConnection, **values: object) -> None:
    """One row of ``lake.meta.batches`` by column name (the table grows columns over time)."""
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    con.execute(f"INSERT INTO lake.meta.batches ({names}) VALUES ({marks})", list(values.values()))


def insert_file(
    con: duckdb.DuckDBPyConnection,
    source: str,
    file_name: str,
    sha256: str,
    size: int,
    batch_id: str,
    *,
    status: str = "loaded",
    reason: str | None = None,
) -> None:
    con.execute(
        "INSERT INTO lake.meta.files (source, file_name, sha256, size, batch_id, loaded_at, "
        "status, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [source, file_name, sha256, size, batch_id, utcnow(), status, reason],
    )


def new_batch_id(source: str, *, now: dt.datetime | None = None) -> str:
    # The "Z" ends the time's digit run: "171303-00000e" read as a mobile number
    # (17130300000) to the audit log's guard, which then refused the sync.
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{source}-{stamp}-{secrets.token_hex(3)}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def utc_iso(value: dt.datetime | None) -> str | None:
    """A timestamp the lake holds (naive, in UTC: ``utcnow``) as ISO 8601 with its zone,
    e.g. 2026-12-07T06:41:21+00:00, so no reader takes it for local time."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()


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


def last_watermark(con: duckdb.DuckDBPyConnection, source: str) -> Watermark | None:
    record = last_batch(con, source, with_watermark=True)
    return record.watermark if record else None


def last_batch(
    con: duckdb.DuckDBPyConnection,
    source: str,
    *,
    mode: str | None = None,
    with_watermark: bool = False,
) -> BatchRecord | None:
    """The newest committed batch of a source (of one mode, or with a watermark)."""
    ensure_meta(con)
    where = "source = ?"
    params: list[object] = [source]
    if mode:
        where += " AND mode = ?"
        params.append(mode)
    if with_watermark:
        where += " AND watermark IS NOT NULL"
    row = con.execute(
        "SELECT batch_id, mode, rows_read, declared_rows, rows_through_watermark, watermark, "
        f"source_schema FROM lake.meta.batches WHERE {where} ORDER BY finished_at DESC LIMIT 1",
        params,
    ).fetchone()
    if row is None:
        return None
    return BatchRecord(
        batch_id=row[0],
        mode=row[1],
        rows_read=int(row[2] or 0),
        declared_rows=row[3],
        rows_through_watermark=row[4],
        watermark=Watermark.decode(row[5]) if row[5] else None,
        source_schema=json.loads(row[6]) if row[6] else {},
    )


def pending_acceptance(
    con: duckdb.DuckDBPyConnection, source: str, change: str
) -> tuple[str, str] | None:
    """(steward, reason) of an unused acceptance of ``change`` for the next sync, if any."""
    ensure_meta(con)
    row = con.execute(
        "SELECT accepted_by, reason FROM lake.meta.accepted_changes WHERE source = ? "
        "AND change = ? AND used_by_batch IS NULL ORDER BY accepted_at DESC LIMIT 1",
        [source, change],
    ).fetchone()
    return (row[0], row[1]) if row else None


def record_acceptance(
    con: duckdb.DuckDBPyConnection, source: str, change: str, steward: str, reason: str
) -> None:
    ensure_meta(con)
    con.execute(
        "INSERT INTO lake.meta.accepted_changes VALUES (?, ?, ?, ?, ?, NULL)",
        [source, change, steward, reason, utcnow()],
    )


def use_acceptance(con: duckdb.DuckDBPyConnection, source: str, change: str, batch_id: str) -> None:
    """An acceptance holds for one sync: the batch that relied on it uses it up."""
    con.execute(
        "UPDATE lake.meta.accepted_changes SET used_by_batch = ? WHERE source = ? AND change = ? "
        "AND used_by_batch IS NULL",
        [batch_id, source, change],
    )


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


def record_product_build(
    con: duckdb.DuckDBPyConnection,
    product: str,
    parameters: dict[str, object],
    rows: int,
    suppression: dict[str, object] | None,
) -> None:
    """One product build (inside the build's transaction, so it commits with the table)."""
    con.execute(
        "INSERT INTO lake.meta.product_builds VALUES (?, ?, ?, ?, ?)",
        [
            product,
            utcnow(),
            json.dumps(parameters, ensure_ascii=False, sort_keys=True),
            rows,
            json.dumps(suppression, ensure_ascii=False, sort_keys=True) if suppression else None,
        ],
    )


def last_syncs(con: duckdb.DuckDBPyConnection) -> dict[str, dt.datetime]:
    """Each source's last committed sync (naive UTC): what freshness is measured from."""
    ensure_meta(con)
    return dict(
        con.execute(
            "SELECT source, max(finished_at) FROM lake.meta.batches GROUP BY source"
        ).fetchall()
    )


def last_builds(con: duckdb.DuckDBPyConnection) -> dict[str, dt.datetime]:
    """Each product's last build (naive UTC)."""
    ensure_meta(con)
    return dict(
        con.execute(
            "SELECT product, max(built_at) FROM lake.meta.product_builds GROUP BY product"
        ).fetchall()
    )


def last_product_parameters(con: duckdb.DuckDBPyConnection, product: str) -> dict[str, object]:
    """The named parameters (JSON-shown: dates as ISO text) of the product's latest build."""
    ensure_meta(con)
    row = con.execute(
        "SELECT parameters FROM lake.meta.product_builds WHERE product = ? "
        "ORDER BY built_at DESC LIMIT 1",
        [product],
    ).fetchone()
    return json.loads(row[0]) if row else {}
