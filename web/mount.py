"""Put the pages on the service: static files, the page routes, headers and error pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from web.department.routes_new_source import router as department_new_source_router
from web.department.routes_sources import router as department_sources_router
from web.department.routes_sync import router as department_sync_router
from web.errors import page_answer
from web.headers import SecurityHeaders
from web.purpose import router as purpose_router
from web.reviewer import router as reviewer_router
from web.routes_sign_in import router as sign_in_router
from web.routes_sso import router as sso_router
from web.steward.router import router as steward_router
from web.street.routes import ROUTERS as STREET_ROUTERS

STATIC = Path(__file__).parent / "static"
PAGE_ROUTERS = (
    sign_in_router,
    sso_router,
    purpose_router,
    *STREET_ROUTERS,
    steward_router,
    reviewer_router,
    department_sources_router,
    department_sync_router,
    department_new_source_router,
)


def install(app: FastAPI) -> None:
    app.state.page_answer = page_answer
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.add_middleware(SecurityHeaders)
