"""A statement in the caller's room, through the gateway: one slot, one audit event."""

from __future__ import annotations

from fastapi import Request

from gateway.service import GatewayAnswer
from identity.models import Identity
from service.call_record import mark_audited, route_of
from service.context import context_of
from service.errors import ApiError
from service.rate_limits import RoomBusy


def run_in_room(
    request: Request, identity: Identity, sql: str, *, purpose: str | None
) -> GatewayAnswer:
    context = context_of(request)
    try:
        with context.rooms.slot(identity.principal):
            # The gateway writes the call's one audit event, answered or not.
            mark_audited(request)
            answer = context.gateway.query(
                identity.principal,
                sql,
                purpose=purpose,
                by=identity.audit_name,
                endpoint=f"{request.method} {route_of(request)}",
            )
    except RoomBusy:
        request.state.audited = False
        raise ApiError(
            429,
            "room_busy",
            f"{context.settings.queries_per_room} queries are already running in this room; "
            "try again in a moment",
            {"Retry-After": "1"},
        ) from None
    context.metrics.rows.labels(identity.principal).inc(answer.result.table.num_rows)
    return answer
