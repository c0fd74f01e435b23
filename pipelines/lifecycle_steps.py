"""The end of data's life on a hub, each step audited: retention and a shred's unlinking.

Both leave no way back: after rows are deleted (retention) or cut loose from their
people (shred), the merges and products made from them are rebuilt, every room is
rebuilt, and the snapshots that still hold the old rows are expired and their files
deleted (``lakehouse.snapshots``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from lakehouse.connection import table_exists
from lakehouse.retention import DatasetRetention, apply_retention
from lakehouse.snapshots import HistoryPurge, purge_history
from pipelines.hub import Hub
from pipelines.room_steps import build_rooms_step
from pipelines.steps import build_product_step, merge_step
from protection.unlink import UnlinkReport, unlink_dataset

Progress = Callable[[str], None]


@dataclass
class Rebuilt:
    merges: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    rooms: int = 0


@dataclass
class RetentionRun:
    today: dt.date
    dry_run: bool
    datasets: list[DatasetRetention]
    rebuilt: Rebuilt = field(default_factory=Rebuilt)
    history: HistoryPurge | None = None

    @property
    def rows(self) -> int:
        return sum(d.total for d in self.datasets)


def rebuild_from(hub: Hub, datasets: set[str], say: Progress) -> Rebuilt:
    """Rebuild what is made from ``datasets``: their merges, the products built from them
    (those built before), and every room."""
    rebuilt = Rebuilt()
    catalog = hub.catalog
    with hub.lake() as con:
        built = {p for p in catalog.products if table_exists(con, "products", p)}
        protected = {d for d in datasets if table_exists(con, "protected", d)}
    for dataset in sorted(protected):
        if catalog.datasets[dataset].merge is not None:
            merge_step(hub, dataset)
            rebuilt.merges.append(dataset)
            say(f"cases of {dataset} merged again")
    for product in sorted(built):
        if set(catalog.products[product].inputs) & datasets:
            rows = build_product_step(hub, product)
            rebuilt.products.append(product)
            say(f"product {product} rebuilt ({rows:,} rows)")
    rebuilt.rooms = len(build_rooms_step(hub))
    say(f"{rebuilt.rooms} data rooms rebuilt")
    return rebuilt


def forget_history(hub: Hub, say: Progress) -> HistoryPurge:
    with hub.lake() as con:
        purge = purge_history(con, hub.home.state)
    say(
        f"{len(purge.snapshots_expired)} older snapshots expired, {purge.files_deleted} "
        f"data files deleted; time travel starts at snapshot {purge.kept_snapshot}"
    )
    return purge


def retention_step(
    hub: Hub,
    actor: str,
    *,
    today: dt.date | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> RetentionRun:
    """Delete every row past its contract's retention from every layer, rebuild what was
    made from them and expire the snapshots that hold them (``dry_run``: count only)."""
    say = progress or (lambda _: None)
    today = today or dt.datetime.now(dt.UTC).date()
    with hub.lake() as con:
        results = apply_retention(con, hub.catalog, today=today, dry_run=dry_run)
    run = RetentionRun(today, dry_run, results)
    changed = {d.dataset for d in results if d.total}
    if changed and not dry_run:
        run.rebuilt = rebuild_from(hub, changed, say)
        run.history = forget_history(hub, say)
    hub.audit.append("retention", actor, retention_details(run))
    return run


def retention_details(run: RetentionRun) -> dict[str, object]:
    """Counts, names and snapshot ids only (the audit log's ``retention`` event)."""
    return {
        "as_of": run.today.isoformat(),
        "dry_run": run.dry_run,
        "rows": run.rows,
        "rows_by_table": {
            f"{d.dataset}.{layer}": n for d in run.datasets for layer, n in d.rows.items() if n
        },
        "cutoffs": {d.dataset: d.cutoff.isoformat() for d in run.datasets},
        "products_rebuilt": run.rebuilt.products,
        "rooms_rebuilt": run.rebuilt.rooms,
        **_history_details(run.history),
    }


def _history_details(history: HistoryPurge | None) -> dict[str, object]:
    if history is None:
        return {"snapshots_expired": 0, "files_deleted": 0}
    return {
        "snapshots_expired": len(history.snapshots_expired),
        "first_snapshot_expired": min(history.snapshots_expired, default=None),
        "last_snapshot_expired": max(history.snapshots_expired, default=None),
        "kept_snapshot": history.kept_snapshot,
        "files_deleted": history.files_deleted,
    }


@dataclass
class ShredUnlink:
    report: UnlinkReport
    rebuilt: Rebuilt
    history: HistoryPurge


def unlink_step(hub: Hub, dataset: str, progress: Progress | None = None) -> ShredUnlink:
    """A shred's lake side: the dataset's rows unlinked from their people, what was made
    from them rebuilt, the snapshots that held the links expired."""
    say = progress or (lambda _: None)
    with hub.lake() as con:
        report = unlink_dataset(con, hub.catalog.datasets[dataset])
    say(f"{dataset}: {sum(report.rows.values()):,} rows unlinked from their people")
    rebuilt = rebuild_from(hub, {dataset}, say)
    history = forget_history(hub, say)
    return ShredUnlink(report, rebuilt, history)


def unlink_details(unlink: ShredUnlink) -> dict[str, object]:
    return {
        "rows_unlinked": {f"{unlink.report.dataset}.{k}": v for k, v in unlink.report.rows.items()},
        "columns_emptied": {k: ",".join(v) for k, v in unlink.report.columns.items()},
        "token_maps_dropped": unlink.report.token_maps_dropped,
        "products_rebuilt": unlink.rebuilt.products,
        "rooms_rebuilt": unlink.rebuilt.rooms,
        **_history_details(unlink.history),
    }
