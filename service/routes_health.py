"""Liveness, readiness and Prometheus metrics for the district's monitoring."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from home.shared_home import HomeDatabaseDown, home_database, shared_home_configured
from service.context import context_of
from service.json_rows import json_response
from service.metrics import CONTENT_TYPE

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="服务存活")
def healthz() -> Response:
    return json_response({"status": "ok"})


@router.get("/readyz", summary="服务就绪：配置、审计日志与数据室可用")
def readyz(request: Request) -> Response:
    hub = context_of(request).hub
    problems = []
    try:
        hub.catalog  # noqa: B018 - loading the contracts is the check
        hub.policies  # noqa: B018
    except Exception as error:  # any configuration error makes the service unready
        problems.append(f"configuration: {type(error).__name__}")
    if not hub.home.rooms.is_dir():
        problems.append("no data rooms yet: run the pipeline")
    if not hub.home.audit.is_dir():
        problems.append("no audit folder")
    if shared_home_configured():
        try:
            home_database().ping()
        except HomeDatabaseDown as down:
            problems.append(str(down))
    status = 200 if not problems else 503
    return json_response(
        {"status": "ready" if not problems else "not ready", "problems": problems}, status
    )


@router.get(
    "/metrics",
    summary="Prometheus 指标",
    response_class=PlainTextResponse,
    responses={200: {"content": {CONTENT_TYPE.split(";")[0]: {}}}},
)
def metrics(request: Request) -> Response:
    return Response(context_of(request).metrics.text(), media_type=CONTENT_TYPE)
