"""Each pipeline step as a plain function over a :class:`Hub`.

Dagster assets and the command line both call these, so a step behaves the
same whether a schedule, a sensor or a person starts it. Every step writes an
audit event that carries counts and names, never values.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lakehouse import meta
from lakehouse.raw_landing import SyncResult, land
from lakehouse.sync_lock import sync_lock
from pipelines.hub import Hub
from policies.rooms import RoomReport, build_all_rooms
from products.build import build_product
from products.product_check import ProductCheck, check_product
from protection.protect_dataset import ProtectResult, protect
from quality.staging import StageResult, identity_columns, stage

if TYPE_CHECKING:
    from quality.expectations import SuiteOutcome

Progress = Callable[[int], None]
SYSTEM_ACTOR = "shuzhi-pipeline"


def sync_dataset(
    hub: Hub, dataset: str, *, full: bool = False, progress: Progress | None = None
) -> SyncResult:
    """One sync of the dataset's source; a second one at the same time refuses at once."""
    source = hub.catalog.source_for(dataset)
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
    """Stage every committed raw batch not staged yet, oldest first."""
    contract = hub.catalog.datasets[dataset]
    source = hub.catalog.source_for(dataset)
    identity = identity_columns(contract, list(getattr(source, "primary_key", [])))
    results = []
    with hub.lake() as con:
        meta.ensure_meta(con)
        pending = con.execute(
            "SELECT b.batch_id, b.mode FROM lake.meta.batches b WHERE b.dataset = ? "
            "AND b.batch_id NOT IN (SELECT batch_id FROM lake.meta.reconciliation) "
            "ORDER BY b.finished_at",
            [dataset],
        ).fetchall()
        for batch_id, mode in pending:
            result = stage(
                con,
                contract,
                hub.catalog.district,
                hub.keystore,
                batch_id,
                replace=(mode == "full"),
                identity=identity,
                today=today,
                progress=progress,
            )
            results.append(result)
            hub.audit.append(
                "stage",
                SYSTEM_ACTOR,
                {
                    "dataset": dataset,
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


def build_rooms_step(hub: Hub, *, day: dt.date | None = None) -> list[RoomReport]:
    with hub.lake() as con:
        reports = build_all_rooms(
            con, hub.home.rooms, hub.catalog, hub.policies, hub.keystore, day=day
        )
    for report in reports:
        hub.audit.append(
            "room_build",
            SYSTEM_ACTOR,
            {
                "principal": report.principal,
                "products": report.products,
                "denied": sorted(report.denied),
            },
        )
    return reports


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
    """Per dataset, its latest staged batch: read = loaded + quarantined."""
    with hub.lake() as con:
        meta.ensure_meta(con)
        rows = con.execute(
            """SELECT r.source, r.dataset, r.batch_id, r.rows_read, r.rows_loaded,
                      r.rows_quarantined, r.reasons
               FROM lake.meta.reconciliation r
               QUALIFY row_number() OVER (PARTITION BY r.dataset ORDER BY r.staged_at DESC) = 1
               ORDER BY r.dataset"""
        ).fetchall()
    return [
        Reconciliation(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6] or "{}")) for r in rows
    ]


def validate_staged(hub: Hub, dataset: str) -> SuiteOutcome:
    """Run the dataset's Great Expectations suite on the columns it reads."""
    from quality.expectations import expectation_columns, validate_frame

    contract = hub.catalog.datasets[dataset]
    columns = sorted(expectation_columns(contract)) or ["_batch_id"]
    select = ", ".join(f'"{c}"' for c in columns)
    with hub.lake() as con:
        frame = con.execute(f"SELECT {select} FROM lake.staged.{dataset}").df()
    return validate_frame(contract, frame)


def quarantine_ratio(hub: Hub, dataset: str) -> tuple[int, int, float]:
    """(rows read, rows quarantined, share) over the dataset's latest staged batch.

    A row an earlier batch already quarantined for the same reason (a NULL change value
    the department has not fixed yet comes back at every incremental sync) is counted
    once, in the batch that first reported it: otherwise a small incremental batch would
    fail the check for rows that are not new."""
    with hub.lake() as con:
        meta.ensure_meta(con)
        row = con.execute(
            "SELECT batch_id, rows_read, rows_quarantined FROM lake.meta.reconciliation "
            "WHERE dataset = ? ORDER BY staged_at DESC LIMIT 1",
            [dataset],
        ).fetchone()
        if row is None:
            return 0, 0, 0.0
        batch_id, read, quarantined = row
        repeated = con.execute(
            f"""SELECT count(*) FROM lake.quarantine.{dataset} q
                WHERE q._batch_id = ? AND EXISTS (
                    SELECT 1 FROM lake.quarantine.{dataset} e WHERE e._batch_id <> q._batch_id
                    AND e._source_pos = q._source_pos AND e.reason = q.reason
                    AND e.quarantined_at < q.quarantined_at)""",
            [batch_id],
        ).fetchone()
    already = repeated[0] if repeated else 0
    read, quarantined = read - already, quarantined - already
    return read, quarantined, (quarantined / read if read else 0.0)


def record_cli_materializations(
    hub: Hub, dataset: str, synced: SyncResult, staged: list[StageResult]
) -> None:
    """Tell Dagster about a sync made from the command line, so its UI stays true."""
    from dagster import AssetMaterialization, DagsterInstance

    from pipelines.run import prepare_dagster_home

    prepare_dagster_home(hub)
    with DagsterInstance.get() as instance:
        instance.report_runless_asset_event(
            AssetMaterialization(
                asset_key=f"raw_{dataset}",
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
                    asset_key=f"staged_{dataset}",
                    description="standardised from the command line",
                    metadata={
                        "batch_id": result.batch_id,
                        "rows_read": result.rows_read,
                        "rows_loaded": result.rows_loaded,
                        "rows_quarantined": result.rows_quarantined,
                    },
                )
            )
