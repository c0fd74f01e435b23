"""A real HTTP server on 127.0.0.1 that serves paged JSON and misbehaves on request.

Each request first consumes one scripted ``Misbehaviour`` (a status, headers, a body,
a delay); once the script is empty it serves records in the pagination style asked for.
``faults`` spoil chosen pages (a repeated page, an early empty page, a renamed envelope,
a stuck or dropped cursor, a record with other fields), and ``claimed_total`` /
``claimed_total_pages`` make the API lie about its counts.
"""

from __future__ import annotations

import datetime as dt
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
class PageFault:
    """How one page is served wrong; ``FakeApi.faults`` maps a page number (1-based, in
    any style: offset 10 in pages of 5 is page 3) to it."""

    records_of: int | None = None  # serve that page's records instead: a repeated page
    empty: bool = False  # serve no records: an empty page before the end
    keep: int | None = None  # serve only this many of the page's records: a short page
    records_key: str | None = None  # put the records under this key: a renamed envelope
    envelope: dict[str, Any] = field(default_factory=dict)  # keys set: a stuck cursor, a new total
    drop: tuple[str, ...] = ()  # keys removed: a dropped cursor, a vanished total
    record_fields: dict[str, Any] = field(default_factory=dict)  # set on the page's first record
    record_drop: tuple[str, ...] = ()  # removed from the page's first record


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
    send_total: bool = True  # include "total" in each page
    send_total_pages: bool = True  # page style: include "total_pages" in each page
    claimed_total: int | None = None  # the "total" sent instead of the true count
    claimed_total_pages: int | None = None  # the "total_pages" sent instead of the true one
    faults: dict[int, PageFault] = field(default_factory=dict)
    # (query parameter, record field): asked with the parameter, the API serves only the
    # records whose field is after its value (ISO timestamps, compared as times).
    changed_after: tuple[str, str] | None = None
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

    def served_records(self, params: dict[str, str]) -> list[dict[str, Any]]:
        """The records a request covers: all, or those changed after the asked watermark."""
        if self.changed_after is None or self.changed_after[0] not in params:
            return self.records
        param, name = self.changed_after
        after = dt.datetime.fromisoformat(params[param])
        return [r for r in self.records if dt.datetime.fromisoformat(r[name]) > after]

    def page(self, params: dict[str, str]) -> dict[str, Any]:
        size = int(params.get("page_size", "100"))
        if self.max_page_size:
            size = min(size, self.max_page_size)
        records = self.served_records(params)
        total = len(records)
        served: dict[str, Any]
        if self.style == "page":
            number = int(params.get("page", "1"))
            start = (number - 1) * size
            served = {"data": records[start : start + size]}
            if self.send_total_pages:
                served["total_pages"] = self._claimed_pages(-(-total // size))
        elif self.style == "offset":
            start = int(params.get("offset", "0"))
            number = start // size + 1
            served = {"data": records[start : start + size]}
        else:
            start = int(params["cursor"].removeprefix("after-")) if "cursor" in params else 0
            number = start // size + 1
            end = start + size
            served = {
                "data": records[start:end],
                "next_cursor": f"after-{end}" if end < total else None,
            }
        if self.send_total:
            served["total"] = total if self.claimed_total is None else self.claimed_total
        fault = self.faults.get(number)
        return self._spoil(served, fault, size) if fault else served

    def _claimed_pages(self, true_pages: int) -> int:
        return true_pages if self.claimed_total_pages is None else self.claimed_total_pages

    def _spoil(self, served: dict[str, Any], fault: PageFault, size: int) -> dict[str, Any]:
        records = [dict(r) for r in served.pop("data")]
        if fault.records_of is not None:
            start = (fault.records_of - 1) * size
            records = [dict(r) for r in self.records[start : start + size]]
        if fault.empty:
            records = []
        if fault.keep is not None:
            records = records[: fault.keep]
        if records:
            records[0].update(fault.record_fields)
            for name in fault.record_drop:
                records[0].pop(name, None)
        served[fault.records_key or "data"] = records
        served.update(fault.envelope)
        for key in fault.drop:
            served.pop(key, None)
        return served


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
