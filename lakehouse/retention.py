"""Delete the rows a dataset's contract no longer lets the hub keep, from every layer.

When a row's period starts (documented in the README, "Retention"):
1. A contract whose ``retention.date_column`` names a date column of the data counts
   from that date, as the staged layer holds it typed (visits: 走访日期; cases: 办结时间).
   A row whose date is empty is kept: the event the period counts from (the case
   closed) has not happened yet.
2. Otherwise the period counts from the row's load into the hub: its batch's time in
   ``lake.meta.batches`` (the contracts' bases, 自迁出或注销之日起 and the like, are
   events the departments do not send).

A staged row past its period goes, and with it every copy of the same source row
(``_batch_id``, ``_source_pos``) in raw, protected and quarantine. Raw and quarantine
rows that no staged row stands for (a version a later sync replaced, a row rejected)
go by their load time. Products, merges and rooms are rebuilt by the caller; the old
snapshots that still hold the rows are expired by ``lakehouse.snapshots``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb

from catalog.contracts import DatasetContract
from catalog.registry import Catalog
from lakehouse.connection import lake_transaction, table_exists

LAYERS = ("raw", "staged", "protected", "quarantine")
# The source rows past their period, by identity; made per dataset, dropped after.
EXPIRED = "retention_expired_rows"


@dataclass
class DatasetRetention:
    dataset: str
    keep_days: int
    cutoff: dt.date  # rows whose period started before this day go
    counted_from: str  # the date column, or "load time"
    rows: dict[str, int] = field(default_factory=dict)  # layer: rows deleted (or to delete)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def cutoff_for(contract: DatasetContract, today: dt.date) -> dt.date | None:
    if contract.retention is None:
        return None
    return today - dt.timedelta(days=contract.retention.keep_days)


def apply_retention(
    con: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    *,
    today: dt.date | None = None,
    dry_run: bool = False,
    datasets: set[str] | None = None,
) -> list[DatasetRetention]:
    """Each dataset with a retention: its rows past the period per layer, deleted unless
    ``dry_run`` (one transaction per dataset, so a dataset is pruned whole or not at all)."""
    today = today or dt.datetime.now(dt.UTC).date()
    results = []
    for contract in catalog.datasets.values():
        cutoff = cutoff_for(contract, today)
        if cutoff is None or (datasets is not None and contract.name not in datasets):
            continue
        assert contract.retention is not None
        result = DatasetRetention(
            contract.name,
            contract.retention.keep_days,
            cutoff,
            contract.retention.date_column or "load time",
        )
        if table_exists(con, "staged", contract.name) or table_exists(con, "raw", contract.name):
            _prune(con, contract, cutoff, result, dry_run)
        results.append(result)
    return results


def _prune(
    con: duckdb.DuckDBPyConnection,
    contract: DatasetContract,
    cutoff: dt.date,
    result: DatasetRetention,
    dry_run: bool,
) -> None:
    name = contract.name
    date_column = contract.retention.date_column if contract.retention else None
    basis = f't."{date_column}"' if date_column else LOADED
    has_staged = table_exists(con, "staged", name)
    # The set is made in the process's own temporary database, before the lake's
    # transaction: one transaction writes to one database only.
    con.execute(f"CREATE OR REPLACE TEMP TABLE {EXPIRED} (_batch_id VARCHAR, _source_pos VARCHAR)")
    if has_staged:
        con.execute(
            f"INSERT INTO {EXPIRED} SELECT _batch_id, _source_pos FROM lake.staged.{name} t "
            f"WHERE CAST({basis} AS DATE) < ?",
            [cutoff],
        )
    layers = [layer for layer in LAYERS if table_exists(con, layer, name)]
    wheres = {layer: _expired_where(layer, has_staged, name) for layer in layers}
    for layer, (where, params) in wheres.items():
        row = con.execute(
            f"SELECT count(*) FROM lake.{layer}.{name} t WHERE {where}",
            [cutoff] * params,
        ).fetchone()
        result.rows[layer] = int(row[0]) if row else 0
    if not dry_run and result.total:
        with lake_transaction(con):
            # Staged last: the raw and quarantine conditions look at what staged holds.
            for layer in sorted(layers, key=lambda layer: layer == "staged"):
                where, params = wheres[layer]
                if result.rows[layer]:
                    con.execute(
                        f"DELETE FROM lake.{layer}.{name} t WHERE {where}", [cutoff] * params
                    )
    con.execute(f"DROP TABLE temp.{EXPIRED}")


# A row's load time: its batch's (every layer's rows carry their batch id).
LOADED = (
    "(SELECT coalesce(b.finished_at, b.started_at) FROM lake.meta.batches b "
    "WHERE b.batch_id = t._batch_id)"
)


def _expired_where(layer: str, has_staged: bool, name: str) -> tuple[str, int]:
    """The rows of one layer past their period, and how many cutoff parameters it takes."""
    same_row = (
        f"EXISTS (SELECT 1 FROM temp.{EXPIRED} e WHERE e._batch_id = t._batch_id "
        "AND e._source_pos IS NOT DISTINCT FROM t._source_pos)"
    )
    if layer in ("staged", "protected"):
        return same_row, 0
    if not has_staged:
        return f"({same_row} OR CAST({LOADED} AS DATE) < ?)", 1
    standing = (
        f"EXISTS (SELECT 1 FROM lake.staged.{name} s WHERE s._batch_id = t._batch_id "
        "AND s._source_pos IS NOT DISTINCT FROM t._source_pos)"
    )
    # A copy no staged row stands for (replaced by a later sync, or rejected) goes by its
    # load time; one that stands for a staged row goes with it.
    return f"({same_row} OR (NOT {standing} AND CAST({LOADED} AS DATE) < ?))", 1
