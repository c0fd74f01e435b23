"""A steward's split and forced merge of case records: decided, audited, applied at once.

Who may is decided by ``policies.steward_actions`` (only the dataset's steward); every
attempt, allowed or refused, is a ``steward_action`` audit event naming record ids
(a source and a case number, never personal data) and the reason as cleaned by
``audit.free_text``. An allowed override is stored (``case_merge.overrides``) and the
merge is run again there and then; every later merge run applies it too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.free_text import clean_free_text
from audit.steward_events import append_steward_action
from case_merge.build import MergeResult, record_id_sql
from case_merge.overrides import Action, Override, record_override
from policies.steward_actions import (
    MERGE_CASE_RECORDS,
    SPLIT_CASE_RECORD,
    StewardActionRefused,
    decide_steward_action,
)

if TYPE_CHECKING:
    from pipelines.hub import Hub

_WHAT = {"split": SPLIT_CASE_RECORD, "merge": MERGE_CASE_RECORDS}


class UnknownRecord(ValueError):
    """A record id names no loaded record of the dataset."""


def split_record(
    hub: Hub, dataset: str, record: str, principal: str, reason: str
) -> tuple[Override, MergeResult]:
    """Take ``record`` out of the case it was merged into, now and at every later run."""
    return _override(hub, dataset, "split", (record,), principal, reason)


def merge_records(
    hub: Hub, dataset: str, first: str, second: str, principal: str, reason: str
) -> tuple[Override, MergeResult]:
    """Force two records into one case, now and at every later run."""
    if first == second:
        raise ValueError("name two different records to merge")
    return _override(hub, dataset, "merge", (first, second), principal, reason)


def _override(
    hub: Hub,
    dataset: str,
    action: Action,
    records: tuple[str, ...],
    principal: str,
    reason: str,
) -> tuple[Override, MergeResult]:
    from pipelines.steps import merge_step

    reason = clean_free_text(" ".join(reason.split()))
    if not reason:
        raise ValueError("a steward's override needs a stated --reason")
    if dataset not in hub.catalog.datasets:
        raise ValueError(f"no dataset named {dataset!r}")
    contract = hub.catalog.datasets[dataset]
    if contract.merge is None:
        raise ValueError(f"dataset {dataset} has no merge rule: its records are not merged")
    with hub.lake() as con:
        for record in records:
            found = con.execute(
                f"SELECT count(*) FROM lake.protected.{dataset} "
                f"WHERE {record_id_sql(contract)} = ?",
                [record],
            ).fetchone()
            if not found or not found[0]:
                raise UnknownRecord(
                    f"no loaded record {record!r} in {dataset} (a record id is "
                    "<source>:<case number>, as `shuzhi cases explain` shows it)"
                )
    decided = decide_steward_action(hub.policies, principal, contract, _WHAT[action])
    append_steward_action(
        hub.audit,
        principal,
        f"{action}_case_records",
        decided,
        reason,
        dataset=dataset,
        records=list(records),
    )
    if not decided.allowed:
        raise StewardActionRefused(decided.reason)
    with hub.lake() as con:
        override = record_override(con, dataset, action, records, principal, reason)
    return override, merge_step(hub, dataset)
