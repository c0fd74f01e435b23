"""Access requests as steps over a :class:`Hub`: the rule, the audit event, the room.

Each step changes the request store (``policies.access_requests``), writes one
``grant`` audit event — refused attempts included — and, when a grant appears
or disappears, rebuilds that one principal's data room at once, so a revoked
grant leaves the room before the command returns (the gateway, deciding again
at query time, refuses it anyway).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

from audit.free_text import clean_details, clean_free_text
from pipelines.hub import Hub
from pipelines.room_steps import audit_room_build
from policies.access_requests import (
    EXPIRY_ACTOR,
    AccessRequest,
    AccessRequestRefused,
    granted_treatments,
)
from policies.models import RowScope
from policies.rooms import RoomReport, build_room

Action = Literal["approve", "deny", "revoke"]
T = TypeVar("T")


@dataclass
class AccessOutcome:
    request: AccessRequest
    room: RoomReport | None = None


def _details(request: AccessRequest, action: str, outcome: str) -> dict[str, object]:
    last = request.last
    return {
        "action": action,
        "request": request.id,
        "principal": request.principal,
        "product": request.product,
        "purpose": request.purpose,
        "until": request.until.isoformat(),
        "outcome": outcome,
        "reason": last.reason if last else "",
        "grant": request.grant.id if request.grant else None,
        "rows": request.grant.rows if request.grant else request.rows,
        "treatments": granted_treatments(request.grant) if request.grant else None,
    }


def _audited(
    hub: Hub, actor: str, action: str, attempt: dict[str, object], run: Callable[[], T]
) -> T:
    """Run one store change; a refusal is audited too, then raised again.

    A refused attempt holds what the user typed as they typed it (the store cleans
    only what it keeps), and the refusal may quote it: both are cleaned here.
    """
    try:
        return run()
    except AccessRequestRefused as refusal:
        details = {**attempt, "action": action, "outcome": "refused", "reason": str(refusal)}
        hub.audit.append("grant", clean_free_text(actor), clean_details(details))
        raise


def request_access(
    hub: Hub,
    *,
    principal: str,
    product: str,
    purpose: str,
    until: dt.date,
    day: dt.date | None = None,
    justification: str = "",
    rows: RowScope | None = None,
) -> AccessRequest:
    attempt: dict[str, object] = {
        "principal": principal,
        "product": product,
        "purpose": purpose,
        "until": until.isoformat(),
        "rows": rows,
    }
    request = _audited(
        hub,
        principal,
        "request",
        attempt,
        lambda: hub.access_requests.request(
            hub.config_policies,
            hub.catalog.products,
            principal=principal,
            product=product,
            purpose=purpose,
            until=until,
            day=day,
            justification=justification,
            rows=rows,
        ),
    )
    hub.audit.append("grant", principal, _details(request, "request", "requested"))
    return request


def decide_request(
    hub: Hub,
    action: Action,
    request_id: str,
    *,
    steward: str,
    reason: str,
    day: dt.date | None = None,
    rows: RowScope | None = None,
    treatments: Mapping[str, str] | None = None,
) -> AccessOutcome:
    """Approve (as asked, or narrower: ``rows``, ``treatments``), deny or revoke; the one
    path of the CLI, the API and the steward's web page."""
    store = hub.access_requests
    attempt: dict[str, object] = {"request": request_id}
    if rows or treatments:
        attempt.update(rows=rows, treatments=dict(treatments or {}))

    def run() -> AccessRequest:
        if action == "approve":
            return store.approve(
                hub.config_policies,
                hub.catalog.products,
                request_id,
                steward=steward,
                reason=reason,
                day=day,
                rows=rows,
                treatments=treatments,
            )
        if rows or treatments:
            raise AccessRequestRefused(
                f"only an approval gives rows or treatments; {action} takes a reason only"
            )
        if action == "deny":
            return store.deny(
                hub.config_policies, request_id, steward=steward, reason=reason, day=day
            )
        return store.revoke(
            hub.config_policies, request_id, steward=steward, reason=reason, day=day
        )

    request = _audited(hub, steward, action, attempt, run)
    outcome = {"approve": "approved", "deny": "denied", "revoke": "revoked"}[action]
    hub.audit.append("grant", steward, _details(request, action, outcome))
    room = None
    if action in ("approve", "revoke"):
        room = rebuild_room(hub, request.principal, actor=steward, because=request.id, day=day)
    return AccessOutcome(request, room)


def expire_due(hub: Hub, *, day: dt.date | None = None) -> list[AccessOutcome]:
    """Record lapsed grants as expired, audit each and rebuild the rooms that held them."""
    outcomes = []
    for request in hub.access_requests.expire_due(day):
        hub.audit.append("grant", EXPIRY_ACTOR, _details(request, "expire", "expired"))
        room = rebuild_room(hub, request.principal, actor=EXPIRY_ACTOR, because=request.id, day=day)
        outcomes.append(AccessOutcome(request, room))
    return outcomes


def rebuild_room(
    hub: Hub, principal: str, *, actor: str, because: str, day: dt.date | None = None
) -> RoomReport:
    """Rebuild one principal's room from the products under the current policies."""
    with hub.lake() as con:
        report = build_room(
            con, hub.home.rooms, principal, hub.catalog, hub.policies, hub.keystore, day=day
        )
    audit_room_build(hub, report, actor, because=because)
    return report
