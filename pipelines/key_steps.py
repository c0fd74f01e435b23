"""Key operations on a hub, each written to the audit log: status, rotation, retirement,
crypto-shredding and token key rotation (with products and rooms rebuilt after)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from audit.free_text import clean_free_text
from encryption.keystore import KeyStoreError
from encryption.master_key import resolve_master_key
from encryption.master_rotation import rewrap_under, rotate_master_key
from pipelines.hub import Hub
from pipelines.room_steps import build_rooms_step
from pipelines.steps import build_product_step
from protection.key_rotation import (
    RetireOutcome,
    RotationReport,
    retire_unused_versions,
    rotate_data_keys,
    version_counts,
)
from protection.token_rotation import (
    TokenRotationPlan,
    TokenRotationResult,
    apply_token_rotation,
    plan_token_rotation,
    retire_unused_token_versions,
)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class KeyStatusRow:
    kind: str
    name: str
    current: int | None
    held: tuple[int, ...]
    destroyed: tuple[int, ...]
    note: str
    values: dict[int | None, int]  # data keys: values in the lake per version


def key_status(hub: Hub, dataset: str | None = None) -> list[KeyStatusRow]:
    with hub.lake() as con:
        counts = version_counts(con, hub.keystore, hub.catalog)
    rows = []
    for info in hub.keystore.slots():
        if dataset is not None and info.dataset != dataset:
            continue
        notes = []
        if info.rotating_to is not None:
            notes.append(f"rotation to v{info.rotating_to} unfinished (rerun keys rotate)")
        if info.pending is not None:
            notes.append(f"token rotation to v{info.pending} planned")
        if info.current is None and info.destroyed:
            notes.append("shredded")
        slot_counts: Counter[int | None] = Counter()
        if info.kind == "data":
            assert info.dataset is not None and info.column is not None
            slot_counts = counts.get((info.dataset, info.column), Counter())
        rows.append(
            KeyStatusRow(
                info.kind,
                info.name,
                info.current,
                info.versions,
                tuple(sorted(info.destroyed)),
                "; ".join(notes),
                dict(slot_counts),
            )
        )
    return rows


def rotate_keys_step(
    hub: Hub, actor: str, datasets: set[str] | None, progress: Progress | None = None
) -> RotationReport:
    with hub.lake() as con:
        report = rotate_data_keys(con, hub.keystore, hub.catalog, datasets, progress)
    hub.audit.append(
        "key_rotation",
        actor,
        {
            "datasets": sorted(datasets) if datasets else "all",
            "versions": {f"{d}.{c}": v for (d, c), v in report.targets.items()},
            "rows_reencrypted": report.rows,
            "tables": {t.table: t.rows for t in report.tables},
        },
    )
    return report


def rotate_master_step(hub: Hub, actor: str, new_key_file: Path | None = None) -> int:
    provider = resolve_master_key(hub.home.keys)
    if new_key_file is None:
        count = rotate_master_key(hub.home.keys, provider)
    else:
        count = rewrap_under(hub.home.keys, provider, new_key_file)
    hub.__dict__.pop("keystore", None)  # the cached store was opened with the old key
    hub.audit.append(
        "key_rotation",
        actor,
        {"master_key": "rotated" if new_key_file is None else "rewrapped", "keys": count},
    )
    return count


def retire_keys_step(hub: Hub, actor: str, datasets: set[str] | None) -> list[RetireOutcome]:
    """Old data key versions (of ``datasets``) and, for the whole lake, old token key versions."""
    with hub.lake() as con:
        outcomes = retire_unused_versions(con, hub.keystore, hub.catalog, datasets)
        if datasets is None:
            outcomes += retire_unused_token_versions(con, hub.keystore, hub.catalog)
    hub.audit.append(
        "key_retire",
        actor,
        {
            "retired": [f"{o.key} v{o.version}" for o in outcomes if o.retired],
            "kept": {f"{o.key} v{o.version}": o.values_left for o in outcomes if not o.retired},
        },
    )
    return outcomes


def shred_step(
    hub: Hub, actor: str, dataset: str, reason: str, progress: Progress | None = None
) -> dict[str, list[int]]:
    """Crypto-shredding that leaves no way back to the people: first the lake's rows are
    unlinked (tokens and quasi-identifiers emptied), what was made from them rebuilt and
    old snapshots expired (``pipelines.lifecycle_steps``); then the dataset's data keys
    are destroyed. A shred stopped between the two completes when run again."""
    from pipelines.lifecycle_steps import unlink_details, unlink_step

    if dataset not in hub.catalog.datasets:
        raise KeyStoreError(f"unknown dataset {dataset!r}")
    reason = clean_free_text(reason)  # kept in the key store and the audit log
    if not reason.strip():
        raise ValueError("crypto-shredding needs a reason (it is kept with the tombstone)")
    unlinked = unlink_step(hub, dataset, progress)
    destroyed = hub.keystore.shred(dataset, reason)
    hub.audit.append(
        "key_shred",
        actor,
        {"dataset": dataset, "reason": reason, "destroyed": destroyed, **unlink_details(unlinked)},
    )
    return destroyed


def plan_tokens_step(hub: Hub, actor: str, domain: str) -> TokenRotationPlan:
    with hub.lake() as con:
        plan = plan_token_rotation(con, hub.keystore, hub.catalog, domain)
    hub.audit.append(
        "token_rotation_plan",
        actor,
        {
            "domain": domain,
            "from_version": plan.current,
            "to_version": plan.to_version,
            "rows_to_change": {loc.column.where: loc.to_change for loc in plan.locations},
            "products_rebuilt": plan.products,
        },
    )
    return plan


def apply_tokens_step(
    hub: Hub, actor: str, domain: str, progress: Progress | None = None
) -> TokenRotationResult:
    say = progress or (lambda _: None)
    with hub.lake() as con:
        result = apply_token_rotation(con, hub.keystore, hub.catalog, domain)
    say(f"{result.rows_changed:,} token values moved to v{result.plan.to_version}")
    hub.audit.append(
        "token_rotation",
        actor,
        {
            "domain": domain,
            "to_version": result.plan.to_version,
            "rows_changed": result.rows_changed,
            "tokens_mapped": result.tokens_mapped,
        },
    )
    for product in result.plan.products:
        rows = build_product_step(hub, product)
        say(f"product {product} rebuilt ({rows:,} rows)")
    reports = build_rooms_step(hub)
    say(f"{len(reports)} data rooms rebuilt")
    return result
