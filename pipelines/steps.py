"""Each pipeline step as a plain function over a :class:`Hub`.

Dagster assets and the command line both call these, so a step behaves the
same whether a schedule, a sensor or a person starts it. Every step writes an
audit event that carries counts and names, never values.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb

from case_merge.build import MergeResult, merge_cases
from lakehouse import meta
from lakehouse.raw_landing import SyncResult, land
from lakehouse.sync_lock import sync_lock
from pipelines.hub import Hub
from pipelines.room_steps import SYSTEM_ACTOR
from products.alerts import ProductAlerts, product_alerts
from products.build import build_product
from products.product_check import ProductCheck, check_product
from protection.protect_dataset import ProtectResult, protect
from quality.channel_rules import channel_rules
from quality.staging import StageResult, identity_columns, stage

if TYPE_CHECKING:
    from quality.expectations import SuiteOutcome

Progress = Callable[[int], None]


def sync_dataset(
    hub: Hub, dataset: str, *, full: bool = False, progress: Progress | None = None
) -> SyncResult:
    """One sync of a single-source dataset's source (see ``sync_source``)."""
    source = hub.catalog.source_for(dataset)
    return sync_source(hub, source.name, full=full, progress=progress)


def sync_source(
    hub: Hub, source_name: str, *, full: bool = False, progress: Progress | None = None
) -> SyncResult:
    """One sync of a source; a second one at the same time refuses at once."""
    source = hub.catalog.sources[source_name]
    dataset = source.dataset
    contract = hub.catalog.datasets[dataset]
    started = meta.utcnow()
    keystore = hub.keystore  # a missing or wrong master key stops here, before the lake opens
    with sync_lock(hub.home.state, source.name), hub.lake() as con:
        try:
            result = land(con, source, contract, keystore, full=full, progress=progress)
        except Exception as failure:
            error = " ".join(str(failure).split())[:500] or type(failure).__name__
            meta.record_sync_run(con, source.name, None, "failed", error, started)
            hub.audit.append(
                "sync",
                SYSTEM_ACTOR,
                {
                    "source": source.name,
                    "dataset": dataset,
                    "outcome": "failed",
                    "error": type(failure).__name__,
                },
            )
            raise
        meta.record_sync_run(con, source.name, result.batch_id, "ok", None, started)
    hub.audit.append(
        "sync",
        SYSTEM_ACTOR,
        {
            "source": result.source,
            "dataset": dataset,
            "batch_id": result.batch_id,
            "mode": result.mode,
            "rows_read": result.rows_read,
            "rows_raw": result.rows_raw,
            "rows_rejected": result.rows_rejected,
            "declared_rows": result.declared_rows,
            "origins": result.origins,
            "files_quarantined": [name for name, _ in result.files_quarantined],
            "notes": len(result.notes),
            "outcome": "ok",
        },
    )
    return result


def stage_dataset(
    hub: Hub, dataset: str, *, today: dt.date | None = None, progress: Progress | None = None
) -> list[StageResult]:
    """Stage every committed raw batch not staged yet, of every source of the dataset,
    oldest first; each source's rows by its own identity and mapping."""
    contract = hub.catalog.datasets[dataset]
    identities, rules = {}, {}
    for source in hub.catalog.sources_for(dataset):
        identities[source.name] = identity_columns(
            contract, list(getattr(source, "primary_key", [])), source.mapping
        )
        rules[source.name] = channel_rules(
            hub.catalog.config_dir, hub.catalog.district, contract, source.name, source.mapping
        )
    results = []
    with hub.lake() as con:
        meta.ensure_meta(con)
        pending = con.execute(
            "SELECT b.batch_id, b.mode, b.source FROM lake.meta.batches b WHERE b.dataset = ? "
            "AND b.batch_id NOT IN (SELECT batch_id FROM lake.meta.reconciliation) "
            "ORDER BY b.finished_at",
            [dataset],
        ).fetchall()
        for batch_id, mode, source_name in pending:
            if source_name not in rules:
                raise ValueError(
                    f"batch {batch_id} of {dataset} came from source {source_name}, which is "
                    "no longer configured; add it back to stage the batch"
                )
            result = stage(
                con,
                contract,
                hub.catalog.district,
                hub.keystore,
                batch_id,
                replace=(mode == "full"),
                identity=identities[source_name],
                today=today,
                progress=progress,
                rules=rules[source_name],
            )
            results.append(result)
            hub.audit.append(
                "stage",
                SYSTEM_ACTOR,
                {
                    "dataset": dataset,
                    "source": source_name,
                    "batch_id": batch_id,
                    "rows_read": result.rows_read,
                    "rows_loaded": result.rows_loaded,
                    "rows_quarantined": result.rows_quarantined,
                    "rows_withdrawn": result.rows_withdrawn,
                    "reasons": dict(result.reasons),
                },
            )
    return results


def protect_dataset(hub: Hub, dataset: str) -> ProtectResult:
    contract = hub.catalog.datasets[dataset]
    with hub.lake() as con:
        result = protect(con, contract, hub.keystore)
    hub.audit.append(
        "protect",
        SYSTEM_ACTOR,
        {
            "dataset": dataset,
            "rows": result.rows,
            "rows_redacted": result.rows_redacted,
            "entities": dict(result.entity_counts),
            "columns_scanned": result.columns_scanned,
            "detected": result.detected,
        },
    )
    return result


def merge_step(hub: Hub, dataset: str) -> MergeResult:
    """Group the dataset's channel records into cases (its contract's ``merge:``)."""
    contract = hub.catalog.datasets[dataset]
    with hub.lake() as con:
        result = merge_cases(con, contract)
    hub.audit.append(
        "merge",
        SYSTEM_ACTOR,
        {
            "dataset": dataset,
            "records": result.records,
            "cases": result.cases,
            "merged_records": result.merged_records,
            "merged_cases": result.merged_cases,
            "links": dict(result.links),
            "overrides": result.overrides,
            "stale_overrides": result.stale_overrides,
        },
    )
    return result


def build_product_step(hub: Hub, product: str, *, today: dt.date | None = None) -> int:
    contract = hub.catalog.products[product]
    with hub.lake() as con:
        built = build_product(con, hub.catalog, product, today=today)
    hub.audit.append(
        "product_build",
        SYSTEM_ACTOR,
        {
            "product": product,
            "inputs": contract.inputs,
            "level": contract.level,
            **built.as_details(),
        },
    )
    return built.rows


def check_product_step(hub: Hub, product: str) -> ProductCheck:
    """What the product's Dagster check verifies (see ``products.product_check``)."""
    with hub.lake() as con:
        return check_product(con, hub.catalog, product)


def product_alerts_step(hub: Hub, product: str) -> ProductAlerts:
    """The rows the product's contract flags as alerts (see ``products.alerts``)."""
    with hub.lake() as con:
        return product_alerts(con, hub.catalog.products[product])


@dataclass(frozen=True)
class Reconciliation:
    source: str
    dataset: str
    batch_id: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    reasons: dict[str, int]

    @property
    def holds(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_quarantined


def reconciliation(hub: Hub) -> list[Reconciliation]:
    """Per source, its latest staged batch: read = loaded + quarantined."""
    with hub.lake() as con:
        meta.ensure_meta(con)
        rows = con.execute(
            """SELECT r.source, r.dataset, r.batch_id, r.rows_read, r.rows_loaded,
                      r.rows_quarantined, r.reasons
               FROM lake.meta.reconciliation r
               QUALIFY row_number() OVER (PARTITION BY r.source ORDER BY r.staged_at DESC) = 1
               ORDER BY r.dataset, r.source"""
        ).fetchall()
    return [
        Reconciliation(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6] or "{}")) for r in rows
    ]


def validate_staged(hub: Hub, dataset: str, *, keep: bool = True) -> SuiteOutcome:
    """Run the dataset's quality suite (its contract's rules as Great Expectations
    expectations) on the staged table; rows its quarantine rules held back in each
    source's newest batch count as failing. ``keep`` files the counts per batch in
    lake.meta.quality_results."""
    from quality import results
    from quality.expectations import chunkable, validate_frames
    from quality.rule_suite import suite_items
    from quality.staged_chunks import CHUNK_ROWS, checked_frames, staged_chunks

    contract = hub.catalog.datasets[dataset]
    items = suite_items(contract, hub.catalog.district)
    chunk_rows = CHUNK_ROWS if chunkable(items) else None
    with contextlib.ExitStack() as copied:
        with hub.lake() as con:
            chunks = copied.enter_context(
                staged_chunks(con, contract, items, hub.home.state, chunk_rows=chunk_rows)
            )
        # Seconds of GX, a chunk at a time: the lake is not held.
        frames = checked_frames(chunks, contract, items, hub.keystore)
        validated = validate_frames(contract, chunks.rows, frames, items)
    with hub.lake() as con:
        outcome = results.add_quarantined(con, contract, validated)
        if keep:
            results.record(con, outcome)
    return outcome


def quarantine_ratio(hub: Hub, dataset: str) -> tuple[int, int, float]:
    """(rows read, rows quarantined, share) of the dataset's worst source: the largest
    share over each source's latest staged batch (``quarantine_ratios``)."""
    ratios = quarantine_ratios(hub, dataset)
    if not ratios:
        return 0, 0, 0.0
    return max(ratios.values(), key=lambda r: r[2])


def quarantine_ratios(hub: Hub, dataset: str) -> dict[str, tuple[int, int, float]]:
    """Per source of the dataset: (rows read, rows quarantined, share) over its latest
    staged batch. Each channel is judged on its own: a broken channel must not hide
    behind the volume of the others.

    A row an earlier batch already quarantined for the same reason (a NULL change value
    the department has not fixed yet comes back at every incremental sync) is counted
    once, in the batch that first reported it: otherwise a small incremental batch would
    fail the check for rows that are not new."""
    with hub.lake() as con:
        meta.ensure_meta(con)
        latest = con.execute(
            """SELECT source, batch_id, rows_read, rows_quarantined
               FROM lake.meta.reconciliation WHERE dataset = ?
               QUALIFY row_number() OVER (PARTITION BY source ORDER BY staged_at DESC) = 1
               ORDER BY source""",
            [dataset],
        ).fetchall()
        return {
            source: _batch_ratio(con, dataset, batch_id, read, quarantined)
            for source, batch_id, read, quarantined in latest
        }


def _batch_ratio(
    con: duckdb.DuckDBPyConnection, dataset: str, batch_id: str, read: int, quarantined: int
) -> tuple[int, int, float]:
    repeated = con.execute(
        f"""SELECT count(*) FROM lake.quarantine.{dataset} q
            WHERE q._batch_id = ? AND EXISTS (
                SELECT 1 FROM lake.quarantine.{dataset} e WHERE e._batch_id <> q._batch_id
                AND e._source_pos = q._source_pos AND e.reason = q.reason
                AND e.quarantined_at < q.quarantined_at
                AND e._batch_id IN (SELECT batch_id FROM lake.meta.batches WHERE source =
                    (SELECT source FROM lake.meta.batches WHERE batch_id = q._batch_id)))""",
        [batch_id],
    ).fetchone()
    already = repeated[0] if repeated else 0
    read, quarantined = read - already, quarantined - already
    return read, quarantined, (quarantined / read if read else 0.0)


def record_cli_materializations(
    hub: Hub, source_name: str, synced: SyncResult, staged: list[StageResult]
) -> None:
    """Tell Dagster about a sync made from the command line, so its UI stays true."""
    from dagster import AssetMaterialization, DagsterInstance

    from pipelines.run import prepare_dagster_home

    prepare_dagster_home(hub)
    with DagsterInstance.get() as instance:
        instance.report_runless_asset_event(
            AssetMaterialization(
                asset_key=hub.catalog.raw_asset_name(source_name),
                description="synced from the command line",
                metadata={
                    "batch_id": synced.batch_id,
                    "rows_read": synced.rows_read,
                    "mode": synced.mode,
                },
            )
        )
        for result in staged:
            instance.report_runless_asset_event(
                AssetMaterialization(
                    asset_key=f"staged_{synced.dataset}",
                    description="standardised from the command line",
                    metadata={
                        "batch_id": result.batch_id,
                        "rows_read": result.rows_read,
                        "rows_loaded": result.rows_loaded,
                        "rows_quarantined": result.rows_quarantined,
                    },
                )
            )
            # the same step wrote the dataset's quarantine (an asset of its own)
            instance.report_runless_asset_event(
                AssetMaterialization(
                    asset_key=f"quarantine_{synced.dataset}",
                    description="rows held back when standardising from the command line",
                    metadata={
                        "batch_id": result.batch_id,
                        "rows_quarantined": result.rows_quarantined,
                    },
                )
            )
