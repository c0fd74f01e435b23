"""A real HTTP server on 127.0.0.1 that serves paged JSON and misbehaves on request.

Each request first consumes one scripted ``Misbehaviour`` (a status, headers, a body,
a delay); once the script is empty it serves records in the pagination style asked for.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

Style = Literal["page", "offset", "cursor"]


@dataclass
class Misbehaviour:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None  # None: serve the normal page after the delay
    delay_s: float = 0.0


@dataclass
class SeenRequest:
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class FakeApi:
    records: list[dict[str, Any]]
    style: Style = "page"
    script: list[Misbehaviour] = field(default_factory=list)
    always: Misbehaviour | None = None  # applied to every request after the script
    required_headers: dict[str, str] = field(default_factory=dict)
    max_page_size: int | None = None  # like many APIs: asked for more, serves at most this
    send_total: bool = True  # offset style: include "total" in each page
    seen: list[SeenRequest] = field(default_factory=list)
    base_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def respond(self, path: str, params: dict[str, str], headers: dict[str, str]) -> Misbehaviour:
        with self.lock:
            self.seen.append(SeenRequest(path, params, headers))
            step = self.script.pop(0) if self.script else self.always
        if step and step.delay_s:
            time.sleep(step.delay_s)
        if step and step.body is not None:
            return step
        for name, value in self.required_headers.items():
            if headers.get(name.lower()) != value:
                return Misbehaviour(401, body=b'{"error": "unauthorised"}')
        if step and step.status != 200:
            return Misbehaviour(step.status, step.headers, b'{"error": "scripted"}')
        return Misbehaviour(200, body=json.dumps(self.page(params), ensure_ascii=False).encode())

    def page(self, params: dict[str, str]) -> dict[str, Any]:
        size = int(params.get("page_size", "100"))
        if self.max_page_size:
            size = min(size, self.max_page_size)
        total = len(self.records)
        if self.style == "page":
            page = int(params.get("page", "1"))
            start = (page - 1) * size
            return {
                "data": self.records[start : start + size],
                "total_pages": -(-total // size),
                "total": total,
            }
        if self.style == "offset":
            start = int(params.get("offset", "0"))
            served: dict[str, Any] = {"data": self.records[start : start + size]}
            if self.send_total:
                served["total"] = total
            return served
        start = int(params["cursor"].removeprefix("after-")) if "cursor" in params else 0
        end = start + size
        return {
            "data": self.records[start:end],
            "next_cursor": f"after-{end}" if end < total else None,
        }


def _handler(api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            params = {k: v[0] for k, v in parse_qs(url.query).items()}
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = api.respond(url.path, params, headers)
            body = answer.body or b""
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to answer

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet

    return Handler


@contextmanager
def serve(api: FakeApi) -> Iterator[FakeApi]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    server.daemon_threads = True
    # a short poll interval: shutdown() waits for one poll, 0.5 s by default
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    api.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def enterprises(n: int) -> list[dict[str, Any]]:
    return [
        {"uscc": f"U{i:04d}", "name": f"企业{i}", "capital": i * 10, "tags": ["a", i]}
        for i in range(1, n + 1)
    ]
