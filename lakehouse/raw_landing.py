"""Sync a source into the raw layer: an exact, sealed copy, committed atomically.

Everything one sync reads lands in a single lakehouse transaction together with
its batch record and the files it consumed, so a sync killed midway leaves
nothing visible and the next run starts again from the last committed
watermark.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from catalog.contracts import DatasetContract
from connectors.batch import SourceBatch
from connectors.config import AnySource, SqlSource
from connectors.factory import connector_for
from connectors.files import DropFile, FileDropConnector
from encryption.keystore import KeyStore
from lakehouse import meta
from lakehouse.connection import lake_transaction
from protection.fields import is_protected, seal_raw, seal_rejected_rows

Progress = Callable[[int], None]


class SchemaDrift(ValueError):
    """The source's columns no longer match the contract; nothing was loaded."""


@dataclass
class SyncResult:
    batch_id: str
    source: str
    dataset: str
    mode: str
    rows_read: int = 0
    rows_raw: int = 0
    rows_rejected: int = 0
    watermark: str | None = None
    origins: list[str] = field(default_factory=list)


def raw_columns(contract: DatasetContract) -> list[str]:
    """Contract columns that come from the source (derived ones do not)."""
    return [c.name for c in contract.columns if not c.derived_from]


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, contract: DatasetContract) -> None:
    cols = []
    for spec in contract.columns:
        if spec.derived_from:
            continue
        cols.append(f'"{spec.name}" {"BLOB" if is_protected(spec) else "VARCHAR"}')
    cols += [
        "_batch_id VARCHAR",
        "_source_pos VARCHAR",
        "_origin VARCHAR",
        "_ingested_at TIMESTAMP",
    ]
    con.execute(f"CREATE TABLE IF NOT EXISTS lake.raw.{contract.name} ({', '.join(cols)})")
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS lake.quarantine.{contract.name} (
            _batch_id VARCHAR, _source_pos VARCHAR, _origin VARCHAR, field VARCHAR,
            reason VARCHAR, _rejected_row BLOB, quarantined_at TIMESTAMP)"""
    )


def align(batch: SourceBatch, contract: DatasetContract) -> pa.RecordBatch:
    """Rename source columns to contract names; refuse any drift."""
    expected = {c.source_name: c.name for c in contract.columns if not c.derived_from}
    present = list(batch.records.schema.names)
    missing = [name for name in expected if name not in present]
    extra = [name for name in present if name not in expected]
    if missing or extra:
        hint = ""
        if missing and extra:
            hint = (
                f" If {extra[0]!r} is {missing[0]!r} renamed, map it in the source config "
                f"(renames: {{{extra[0]}: {missing[0]}}})."
            )
        raise SchemaDrift(
            f"{batch.origin}: schema drift for dataset {contract.name}: "
            f"missing columns {missing or 'none'}, new columns {extra or 'none'}.{hint}"
        )
    records = batch.records.select(list(expected))
    return records.rename_columns([expected[name] for name in expected])


def land(
    con: duckdb.DuckDBPyConnection,
    source: AnySource,
    contract: DatasetContract,
    keystore: KeyStore,
    *,
    full: bool = False,
    progress: Progress | None = None,
) -> SyncResult:
    """Read the source and commit one raw batch (possibly empty)."""
    meta.ensure_meta(con)
    ensure_raw_tables(con, contract)
    name = source.name
    connector = connector_for(source)
    since = None
    incremental = isinstance(source, SqlSource) and source.incremental is not None
    if incremental and not full:
        since = meta.last_watermark(con, name)
    mode = (
        "incremental" if (since is not None or isinstance(connector, FileDropConnector)) else "full"
    )
    result = SyncResult(meta.new_batch_id(name), name, contract.name, mode, watermark=since)
    started = meta.utcnow()

    files: list[DropFile] = []
    batches: Iterator[SourceBatch]
    if isinstance(connector, FileDropConnector):
        files = connector.pending(meta.processed_files(con, name))
        batches = (b for f in files for b in connector.read_file(f.path))
    else:
        batches = connector.read(since=since)

    with lake_transaction(con):
        for batch in batches:
            _write_batch(con, batch, contract, keystore, result)
            if progress:
                progress(batch.records.num_rows + len(batch.rejected))
        for drop in files:
            con.execute(
                "INSERT INTO lake.meta.files VALUES (?, ?, ?, ?, ?, ?)",
                [name, drop.path.name, drop.sha256, drop.size, result.batch_id, meta.utcnow()],
            )
            if drop.path.name not in result.origins:
                result.origins.append(drop.path.name)
        con.execute(
            "INSERT INTO lake.meta.batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                result.batch_id,
                name,
                contract.name,
                mode,
                started,
                meta.utcnow(),
                result.rows_read,
                result.rows_raw,
                result.rows_rejected,
                result.watermark,
                json.dumps(result.origins, ensure_ascii=False),
            ],
        )
    return result


def _write_batch(
    con: duckdb.DuckDBPyConnection,
    batch: SourceBatch,
    contract: DatasetContract,
    keystore: KeyStore,
    result: SyncResult,
) -> None:
    now = meta.utcnow()
    if batch.records.num_rows:
        records = seal_raw(align(batch, contract), contract, keystore)
        n = records.num_rows
        incoming = (
            pa.Table.from_batches([records])
            .append_column("_batch_id", pa.array([result.batch_id] * n))
            .append_column("_source_pos", batch.positions)
            .append_column("_origin", pa.array([batch.origin] * n))
            .append_column("_ingested_at", pa.array([now] * n, pa.timestamp("us")))
        )
        con.register("incoming_raw", incoming)
        try:
            con.execute(f"INSERT INTO lake.raw.{contract.name} BY NAME SELECT * FROM incoming_raw")
        finally:
            con.unregister("incoming_raw")
        result.rows_raw += n
        result.rows_read += n
    elif batch.records.num_columns:
        align(batch, contract)  # an empty file still has to have the right header
    if batch.rejected:
        sealed = seal_rejected_rows([r.text for r in batch.rejected], contract.name, keystore)
        rejected = pa.table(
            {
                "_batch_id": [result.batch_id] * len(batch.rejected),
                "_source_pos": [r.position for r in batch.rejected],
                "_origin": [batch.origin] * len(batch.rejected),
                "field": [None] * len(batch.rejected),
                "reason": [r.reason for r in batch.rejected],
                "_rejected_row": sealed,
                "quarantined_at": pa.array([now] * len(batch.rejected), pa.timestamp("us")),
            }
        )
        con.register("incoming_rejected", rejected)
        try:
            con.execute(
                f"INSERT INTO lake.quarantine.{contract.name} BY NAME SELECT * FROM incoming_rejected"
            )
        finally:
            con.unregister("incoming_rejected")
        result.rows_rejected += len(batch.rejected)
        result.rows_read += len(batch.rejected)
    if batch.watermark is not None and (
        result.watermark is None or _after(batch.watermark, result.watermark)
    ):
        result.watermark = batch.watermark
    if batch.origin is not None and batch.origin not in result.origins:
        result.origins.append(batch.origin)


def _after(candidate: str, current: str) -> bool:
    try:
        return float(candidate) > float(current)
    except ValueError:
        return candidate > current
