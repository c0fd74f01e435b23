"""A steward's catalogue decisions: decided, audited, written into the contract.

Confirm or override a column's detected personal data, set a column's level, change a
sharing type (不予共享 with its stated refusal reason), record a product's downgrade.
Who may is decided by ``policies.steward_actions`` (only the contract's steward); every
attempt, allowed or refused, is a ``steward_action`` audit event (``audit.steward_events``)
with the principal acted as, the operator (``by``, set by the CLI), what it named and the
reason cleaned by ``audit.free_text``. An allowed change is validated as the whole
catalogue would load it before the contract is written, and returned as a unified diff.
"""

from __future__ import annotations

import difflib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit.free_text import clean_free_text
from audit.steward_events import append_steward_action
from catalog.contract_edits import edit_column, set_block, set_top_level
from catalog.contracts import LEVELS, DatasetContract, ProductContract
from catalog.levels import level_rank
from pii.entities import ENTITIES
from policies.steward_actions import (
    CLASSIFY_COLUMN,
    RECORD_DOWNGRADE,
    SET_COLUMN_LEVEL,
    SET_SHARING,
    StewardActionRefused,
    decide_steward_action,
)

if TYPE_CHECKING:
    from pipelines.hub import Hub


@dataclass(frozen=True)
class ContractChange:
    path: Path
    diff: str  # unified, as ``git diff`` shows it

    @property
    def changed(self) -> bool:
        return bool(self.diff)


def _reason(reason: str, what: str = "--reason") -> str:
    cleaned = clean_free_text(" ".join(reason.split()))
    if not cleaned:
        raise ValueError(f"a steward's decision needs a stated {what}")
    return cleaned


def _contract(hub: Hub, name: str) -> tuple[DatasetContract | ProductContract, Path]:
    catalog = hub.catalog
    if name in catalog.datasets:
        return catalog.datasets[name], catalog.config_dir / "datasets" / f"{name}.yaml"
    if name in catalog.products:
        return catalog.products[name], catalog.config_dir / "products" / f"{name}.yaml"
    raise ValueError(f"no dataset or product {name!r} in the catalogue")


def _act(
    hub: Hub,
    name: str,
    principal: str,
    action: str,
    what: str,
    reason: str,
    edit: Any,
    **named: object,
) -> ContractChange:
    """Decide, audit, and (if allowed) apply ``edit(text) -> text`` to the contract."""
    from catalog.registry import load_catalog

    reason = _reason(reason)
    contract, path = _contract(hub, name)
    decided = decide_steward_action(hub.policies, principal, contract, what)
    if not decided.allowed:
        append_steward_action(hub.audit, principal, action, decided, reason, contract=name, **named)
        raise StewardActionRefused(decided.reason)
    before = path.read_text(encoding="utf-8")
    after = edit(before)
    config = hub.catalog.config_dir
    with tempfile.TemporaryDirectory(prefix="shuzhi-contract-") as scratch:
        trial = Path(scratch) / "config"
        shutil.copytree(config, trial)
        (trial / path.relative_to(config)).write_text(after, encoding="utf-8")
        load_catalog(trial)  # ConfigError names the key: nothing written, nothing audited
    diff = "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            f"a/{path.relative_to(config.parent)}",
            f"b/{path.relative_to(config.parent)}",
        )
    )
    if diff:
        path.write_text(after, encoding="utf-8")
    append_steward_action(
        hub.audit,
        principal,
        action,
        decided,
        reason,
        contract=name,
        **named,
        changed=bool(diff),
    )
    return ContractChange(path, diff)


def classify_column(
    hub: Hub, dataset: str, column: str, entity: str, confirm: bool, principal: str, reason: str
) -> ContractChange:
    """Confirm that ``column`` holds ``entity`` (it is sealed and at least L3 from now on),
    or override the detection: the entity may stay in the column as it is protected
    (``reviewed: {ENTITY: reason}``, which the protect step's census then accepts)."""
    if entity not in ENTITIES:
        raise ValueError(f"entity {entity!r} is not one of {', '.join(ENTITIES)}")
    contract = _column_owner(hub, dataset, column)
    cleaned = _reason(reason)

    def change(spec: dict[str, Any]) -> None:
        reviewed = dict(spec.get("reviewed") or {})
        if confirm:
            reviewed.pop(entity, None)
            if spec.get("protection", "none") == "none":
                spec["protection"] = "seal"
            if level_rank(spec.get("level", "L2")) < level_rank("L3"):
                spec["level"] = "L3"
        else:
            reviewed[entity] = cleaned
        if reviewed:
            spec["reviewed"] = reviewed
        else:
            spec.pop("reviewed", None)

    return _act(
        hub, contract.name, principal, "classify_column", CLASSIFY_COLUMN, reason,
        lambda text: edit_column(text, column, change),
        column=column, entity=entity, decision="confirm" if confirm else "override",
    )  # fmt: skip


def set_column_level(
    hub: Hub, dataset: str, column: str, level: str, principal: str, reason: str
) -> ContractChange:
    if level not in LEVELS:
        raise ValueError(f"level {level!r} is not one of {', '.join(LEVELS)}")
    contract = _column_owner(hub, dataset, column)

    def change(spec: dict[str, Any]) -> None:
        spec["level"] = level

    return _act(
        hub, contract.name, principal, "set_column_level", SET_COLUMN_LEVEL, reason,
        lambda text: edit_column(text, column, change), column=column, level=level,
    )  # fmt: skip


def set_sharing(
    hub: Hub, name: str, sharing: str, principal: str, reason: str, refusal_reason: str = ""
) -> ContractChange:
    """Change a dataset's (or product's) sharing type; 不予共享 (``none``) needs the
    refusal reason the engine gives everyone it denies."""
    if sharing not in ("unconditional", "conditional", "none"):
        raise ValueError(f"sharing {sharing!r} is not unconditional, conditional or none")
    refusal = _reason(refusal_reason, "--refusal-reason") if sharing == "none" else None
    if refusal_reason.strip() and sharing != "none":
        raise ValueError("--refusal-reason is only for sharing none (不予共享)")

    def edit(text: str) -> str:
        text = set_top_level(text, "sharing", sharing)
        return set_top_level(text, "refusal_reason", refusal, after="sharing")

    return _act(
        hub, name, principal, "set_sharing", SET_SHARING, reason, edit,
        sharing=sharing, refusal_reason=refusal,
    )  # fmt: skip


def record_downgrade(
    hub: Hub, product: str, level: str, principal: str, reason: str
) -> ContractChange:
    """Record that ``product`` is published at ``level``, below its inputs (就高从严 lifted
    by the steward's stated reason): the contract's ``downgrade:`` block."""
    if product not in hub.catalog.products:
        raise ValueError(f"no product {product!r} in the catalogue (a downgrade is a product's)")
    if level not in LEVELS:
        raise ValueError(f"level {level!r} is not one of {', '.join(LEVELS)}")
    cleaned = _reason(reason)
    block = {"to": level, "by": principal, "reason": cleaned}
    return _act(
        hub, product, principal, "record_downgrade", RECORD_DOWNGRADE, reason,
        lambda text: set_block(text, "downgrade", block), level=level,
    )  # fmt: skip


def _column_owner(hub: Hub, dataset: str, column: str) -> DatasetContract:
    contract = hub.catalog.datasets.get(dataset)
    if contract is None:
        raise ValueError(f"no dataset {dataset!r} in the catalogue")
    if column not in {c.name for c in contract.columns}:
        raise ValueError(f"dataset {dataset} has no column {column!r}")
    return contract
