"""Every failure an API caller can cause, as the right status and one clear message.

The body is always ``{"error": kind, "message": text}``; a message never echoes
a credential, and the service answers the next request whatever went wrong.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.room_connection import QueryFailed, QueryStopped, QueryTimeout
from gateway.service import AccessRefused
from gateway.statement import StatementRefused
from home.shared_home import HomeDatabaseDown
from identity.models import AuthenticationFailed
from identity.shared_state import SharedStateDown
from web.csrf import CsrfRefused


class ErrorBody(BaseModel):
    """What every refusal or failure answers with."""

    error: str = Field(description="错误类别，如 unauthenticated、refused、rate_limited")
    message: str = Field(description="一句话说明原因")


# Declared on every route, so clients and schema tools know every answer's shape.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (401, "未登录或凭据无效"),
        (403, "无权执行或访问"),
        (404, "不存在或不属于你"),
        (413, "请求体或结果过大"),
        (422, "请求不合法或查询被拒绝"),
        (429, "超过频率或每日行数限额"),
        (503, "暂时不可用"),
        (504, "查询超时"),
    )
}


class ApiError(Exception):
    """A refusal the API itself explains: status, kind and message."""

    def __init__(self, status: int, kind: str, message: str, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message
        self.headers = headers or {}


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} does not exist, or is not yours to see")


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def status_of(error: BaseException) -> tuple[int, str, str]:
    """(status, kind, message) for an error raised while answering a call."""
    if isinstance(error, ApiError):
        return error.status, error.kind, error.message
    if isinstance(error, AuthenticationFailed):
        return 401, "unauthenticated", str(error)
    if isinstance(error, CsrfRefused):
        return 403, "csrf", str(error)
    if isinstance(error, AccessRefused):
        return 403, "refused", str(error)
    if isinstance(error, StatementRefused):
        return 422, "statement_refused", str(error)
    if isinstance(error, QueryTimeout):
        return 504, "timeout", str(error)
    if isinstance(error, QueryStopped):
        return 413 if error.limit == "size" else 422, "stopped", str(error)
    if isinstance(error, QueryFailed):
        return 422, "query_failed", str(error)
    if isinstance(error, SharedStateDown | HomeDatabaseDown):
        return 503, "unavailable", str(error)
    return 500, "internal", "the service failed to answer; the operator can see why in its log"


# How the pages answer a failure (web.mount sets it on app.state): as a page, not JSON.
PageAnswer = Callable[[Request, int, str, str], Response]


def _answer(
    request: Request, status: int, kind: str, message: str, headers: dict | None = None
) -> Response:
    page_answer: PageAnswer | None = getattr(request.app.state, "page_answer", None)
    if page_answer is not None and not request.url.path.startswith("/api/"):
        return page_answer(request, status, kind, message)
    return _body(status, kind, message, headers)


def _body(status: int, kind: str, message: str, headers: dict | None = None) -> JSONResponse:
    response = JSONResponse({"error": kind, "message": message}, status_code=status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="shuzhi"'
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(request: Request, error: ApiError) -> Response:
        request.state.refusal = error.message
        return _answer(request, error.status, error.kind, error.message, error.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        # Name the field, never echo the value (it may be personal data).
        where = "; ".join(
            ".".join(str(part) for part in e.get("loc", ())) + f": {e.get('msg', 'invalid')}"
            for e in error.errors()[:5]
        )
        request.state.refusal = f"the request is not valid: {where}"
        return _answer(request, 422, "invalid_request", request.state.refusal)

    async def _known(request: Request, error: Exception) -> Response:
        status, kind, message = status_of(error)
        request.state.refusal = message
        return _answer(request, status, kind, message)

    for known in (AuthenticationFailed, AccessRefused, StatementRefused, QueryFailed, CsrfRefused,
                  SharedStateDown, HomeDatabaseDown):  # fmt: skip
        app.add_exception_handler(known, _known)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        kind = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http")
        request.state.refusal = str(error.detail)
        return _answer(request, error.status_code, kind, str(error.detail))
