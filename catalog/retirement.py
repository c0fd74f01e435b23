"""Retire a dataset: the steward's recorded end of its life cycle (decided, audited).

Retirement is a statement of the steward who answers for the data: the dataset is no
longer collected or shared for its purpose. It is written to the audit log as a
``steward_action`` (action ``retire_dataset``, allowed or refused), which the life
cycle register (``catalog.lifecycle``) reads as the ``retired`` stage. Deleting what
the hub still holds is a separate, irreversible step: ``shuzhi keys shred``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.free_text import clean_free_text
from audit.steward_events import append_steward_action
from catalog.lifecycle import RETIRE_ACTION
from policies.steward_actions import RETIRE_DATASET, StewardActionRefused, decide_steward_action

if TYPE_CHECKING:
    from pipelines.hub import Hub


def retire_dataset(hub: Hub, dataset: str, principal: str, reason: str) -> None:
    contract = hub.catalog.datasets.get(dataset)
    if contract is None:
        raise ValueError(f"no dataset {dataset!r} in the catalogue")
    cleaned = clean_free_text(" ".join(reason.split()))
    if not cleaned:
        raise ValueError("a steward's decision needs a stated --reason")
    decided = decide_steward_action(hub.policies, principal, contract, RETIRE_DATASET)
    append_steward_action(hub.audit, principal, RETIRE_ACTION, decided, cleaned, contract=dataset)
    if not decided.allowed:
        raise StewardActionRefused(decided.reason)
