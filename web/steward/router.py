"""The steward's pages as one router (web/mount.py's PAGE_ROUTERS)."""

from __future__ import annotations

from fastapi import APIRouter

from web.steward import (
    routes_actions,
    routes_approvals,
    routes_assessment,
    routes_catalogue,
    routes_charts,
    routes_detail,
)

router = APIRouter(include_in_schema=False)
for part in (
    routes_catalogue,
    routes_detail,
    routes_actions,
    routes_charts,
    routes_approvals,
    routes_assessment,
):
    router.include_router(part.router)
