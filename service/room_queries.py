"""A statement in the caller's room, through the gateway: one slot, one audit event."""

from __future__ import annotations

import datetime as dt

from fastapi import Request

from gateway.service import GatewayAnswer
from identity.models import Identity
from service.call_record import mark_audited, route_of
from service.context import context_of
from service.errors import ApiError
from service.rate_limits import QuotaReached, RoomBusy


def run_in_room(
    request: Request,
    identity: Identity,
    sql: str,
    *,
    purpose: str | None,
    download: str | None = None,
) -> GatewayAnswer:
    """``download`` names the file format when the rows leave as a file (a delivery of kind
    download in the register, when they hold person-level data)."""
    context = context_of(request)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    try:
        context.quota.check(identity.audit_name, today)
    except QuotaReached:
        raise ApiError(
            429,
            "quota_reached",
            f"today's quota of {context.settings.rows_per_day:,} rows is used up; "
            "it renews at midnight UTC",
            {"Retry-After": str(_seconds_to_midnight())},
        ) from None
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
                delivery_kind="download" if download else None,
                delivery_format=download,
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
    rows = answer.result.table.num_rows
    context.quota.add(identity.audit_name, today, rows)
    request.state.rows = rows
    context.metrics.rows.labels(identity.principal).inc(rows)
    return answer


def _seconds_to_midnight() -> int:
    now = dt.datetime.now(dt.UTC)
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
    return max(1, int((midnight - now).total_seconds()))
