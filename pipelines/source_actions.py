"""A steward's actions on a source, shared by the command line and (later) the HTTP service.

Each is decided by ``policies.steward_actions`` and written to the audit log whether it
was allowed or refused.
"""

from __future__ import annotations

from audit.free_text import clean_free_text
from audit.steward_events import append_steward_action
from lakehouse import meta
from lakehouse.sync_guards import CHANGES
from pipelines.hub import Hub
from policies.steward_actions import StewardActionRefused, decide_steward_action


def accept_source_change(
    hub: Hub, source_name: str, change: str, principal: str, reason: str
) -> str:
    """Let the next sync of ``source_name`` commit a change it would refuse (a shrink, a
    column type change). Used up by the one sync that relies on it.

    Returns the reason as recorded: cleaned of personal data (``audit.free_text``).
    """
    if change not in CHANGES:
        raise ValueError(f"--change must be one of {', '.join(CHANGES)}, not {change!r}")
    reason = clean_free_text(" ".join(reason.split()))
    if not reason:
        raise ValueError("a steward's acceptance needs a stated --reason")
    source = hub.catalog.sources[source_name]
    contract = hub.catalog.datasets[source.dataset]
    decided = decide_steward_action(hub.policies, principal, contract, f"accept a {change}")
    append_steward_action(
        hub.audit,
        principal,
        f"accept_{change}",
        decided,
        reason,
        source=source_name,
        dataset=contract.name,
    )
    if not decided.allowed:
        raise StewardActionRefused(decided.reason)
    with hub.lake() as con:
        meta.record_acceptance(con, source_name, change, principal, reason)
    return reason
