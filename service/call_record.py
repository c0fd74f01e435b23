"""One record of every call: the audit event (unless the gateway wrote it), the access
log line and the metrics. None of them holds a query string, a credential or a value."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from typing import Any

from fastapi import FastAPI, Request, Response
from starlette.middleware.base import RequestResponseEndpoint

from audit.free_text import clean_free_text
from metering import api_usage
from service.metrics import ApiMetrics

ACCESS_LOG = logging.getLogger("shuzhi.access")


def route_of(request: Request) -> str:
    """The route template (``/api/v1/products/{name}/rows``), never the raw path."""
    route = request.scope.get("route")
    return getattr(route, "path", None) or "<no route>"


def mark_audited(request: Request) -> None:
    """The call's one audit event has been written (by the gateway, say)."""
    request.state.audited = True


def install(app: FastAPI, metrics: ApiMetrics) -> None:
    @app.middleware("http")
    async def record(request: Request, call_next: RequestResponseEndpoint) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        elapsed = time.perf_counter() - started
        route = route_of(request)
        identity = getattr(request.state, "identity", None)
        who = identity.audit_name if identity else "anonymous"
        if not getattr(request.state, "audited", False) and route not in _UNAUDITED:
            _audit(request, route, response.status_code, identity)
        _meter(request, route, response, who, identity, elapsed)
        metrics.calls.labels(route, str(response.status_code)).inc()
        metrics.latency.labels(route).observe(elapsed)
        ACCESS_LOG.info(
            json.dumps(
                {
                    "method": request.method,
                    "route": route,
                    "status": response.status_code,
                    "ms": round(elapsed * 1000, 1),
                    "by": who,
                },
                ensure_ascii=False,
            )
        )
        return response


# Probes and metrics scrapes are not a person's access to data.
_UNAUDITED = {"/healthz", "/readyz", "/metrics"}


def _meter(
    request: Request, route: str, response: Response, who: str, identity: Any, elapsed: float
) -> None:
    if route in _UNAUDITED:
        return
    length = response.headers.get("content-length", "0")
    api_usage.record(
        request.app.state.context.hub.home.state,
        api_usage.UsageLine(
            called_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            caller=who,
            principal=identity.principal if identity else "",
            route=f"{request.method} {route}",
            product=str(request.path_params.get("name", ""))[:100],
            status=response.status_code,
            rows=int(getattr(request.state, "rows", 0)),
            bytes=int(length) if length.isdigit() else 0,
            ms=round(elapsed * 1000, 2),
        ),
    )


def _audit(request: Request, route: str, status: int, identity: Any) -> None:
    hub = request.app.state.context.hub
    details: dict[str, object] = {
        "endpoint": f"{request.method} {route}",
        "status": status,
        "outcome": "answered" if status < 400 else "refused" if status < 500 else "failed",
        "by": identity.audit_name if identity else "anonymous",
        "principal": identity.principal if identity else "",
    }
    extra = getattr(request.state, "audit_details", None)
    if extra:
        details.update(extra)
    reason = getattr(request.state, "refusal", None)
    if reason:
        details["reason"] = clean_free_text(str(reason))
    actor = identity.principal if identity else "anonymous"
    hub.audit.append("api", actor, details)
