"""raw → staged: standardise every value, keep each row or quarantine it with a reason.

Works one raw record batch at a time (bounded memory), a column at a time
(``quality.batch_rows``); which rows are duplicates or newer versions is asked of
the lakehouse, so no key is held in Python between batches. Identifiers become join
tokens plus sealed canonical values before anything is written: each is tokenised
once, and a canonical value that is the text as read keeps its raw ciphertext. A row's
identity is the source's primary key (the contract key when the source has
none): a second row with the same identity in one batch is a duplicate, a
newer version from a later batch replaces the older. The contract key must
stay unique too: rows of different identities claiming the same key (two
people with one ID number) are all quarantined with the conflict named, never
one silently replacing the other. The counts must reconcile: rows read = rows
loaded + rows quarantined, or staging fails.

A dataset may be fed by several sources (channels). Every staged row carries its
``_source``; identity, duplicates and key conflicts are judged within one source
(two channels' case numbers never collide), and a full batch of one source
replaces that source's rows only. A source's mapping (``quality.channel_rules``)
converts its values on the way in.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from catalog.contracts import DatasetContract
from catalog.district import District
from catalog.source_mapping import SourceMapping, channel_fields
from encryption.keystore import KeyStore
from lakehouse import meta
from lakehouse.arrow_insert import insert_arrow
from lakehouse.connection import add_missing_columns, lake_transaction, table_exists
from protection.fields import is_protected
from quality.channel_rules import ChannelRules
from quality.chunk_pool import prepared_chunks, stage_workers
from quality.chunk_prepare import BadRow, PreparedChunk, StagingJob
from quality.standardise import arrow_type

READ_ROWS = 50_000


class ReconciliationError(RuntimeError):
    """Rows went missing between raw and staged/quarantine: a bug, never ignored."""


@dataclass
class StageResult:
    batch_id: str
    dataset: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    # rows staged by earlier batches taken back into quarantine by a key conflict
    rows_withdrawn: int = 0
    reasons: Counter[str] = field(default_factory=Counter)


def staged_columns(contract: DatasetContract) -> list[tuple[str, str]]:
    """(name, DuckDB type) of the staged table."""
    cols: list[tuple[str, str]] = []
    sql_types = {pa.int64(): "BIGINT", pa.date32(): "DATE", pa.timestamp("s"): "TIMESTAMP"}
    for spec in contract.columns:
        if spec.protection == "token+seal":
            cols.append((f"{spec.name}_token", "VARCHAR"))
        if is_protected(spec):
            cols.append((f"{spec.name}_sealed", "BLOB"))
        else:
            cols.append((spec.name, sql_types.get(arrow_type(spec), "VARCHAR")))
    return [
        *cols,
        ("_batch_id", "VARCHAR"),
        ("_source_pos", "VARCHAR"),
        ("_row_hash", "VARCHAR"),
        ("_source", "VARCHAR"),  # the source (channel) the row came from
    ]


def key_columns(contract: DatasetContract, names: list[str] | None = None) -> list[str]:
    """Staged columns that hold the key, or the named columns (tokens stand in for
    protected identifiers)."""
    out = []
    for name in contract.key if names is None else names:
        spec = contract.column(name)
        out.append(f"{name}_token" if spec.protection == "token+seal" else name)
    return out


def identity_columns(
    contract: DatasetContract,
    source_primary_key: list[str],
    mapping: SourceMapping | None = None,
) -> list[str]:
    """Contract columns that carry the source's primary key (the source's field names
    mapped as its mapping says), or the contract key when the source declares none."""
    by_source = channel_fields(contract, mapping)
    unknown = [k for k in source_primary_key if k not in by_source]
    if unknown:
        raise ValueError(
            f"dataset {contract.name}: the source's primary_key names {unknown}, which are "
            "not columns of the contract"
        )
    return [by_source[k] for k in source_primary_key] or list(contract.key)


def ensure_staged_table(con: duckdb.DuckDBPyConnection, contract: DatasetContract) -> None:
    """Create the staged table, or add the columns the contract gained since (rows staged
    before ``_source`` existed get it from their batch)."""
    columns = staged_columns(contract)
    if not table_exists(con, "staged", contract.name):
        cols = ", ".join(f'"{n}" {t}' for n, t in columns)
        con.execute(f"CREATE TABLE lake.staged.{contract.name} ({cols})")
        return
    if "_source" in add_missing_columns(con, "staged", contract.name, columns):
        con.execute(
            f"UPDATE lake.staged.{contract.name} AS s SET _source = b.source "
            "FROM lake.meta.batches b WHERE s._batch_id = b.batch_id"
        )


def stage(
    con: duckdb.DuckDBPyConnection,
    contract: DatasetContract,
    district: District,
    keystore: KeyStore,
    batch_id: str,
    *,
    replace: bool,
    identity: list[str] | None = None,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
    rules: ChannelRules | None = None,
) -> StageResult:
    """Stage one raw batch. ``replace`` rebuilds the batch's source's rows from this
    batch (a full sync of that source); other sources' rows stay.

    ``identity`` names the contract columns of the source's primary key (default: the
    contract key); ``rules``, the source's compiled mapping (default: none)."""
    meta.ensure_meta(con)
    ensure_staged_table(con, contract)
    source = _batch_source(con, batch_id)
    rules = rules or ChannelRules(source)
    result = StageResult(batch_id, contract.name)
    identity = identity or list(contract.key)
    job = StagingJob(
        contract,
        district,
        keystore,
        today or dt.date.today(),
        rules,
        identity,
        key_columns(contract, identity),
        batch_id,
        source,
        full=replace,
    )
    key_label = "/".join(identity)

    # Rows landing could not read (no field named): sync quarantined them before staging
    # began, so they are counted before this transaction adds quarantined rows of its own.
    rejected = con.execute(
        f"SELECT count(*) FROM lake.quarantine.{contract.name} WHERE _batch_id = ? "
        "AND field IS NULL",
        [batch_id],
    ).fetchone()
    n_rejected = rejected[0] if rejected else 0
    workers = stage_workers(lambda: _raw_rows(con, contract, batch_id))
    with lake_transaction(con):
        if replace:
            con.execute(f"DELETE FROM lake.staged.{contract.name} WHERE _source = ?", [source])
        else:
            _set_aside_earlier_run(con, contract, source, batch_id, back=False)
        # A cursor of its own: a statement on ``con`` would close a reader opened on it.
        reader = (
            con.cursor()
            .execute(f"SELECT * FROM lake.raw.{contract.name} WHERE _batch_id = ?", [batch_id])
            .fetch_record_batch(READ_ROWS)
        )
        with _one_thread_beside(con, workers):
            for raw, prepared in prepared_chunks(job, reader, workers):
                chunk = _commit_chunk(con, job, raw, prepared, key_label)
                result.rows_read += raw.num_rows
                result.rows_loaded += chunk.loaded
                result.rows_quarantined += len(chunk.bad)
                result.reasons.update(reason_kind(b[3]) for b in chunk.bad)
                if progress:
                    progress(raw.num_rows)
        if not replace:
            _set_aside_earlier_run(con, contract, source, batch_id, back=True)

        if identity != list(contract.key):
            _quarantine_key_conflicts(con, contract, job.keys, batch_id, result, source)
        result.rows_read += n_rejected
        result.rows_quarantined += n_rejected
        if n_rejected:
            result.reasons["unreadable row"] += n_rejected
        _reconcile(con, contract, batch_id, result)
    return result


@contextmanager
def _one_thread_beside(con: duckdb.DuckDBPyConnection, workers: int) -> Iterator[None]:
    """While worker processes prepare chunks, DuckDB judges and writes on one thread: its
    other threads would only take the cores from the workers (measured at 1 million
    residents on 2 cores: staging 28.7 s with DuckDB's threads, 23.4 s with one)."""
    if not workers:
        yield
        return
    row = con.execute("SELECT current_setting('threads')").fetchone()
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute(f"SET threads = {int(row[0]) if row else 1}")


# Rows an earlier, unfinished run left under this batch's id are set aside under this
# name while the batch stages, so they count as rows already loaded, not as this run's.
_EARLIER_RUN = "(set aside: earlier run) "


def _set_aside_earlier_run(
    con: duckdb.DuckDBPyConnection,
    contract: DatasetContract,
    source: str,
    batch_id: str,
    *,
    back: bool,
) -> None:
    old, new = (_EARLIER_RUN + batch_id, batch_id) if back else (batch_id, _EARLIER_RUN + batch_id)
    found = con.execute(
        f"SELECT count(*) FROM lake.staged.{contract.name} WHERE _source = ? AND _batch_id = ?",
        [source, old],
    ).fetchone()
    if not found or not found[0]:
        return
    con.execute(
        f"UPDATE lake.staged.{contract.name} SET _batch_id = ? WHERE _source = ? AND _batch_id = ?",
        [new, source, old],
    )


@dataclass
class _Chunk:
    loaded: int
    bad: list[BadRow]


def _commit_chunk(
    con: duckdb.DuckDBPyConnection,
    job: StagingJob,
    raw: pa.RecordBatch,
    prepared: PreparedChunk,
    key_label: str,
) -> _Chunk:
    """Judge a prepared chunk's keys against the lakehouse and write what stays."""
    contract, keys = job.contract, job.keys
    incoming = prepared.incoming
    verdicts = _judge_keys(con, contract, keys, incoming, job.batch_id, job.source, job.full)
    # verdict per keyed row: (kind, detail) with kind "new", "replace", "dup", "identical"
    kind = verdicts.column("kind").to_numpy(zero_copy_only=False)
    detail = verdicts.column("detail").to_pylist()
    keyed_at = prepared.keyed_at
    dup_reason: dict[int, str] = {}
    for j in np.flatnonzero((kind == "dup") | (kind == "identical")):
        if kind[j] == "dup":
            dup_reason[int(keyed_at[j])] = f"duplicate: same {key_label} as {detail[j]}"
        else:
            dup_reason[int(keyed_at[j])] = (
                f"duplicate: identical row already loaded in batch {detail[j]}"
            )
    bad = list(prepared.bad)
    held = sorted(prepared.missing_at | set(dup_reason))
    if held:
        at = pa.array(held, pa.int64())
        positions = raw.column("_source_pos").take(at).to_pylist()
        origins = raw.column("_origin").take(at).to_pylist()
        identity_field = ",".join(job.identity)
        for row, position, origin in zip(held, positions, origins, strict=True):
            why = "key is missing" if row in prepared.missing_at else dup_reason[row]
            bad.append((position, origin, identity_field, why))

    staying = pa.array(np.flatnonzero((kind == "new") | (kind == "replace")))
    replaced = incoming.filter(pa.array(kind == "replace")).select(keys)
    table = prepared.staged.take(staying)
    _write(con, contract, keys, table, bad, job.batch_id, replaced, job.source)
    return _Chunk(table.num_rows, bad)


def _judge_keys(
    con: duckdb.DuckDBPyConnection,
    contract: DatasetContract,
    keys: list[str],
    incoming: pa.Table,
    batch_id: str,
    source: str,
    full: bool,
) -> pa.Table:
    """Per incoming row (by ``_ord``): new, a newer version of a row staged before
    (replace), a duplicate of a row staged in this run or earlier in this batch (dup, with
    its position), or the same row as one already loaded (identical, with its batch).

    The first of a key's rows that is not identical to the staged one stays; it is the
    one a later row of the key is a duplicate of."""
    key_list = ", ".join(f'"{k}"' for k in keys)
    table = f"lake.staged.{contract.name}"
    # Read by DuckDB's replacement scan of this local variable, not con.register: a
    # registered table stays referenced by the open transaction until it commits
    # (lakehouse.arrow_insert), so every chunk's keys would be held to the end.
    incoming_keys = incoming  # noqa: F841 (named in the SQL below)
    if full:
        # A full batch began by deleting its source's rows: nothing older to look up, and
        # the staged table need not be scanned for it once a chunk.
        old = f"""SELECT {key_list}, NULL::VARCHAR AS old_hash, NULL::VARCHAR AS old_batch
                  FROM incoming_keys WHERE false"""
        old_params: list[str] = []
    else:
        old = f"""SELECT {key_list}, _row_hash AS old_hash,
                         replace(_batch_id, ?, '') AS old_batch
                  FROM {table} SEMI JOIN incoming_keys USING ({key_list})
                  WHERE _source = ? AND _batch_id <> ?
                  QUALIFY row_number() OVER (PARTITION BY {key_list}) = 1"""
        old_params = [_EARLIER_RUN, source, batch_id]
    return con.execute(
        f"""WITH old AS ({old}),
                this_run AS (
                    SELECT {key_list}, min(_source_pos) AS seen_pos
                    FROM {table} SEMI JOIN incoming_keys USING ({key_list})
                    WHERE _source = ? AND _batch_id = ? GROUP BY ALL),
                joined AS (
                    SELECT i._ord, i._source_pos, t.seen_pos, o.old_batch,
                           o.old_hash IS NOT NULL AS has_old,
                           coalesce(o.old_hash = i._row_hash, false) AS identical,
                           {", ".join(f'i."{k}"' for k in keys)}
                    FROM incoming_keys i
                    LEFT JOIN old o USING ({key_list})
                    LEFT JOIN this_run t USING ({key_list})),
                ranked AS (
                    SELECT *,
                        first_value(CASE WHEN NOT identical THEN _ord END IGNORE NULLS)
                            OVER w AS first_ord,
                        first_value(CASE WHEN NOT identical THEN _source_pos END IGNORE NULLS)
                            OVER w AS first_pos
                    FROM joined
                    WINDOW w AS (PARTITION BY {key_list} ORDER BY _ord
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING))
            SELECT _ord,
                CASE WHEN seen_pos IS NOT NULL THEN 'dup'
                     WHEN first_ord < _ord THEN 'dup'
                     WHEN identical THEN 'identical'
                     WHEN has_old THEN 'replace'
                     ELSE 'new' END AS kind,
                CASE WHEN seen_pos IS NOT NULL THEN seen_pos
                     WHEN first_ord < _ord THEN first_pos
                     WHEN identical THEN old_batch END AS detail
            FROM ranked ORDER BY _ord""",
        [*old_params, source, batch_id],
    ).fetch_arrow_table()


def _raw_rows(con: duckdb.DuckDBPyConnection, contract: DatasetContract, batch_id: str) -> int:
    row = con.execute(
        f"SELECT count(*) FROM lake.raw.{contract.name} WHERE _batch_id = ?", [batch_id]
    ).fetchone()
    return int(row[0]) if row else 0


def _batch_source(con: duckdb.DuckDBPyConnection, batch_id: str) -> str:
    row = con.execute(
        "SELECT source FROM lake.meta.batches WHERE batch_id = ?", [batch_id]
    ).fetchone()
    if row is None:
        raise ValueError(f"no committed batch {batch_id}")
    return str(row[0])


def _quarantine_key_conflicts(
    con: duckdb.DuckDBPyConnection,
    contract: DatasetContract,
    identity: list[str],
    batch_id: str,
    result: StageResult,
    source: str,
) -> None:
    """Rows of different identities of one source that share the contract key, where this
    batch touched that key: every one of them goes to quarantine, each naming where the
    others are."""
    keys = key_columns(contract)
    table = f"lake.staged.{contract.name}"
    key_list = ", ".join(keys)
    match = " AND ".join(f"s.{k} = c.{k}" for k in keys)
    conflicts = con.execute(
        # One pass over the source's keys (the columns the judgement reads, one hash
        # aggregate): a DISTINCT of the touched keys, an IN and a CTE of ``SELECT *``
        # (sealed values included) held 650 MiB more at 3 million residents.
        f"""WITH conflicted AS (
                    SELECT {key_list} FROM {table} WHERE _source = ?
                    GROUP BY ALL HAVING count(*) > 1 AND bool_or(_batch_id = ?))
            SELECT s._batch_id, s._source_pos, list(s._source_pos) OVER (PARTITION BY
                   {", ".join("s." + k for k in keys)}) AS everyone
            FROM {table} s JOIN conflicted c ON {match}
            WHERE s._source = ?""",
        [source, batch_id, source],
    ).fetchall()
    if not conflicts:
        return
    key_label = "/".join(contract.key)
    identity_label = "/".join(i.removesuffix("_token") for i in identity)
    batch_ids: list[str] = []
    rows: list[tuple[str, str | None, str, str]] = []
    for row_batch, position, everyone in conflicts:
        others = ", ".join(p for p in everyone if p != position)
        reason = (
            f"conflict: same {key_label} as {others} with a different {identity_label}; all "
            "held back until the department corrects the source (then sync it with --full)"
        )
        batch_ids.append(row_batch)
        rows.append((position, None, ",".join(contract.key), reason))
        if row_batch == batch_id:
            result.rows_loaded -= 1
            result.rows_quarantined += 1
            result.reasons["conflict"] += 1
        else:
            result.rows_withdrawn += 1
    _insert_quarantine(con, contract, batch_ids, rows)
    # A staged row is one (batch, position): take back exactly the rows just quarantined.
    held = pa.table({"_batch_id": batch_ids, "_source_pos": [r[0] for r in rows]})
    con.register("held_back_rows", held)
    try:
        con.execute(
            f"DELETE FROM {table} s USING held_back_rows h "
            "WHERE s._batch_id = h._batch_id AND s._source_pos = h._source_pos"
        )
    finally:
        con.unregister("held_back_rows")


def reason_kind(reason: str) -> str:
    """Group reasons for the summary: 'invalid resident ID: check…' → 'invalid resident ID'."""
    return reason.split(":")[0].split(" (")[0]


def _write(
    con: duckdb.DuckDBPyConnection,
    contract: DatasetContract,
    keys: list[str],
    table: pa.Table,
    bad: list[BadRow],
    batch_id: str,
    replaced_keys: pa.Table,
    source: str,
) -> None:
    if replaced_keys.num_rows:
        con.register("replaced_keys", replaced_keys)
        try:
            match = " AND ".join(f"s.{k} = r.{k}" for k in keys)
            con.execute(
                f"DELETE FROM lake.staged.{contract.name} s USING replaced_keys r "
                f"WHERE s._source = ? AND {match}",
                [source],
            )
        finally:
            con.unregister("replaced_keys")
    if table.num_rows:
        insert_arrow(con, f"lake.staged.{contract.name}", table)
    if bad:
        _insert_quarantine(con, contract, [batch_id] * len(bad), bad)


def _insert_quarantine(
    con: duckdb.DuckDBPyConnection,
    contract: DatasetContract,
    batch_ids: list[str],
    rows: Sequence[tuple[str, str | None, str, str]],
) -> None:
    """Quarantine rows (position, origin, field, reason), each under its own batch."""
    now = meta.utcnow()
    quarantine = pa.table(
        {
            "_batch_id": pa.array(batch_ids, pa.string()),
            "_source_pos": pa.array([r[0] for r in rows], pa.string()),
            "_origin": pa.array([r[1] for r in rows], pa.string()),
            "field": pa.array([r[2] for r in rows], pa.string()),
            "reason": pa.array([r[3] for r in rows], pa.string()),
            "_rejected_row": pa.array([None] * len(rows), pa.binary()),
            "quarantined_at": pa.array([now] * len(rows), pa.timestamp("us")),
        }
    )
    insert_arrow(con, f"lake.quarantine.{contract.name}", quarantine)


def _reconcile(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract, batch_id: str, result: StageResult
) -> None:
    batch = con.execute(
        "SELECT rows_read, source FROM lake.meta.batches WHERE batch_id = ?", [batch_id]
    ).fetchone()
    read_at_source = batch[0] if batch else None
    if read_at_source is not None and read_at_source != result.rows_read:
        raise ReconciliationError(
            f"{contract.name} batch {batch_id}: source read {read_at_source} rows, staging saw "
            f"{result.rows_read}"
        )
    if result.rows_loaded + result.rows_quarantined != result.rows_read:
        raise ReconciliationError(
            f"{contract.name} batch {batch_id}: read {result.rows_read} != loaded "
            f"{result.rows_loaded} + quarantined {result.rows_quarantined}"
        )
    con.execute(
        "INSERT INTO lake.meta.reconciliation VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            batch_id,
            contract.name,
            batch[1] if batch else None,
            result.rows_read,
            result.rows_loaded,
            result.rows_quarantined,
            json.dumps(dict(result.reasons), ensure_ascii=False),
            meta.utcnow(),
        ],
    )
