"""A read in the street office's room, as the API makes it (service.room_queries), with
the gateway's refusal kept for the page to show in place instead of failing the page."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
from fastapi import Request

from gateway.query_outcomes import QueryFailed
from gateway.service import AccessRefused, GatewayAnswer
from gateway.statement import StatementRefused
from identity.models import Identity
from policies.room_prune import products_in_room as built_products
from service.context import context_of
from service.errors import status_of
from service.room_queries import run_in_room

# What the gateway answers when a statement may not run or cannot; a rate limit or quota
# (service.errors.ApiError) still fails the page, with its own status.
REFUSALS = (AccessRefused, StatementRefused, QueryFailed)


@dataclass(frozen=True)
class RoomRead:
    answer: GatewayAnswer | None
    refusal: str = ""
    status: int = 200

    @property
    def table(self) -> pa.Table:
        assert self.answer is not None, "a refused read has no table"
        return self.answer.result.table

    @property
    def rows(self) -> list[dict]:
        return self.table.to_pylist() if self.answer is not None else []


def read_in_room(
    request: Request,
    identity: Identity,
    sql: str,
    purpose: str,
    *,
    download: str | None = None,
) -> RoomRead:
    """Run ``sql`` through the gateway for ``purpose`` (audited there, refused or not)."""
    try:
        answer = run_in_room(request, identity, sql, purpose=purpose or None, download=download)
    except REFUSALS as refused:
        status, _, message = status_of(refused)
        return RoomRead(None, message, status)
    return RoomRead(answer)


NOT_BUILT = "granted, and not in the room yet: the next pipeline run builds it there"


def read_product(
    request: Request, identity: Identity, name: str, sql: str, purpose: str
) -> RoomRead:
    """``read_in_room`` of a statement over product ``name``, or a 404 saying the product
    is granted but not built in the room yet (rather than the room's missing-table error)."""
    hub = context_of(request).hub
    if name not in built_products(hub.home.rooms, identity.principal):
        return RoomRead(None, f"{name}: {NOT_BUILT}", 404)
    return read_in_room(request, identity, sql, purpose)
