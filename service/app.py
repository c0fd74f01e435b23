"""The one ASGI service every client system, script and (later) web page reaches the hub by.

Identity comes from a credential (service.auth); every decision is the engine's;
every call is one audit event (the gateway's for statements, service.call_record
for the rest).
"""

from __future__ import annotations

from fastapi import FastAPI

from gateway import room_worker
from identity.shared_state import key_prefix, shared_redis
from pipelines.hub import Hub
from service import call_record, errors
from service.body_limit import BodyLimit
from service.context import ServiceContext, ServiceSettings
from service.metrics import ApiMetrics
from service.rate_limits import DailyRows, RateLimiter, RoomSlots
from service.redis_limits import RedisDailyRows, RedisRateLimiter
from service.routes_access import router as access_router
from service.routes_auth import router as auth_router
from service.routes_health import router as health_router
from service.routes_products import router as products_router
from service.routes_query import router as query_router
from service.routes_review import router as review_router
from web import mount as pages


def create_app(hub: Hub, settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or ServiceSettings()
    app = FastAPI(
        title="Shuzhi 数治 API",
        version="1",
        description="基层数据共享与治理平台：按授权访问本街道的数据产品。",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # no pages that load scripts from a CDN
        redoc_url=None,
    )
    metrics = ApiMetrics()
    limiter, quota = _caller_limits(settings)
    app.state.context = ServiceContext(
        hub=hub,
        settings=settings,
        limiter=limiter,
        rooms=RoomSlots(settings.queries_per_room),
        metrics=metrics,
        quota=quota,
    )
    # One worker per statement that may run at once, kept warm between calls.
    room_worker.set_pool_size(max(2, settings.queries_per_room))
    errors.install(app)
    # The body limit sits inside the call record, so a body refused for its size is an
    # audited call like any other (added later = further out).
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    call_record.install(app, metrics)
    routers = (health_router, auth_router, products_router, query_router, access_router,
               review_router)  # fmt: skip
    for router in routers:
        app.include_router(router)
    pages.install(app)
    return app


def _caller_limits(
    settings: ServiceSettings,
) -> tuple[RateLimiter | RedisRateLimiter, DailyRows | RedisDailyRows]:
    """Each caller's rate and daily rows: counted in the shared Redis when several API
    processes serve the hub (``SHUZHI_REDIS_URL``), else in this process."""
    client = shared_redis()
    if client is None:
        return RateLimiter(settings.requests_per_minute), DailyRows(settings.rows_per_day)
    prefix = key_prefix()
    return (
        RedisRateLimiter(settings.requests_per_minute, client, prefix),
        RedisDailyRows(settings.rows_per_day, client, prefix),
    )
