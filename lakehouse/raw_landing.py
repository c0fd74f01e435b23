"""Sync a source into the raw layer: an exact, sealed copy, committed atomically.

Everything one sync reads lands in a single lakehouse transaction together with
its batch record and the files it consumed, so a sync killed midway leaves
nothing visible and the next run starts again from the last committed
watermark. A read the source did not fully deliver is refused before commit
(``sync_guards``), so the last good batch stays published.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from catalog.contracts import DatasetContract
from catalog.source_mapping import SourceMapping, channel_fields
from connectors.batch import BadSourceFile, FileChanged, SourceBatch
from connectors.config import AnySource
from connectors.factory import connector_for
from connectors.files import FileDropConnector
from connectors.http_json import HttpJsonConnector
from connectors.sql import SqlConnector
from connectors.watermark import Watermark
from encryption.keystore import KeyStore
from lakehouse import meta, sync_guards
from lakehouse.arrow_insert import insert_arrow
from lakehouse.connection import add_missing_columns, lake_transaction, table_exists
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
    watermark: Watermark | None = None
    origins: list[str] = field(default_factory=list)
    declared_rows: int | None = None  # what the source said it holds (full reads)
    rows_through_watermark: int | None = None
    source_schema: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # one line each, no values
    files_quarantined: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


def quarantined_file_line(file_name: str, reason: str) -> str:
    """How a file quarantined as a whole is reported, wherever it is reported."""
    return f"file {file_name} quarantined, not loaded: {reason}"


def raw_columns(contract: DatasetContract) -> list[str]:
    """Contract columns that come from the source (derived ones do not)."""
    return [c.name for c in contract.columns if not c.derived_from]


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, contract: DatasetContract) -> None:
    """One raw table per dataset, whichever channels feed it (a row's batch names its
    source); a column the contract gained is added in place."""
    cols = [
        (spec.name, "BLOB" if is_protected(spec) else "VARCHAR")
        for spec in contract.columns
        if not spec.derived_from
    ]
    cols += [
        ("_batch_id", "VARCHAR"),
        ("_source_pos", "VARCHAR"),
        ("_origin", "VARCHAR"),
        ("_ingested_at", "TIMESTAMP"),
    ]
    if table_exists(con, "raw", contract.name):
        add_missing_columns(con, "raw", contract.name, cols)
    else:
        listed = ", ".join(f'"{n}" {t}' for n, t in cols)
        con.execute(f"CREATE TABLE lake.raw.{contract.name} ({listed})")
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS lake.quarantine.{contract.name} (
            _batch_id VARCHAR, _source_pos VARCHAR, _origin VARCHAR, field VARCHAR,
            reason VARCHAR, _rejected_row BLOB, quarantined_at TIMESTAMP)"""
    )


def align(
    batch: SourceBatch, contract: DatasetContract, mapping: SourceMapping | None = None
) -> pa.RecordBatch:
    """Rename the channel's fields to contract names (its mapping's, else the contract's
    ``source:`` names); refuse any drift. Fields the mapping ignores are left out, and
    columns the channel does not send stay out (NULL in raw)."""
    expected = channel_fields(contract, mapping)
    ignored = set(mapping.ignore) if mapping else set()
    present = [name for name in batch.records.schema.names if name not in ignored]
    missing = [name for name in expected if name not in present]
    extra = [name for name in present if name not in expected]
    if missing or extra:
        hint = ""
        if missing and extra:
            hint = (
                f" If {extra[0]!r} is {missing[0]!r} renamed, map it in the source config "
                f"(renames: {{{extra[0]}: {missing[0]}}}"
                + (", or in its mapping.fields)." if mapping else ").")
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
    """Read the source and commit one raw batch (possibly empty), or nothing at all.

    A full read is committed only when it is whole: as many rows as the source says it
    holds, not shrunk beyond the contract's tolerance, no column changed type (unless a
    steward accepted the change). An incremental read first checks that no rows appeared
    behind the watermark; if they did, it reads in full instead.
    """
    meta.ensure_meta(con)
    ensure_raw_tables(con, contract)
    name = source.name
    connector = connector_for(source)
    since = None
    notes: list[str] = []
    incremental = isinstance(connector, (SqlConnector, HttpJsonConnector)) and (
        connector.source.incremental is not None
    )
    if incremental and not full:
        last = meta.last_batch(con, name, with_watermark=True)
        since = last.watermark if last else None
        # Only a database can be counted behind the watermark; an API sends what it sends.
        if (
            isinstance(connector, SqlConnector)
            and connector.source.incremental
            and last is not None
            and since is not None
        ):
            moved = _rows_behind_watermark(connector, last, since)
            if moved:
                notes.append(
                    f"{connector.source.incremental.column} moved backwards: {moved:,} more "
                    f"rows at or before the watermark {since} than the last sync saw; read in "
                    "full instead"
                )
                since = None
    files_source = isinstance(connector, FileDropConnector)
    mode = "incremental" if (since is not None or files_source) else "full"
    result = SyncResult(meta.new_batch_id(name), name, contract.name, mode, watermark=since)
    result.notes.extend(notes)
    started = meta.utcnow()

    with lake_transaction(con):
        if isinstance(connector, FileDropConnector):
            _land_files(con, connector, contract, keystore, result, progress)
        else:
            for batch in connector.read(since=since):
                _write_batch(con, batch, contract, keystore, result, connector.source.mapping)
                if progress:
                    progress(batch.records.num_rows + len(batch.rejected))
            _check_whole(con, connector, contract, result)
        meta.insert_batch(
            con,
            batch_id=result.batch_id,
            source=name,
            dataset=contract.name,
            mode=mode,
            started_at=started,
            finished_at=meta.utcnow(),
            rows_read=result.rows_read,
            rows_raw=result.rows_raw,
            rows_rejected=result.rows_rejected,
            watermark=result.watermark.encode() if result.watermark else None,
            origins=json.dumps(result.origins, ensure_ascii=False),
            declared_rows=result.declared_rows,
            rows_through_watermark=result.rows_through_watermark,
            source_schema=json.dumps(result.source_schema, ensure_ascii=False)
            if result.source_schema
            else None,
            notes=json.dumps(result.notes, ensure_ascii=False) if result.notes else None,
        )
    return result


def _rows_behind_watermark(
    connector: SqlConnector, last: meta.BatchRecord, since: Watermark
) -> int:
    """How many more rows sit at or before ``since`` than the last sync saw there.

    Rows only leave that range by being updated forward or deleted; rows entering it were
    written with an old change value (a clock set back, a back-dated import) and an
    incremental read would skip them for ever.
    """
    if last.rows_through_watermark is None:
        return 0
    return max(0, connector.count_through(since) - last.rows_through_watermark)


def _check_whole(
    con: duckdb.DuckDBPyConnection,
    connector: SqlConnector | HttpJsonConnector,
    contract: DatasetContract,
    result: SyncResult,
) -> None:
    """Refuse a batch the source did not fully deliver; record what it said about itself."""
    name = connector.source.name
    result.source_schema = dict(connector.source_schema)
    previous = meta.last_batch(con, name)
    note = sync_guards.check_schema(
        name, result.source_schema, previous, _accepted(con, name, sync_guards.SCHEMA)
    )
    if note:
        result.notes.append(note)
        meta.use_acceptance(con, name, sync_guards.SCHEMA, result.batch_id)
    if result.mode == "full":
        result.declared_rows = connector.declared_rows
        sync_guards.check_complete(name, result.declared_rows, result.rows_read)
        note = sync_guards.check_shrink(
            name,
            contract,
            result.rows_read,
            meta.last_batch(con, name, mode="full"),
            _accepted(con, name, sync_guards.SHRINK),
        )
        if note:
            result.notes.append(note)
            meta.use_acceptance(con, name, sync_guards.SHRINK, result.batch_id)
    if isinstance(connector, SqlConnector):
        result.rows_through_watermark = connector.rows_through_watermark


def _accepted(
    con: duckdb.DuckDBPyConnection, source: str, change: str
) -> sync_guards.Acceptance | None:
    found = meta.pending_acceptance(con, source, change)
    return sync_guards.Acceptance(*found) if found else None


def _land_files(
    con: duckdb.DuckDBPyConnection,
    connector: FileDropConnector,
    contract: DatasetContract,
    keystore: KeyStore,
    result: SyncResult,
    progress: Progress | None,
) -> None:
    """Each pending file whole or not at all: a bad file is quarantined as a file (the
    others still load), a file that changed while read is left for the next run."""
    name = connector.source.name
    for drop in connector.pending(meta.processed_files(con, name)):
        before = (result.rows_read, result.rows_raw, result.rows_rejected, len(result.origins))
        try:
            for batch in connector.read_file(drop.path, expected_sha256=drop.sha256):
                _write_batch(con, batch, contract, keystore, result, connector.source.mapping)
                if progress:
                    progress(batch.records.num_rows + len(batch.rejected))
        except FileChanged as changed:
            _forget_file(con, contract, result, drop.path.name, before)
            result.notes.append(str(changed))
            continue
        except BadSourceFile as bad:
            _forget_file(con, contract, result, drop.path.name, before)
            meta.insert_file(
                con,
                name,
                drop.path.name,
                drop.sha256,
                drop.size,
                result.batch_id,
                status="quarantined",
                reason=bad.reason,
            )
            result.files_quarantined.append((drop.path.name, bad.reason))
            continue
        meta.insert_file(con, name, drop.path.name, drop.sha256, drop.size, result.batch_id)
        if drop.path.name not in result.origins:
            result.origins.append(drop.path.name)


def _forget_file(
    con: duckdb.DuckDBPyConnection,
    contract: DatasetContract,
    result: SyncResult,
    file_name: str,
    before: tuple[int, int, int, int],
) -> None:
    """Take back whatever part of one file was written before it failed."""
    for table in (f"lake.raw.{contract.name}", f"lake.quarantine.{contract.name}"):
        con.execute(
            f"DELETE FROM {table} WHERE _batch_id = ? AND (_origin = ? OR starts_with(_origin, ?))",
            [result.batch_id, file_name, file_name + "["],
        )
    result.rows_read, result.rows_raw, result.rows_rejected, kept = before
    del result.origins[kept:]


def _write_batch(
    con: duckdb.DuckDBPyConnection,
    batch: SourceBatch,
    contract: DatasetContract,
    keystore: KeyStore,
    result: SyncResult,
    mapping: SourceMapping | None,
) -> None:
    now = meta.utcnow()
    if batch.records.num_rows:
        records = seal_raw(align(batch, contract, mapping), contract, keystore)
        n = records.num_rows
        incoming = (
            pa.Table.from_batches([records])
            .append_column("_batch_id", pa.array([result.batch_id] * n))
            .append_column("_source_pos", batch.positions)
            .append_column("_origin", pa.array([batch.origin] * n))
            .append_column("_ingested_at", pa.array([now] * n, pa.timestamp("us")))
        )
        insert_arrow(con, f"lake.raw.{contract.name}", incoming)
        result.rows_raw += n
        result.rows_read += n
    elif batch.records.num_columns:
        align(batch, contract, mapping)  # an empty file still has to have the right header
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
        insert_arrow(con, f"lake.quarantine.{contract.name}", rejected)
        result.rows_rejected += len(batch.rejected)
        result.rows_read += len(batch.rejected)
    if batch.watermark is not None and (
        result.watermark is None or batch.watermark > result.watermark
    ):
        result.watermark = batch.watermark
    if batch.origin is not None and batch.origin not in result.origins:
        result.origins.append(batch.origin)
