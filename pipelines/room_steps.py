"""Building every principal's room from the lakehouse, each build audited.

Kept apart from ``pipelines.steps`` so that an API server refreshing its own rooms
(``service.own_rooms``) does not load the pipeline's heavy parts (PII detection, quality
checks) to do it.
"""

from __future__ import annotations

import datetime as dt

from pipelines.hub import Hub
from policies.rooms import RoomReport, build_all_rooms

SYSTEM_ACTOR = "shuzhi-pipeline"


def build_rooms_step(
    hub: Hub,
    *,
    day: dt.date | None = None,
    actor: str = SYSTEM_ACTOR,
    audit_reused: bool = True,
) -> list[RoomReport]:
    """Build every principal's room and audit each build as ``actor``; a server refreshing
    its own rooms (``audit_reused=False``) audits only the rooms it rebuilt."""
    with hub.lake() as con:
        reports = build_all_rooms(
            con, hub.home.rooms, hub.catalog, hub.policies, hub.keystore, day=day
        )
    for report in reports:
        if report.reused and not audit_reused:
            continue
        audit_room_build(hub, report, actor)
    return reports


def audit_room_build(hub: Hub, report: RoomReport, actor: str, **why: str) -> None:
    """One room's build in the audit log: whose room, what it holds, what it was denied."""
    details: dict[str, object] = {
        "principal": report.principal,
        "products": report.products,
        "denied": sorted(report.denied),
    }
    hub.audit.append("room_build", actor, {**details, **why})
