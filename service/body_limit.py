"""Refuse a request body over the limit before it is read into memory (413).

An API caller gets the JSON error body; a page (a form or an upload posted from the
browser) gets the pages' failure page (``app.state.page_answer``), saying the limit.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

Scope = dict[str, Any]
Message = dict[str, Any]


class BodyLimit:
    """ASGI middleware: a declared length over ``max_bytes`` is refused at once; an
    undeclared (chunked) body is counted as it arrives and cut off past the limit."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, send)
            return
        seen = 0
        refused = False

        async def counted_receive() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message: Message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # Answer now; the app sees the caller gone and stops reading.
                    refused = True
                    await self._refuse(scope, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:  # after the 413 nothing else may be sent
                await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not refused:
                raise

    async def _refuse(self, scope: Scope, send: Any) -> None:
        page_answer = getattr(getattr(scope.get("app"), "state", None), "page_answer", None)
        if page_answer is not None and not str(scope.get("path", "")).startswith("/api/"):
            await self._refuse_page(scope, send, page_answer)
            return
        body = json.dumps(
            {
                "error": "too_large",
                "message": f"the request body is larger than {self.max_bytes:,} bytes",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _refuse_page(self, scope: Scope, send: Any, page_answer: Any) -> None:
        megabytes = self.max_bytes / (1024 * 1024)
        message = (
            f"上传的文件或表单超过 {megabytes:g} MB 上限 / the upload is larger than the "
            f"{megabytes:g} MB limit"
        )
        response = page_answer(Request(scope), 413, "too_large", message)
        response.headers["connection"] = "close"

        async def gone() -> Message:
            return {"type": "http.disconnect"}

        await response(scope, gone, send)
