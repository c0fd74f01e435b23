"""The security reviewer's pages: the audit dashboard, search, who saw a person, leak trace.

Every page is for principals of kind ``reviewer`` (the action rule's ``read_audit``),
and every answer comes from the audit package's own functions, as the CLI's and the
API's do: search, the access review's findings, sealed verification, the delivery
register and trace.
"""

from __future__ import annotations

from fastapi import APIRouter

from web.reviewer.routes_dashboard import router as dashboard_router
from web.reviewer.routes_search import router as search_router
from web.reviewer.routes_trace import router as trace_router
from web.reviewer.routes_who_saw import router as who_saw_router

router = APIRouter(include_in_schema=False)
for _area in (dashboard_router, search_router, who_saw_router, trace_router):
    router.include_router(_area)
