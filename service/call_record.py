"""One record of every call: the audit event (unless the gateway wrote it), the access
log line and the metrics. None of them holds a query string, a credential or a value.

A plain ASGI middleware (Starlette's BaseHTTPMiddleware runs every call through a
task group and a memory stream, which cost the service a fifth of its time under
load). The audit event is written before the answer's first byte is sent, so no
answer reaches a caller before its event is durable; the usage line, the metrics
and the access log follow once the answer is sent.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import MutableMapping
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from audit.free_text import clean_free_text
from metering import api_usage
from service.metrics import ApiMetrics

ACCESS_LOG = logging.getLogger("shuzhi.access")

Scope = MutableMapping[str, Any]
Message = dict[str, Any]


def route_of(request: Request) -> str:
    """The route template (``/api/v1/products/{name}/rows``), never the raw path."""
    return _route(request.scope)


def mark_audited(request: Request) -> None:
    """The call's one audit event has been written (by the gateway, say)."""
    request.state.audited = True


def install(app: FastAPI, metrics: ApiMetrics) -> None:
    app.add_middleware(CallRecord, metrics=metrics)


# Probes, metrics scrapes and the pages' static files are not a person's access to data.
_UNAUDITED = {"/healthz", "/readyz", "/metrics", "/static"}  # /static: scripts, styles


class CallRecord:
    """ASGI middleware: audit, meter, count and log every HTTP call once."""

    def __init__(self, app: Any, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status, length, answering, unaudited = 500, 0, False, False

        async def recording_send(message: Message) -> None:
            nonlocal status, length, answering, unaudited
            if unaudited:  # the answer was replaced: none of it goes out
                return
            if message["type"] == "http.response.start":
                try:
                    await self._audit(scope, message["status"])
                except Exception as error:  # no answer goes out that is not audited
                    unaudited, answering = True, True
                    status, length = await _refuse_unaudited(scope, receive, send, error)
                    return
                status = message["status"]
                length = _content_length(message.get("headers") or [])
                answering = True
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        except Exception:
            if not answering:  # the server answers 500 for us: audit that
                await self._audit(scope, 500)
            raise
        finally:
            self._account(scope, status, length, started)

    async def _audit(self, scope: Scope, status: int) -> None:
        state = scope.setdefault("state", {})
        route = _route(scope)
        if state.get("audited") or route in _UNAUDITED:
            return
        state["audited"] = True
        # Appending waits for an fsync: off the event loop, before the answer goes out.
        await anyio.to_thread.run_sync(_audit, scope, route, status)

    def _account(self, scope: Scope, status: int, length: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        route = _route(scope)
        identity = scope.get("state", {}).get("identity")
        who = identity.audit_name if identity else "anonymous"
        if route not in _UNAUDITED:
            _meter(scope, route, status, length, who, identity, elapsed)
        self.metrics.calls.labels(route, str(status)).inc()
        self.metrics.latency.labels(route).observe(elapsed)
        ACCESS_LOG.info(
            json.dumps(
                {
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "ms": round(elapsed * 1000, 1),
                    "by": who,
                },
                ensure_ascii=False,
            )
        )


async def _refuse_unaudited(
    scope: Scope, receive: Any, send: Any, error: Exception
) -> tuple[int, int]:
    """Answer instead of an answer the audit log could not record: (status, bytes sent).

    A shared home database that does not answer is 503 and says so (never where it is);
    any other failure is the service's own (500), for the operator to read in its log."""
    from home.shared_home import HomeDatabaseDown

    if isinstance(error, HomeDatabaseDown):
        status, kind, reason = 503, "unavailable", str(error)
    else:
        ACCESS_LOG.exception("the audit log could not be written; the call was not answered")
        status, kind, reason = 500, "internal", "the audit log could not be written"
    answer = JSONResponse(
        {"error": kind, "message": f"{reason}: the call was not answered"}, status_code=status
    )
    await answer(scope, receive, send)
    return status, len(answer.body)


def _route(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "<no route>"


def _content_length(headers: list[tuple[bytes, bytes]]) -> int:
    for name, value in headers:
        if name.lower() == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


def _meter(
    scope: Scope, route: str, status: int, length: int, who: str, identity: Any, elapsed: float
) -> None:
    state = scope.get("state", {})
    api_usage.record(
        scope["app"].state.context.hub.home.state,
        api_usage.UsageLine(
            called_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            caller=who,
            principal=identity.principal if identity else "",
            route=f"{scope['method']} {route}",
            product=str(scope.get("path_params", {}).get("name", ""))[:100],
            status=status,
            rows=int(state.get("rows", 0)),
            bytes=length,
            ms=round(elapsed * 1000, 2),
        ),
    )


def _audit(scope: Scope, route: str, status: int) -> None:
    hub = scope["app"].state.context.hub
    state = scope.get("state", {})
    identity = state.get("identity")
    details: dict[str, object] = {
        "endpoint": f"{scope['method']} {route}",
        "status": status,
        "outcome": "answered" if status < 400 else "refused" if status < 500 else "failed",
        "by": identity.audit_name if identity else "anonymous",
        "principal": identity.principal if identity else "",
    }
    extra = state.get("audit_details")
    if extra:
        details.update(extra)
    reason = state.get("refusal")
    if reason:
        details["reason"] = clean_free_text(str(reason))
    actor = identity.principal if identity else "anonymous"
    hub.audit.append("api", actor, details)
