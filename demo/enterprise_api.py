"""The market-regulation register as the department serves it: a paged JSON API with a token.

The department's own store is a JSON-lines file; ``EnterpriseApiServer``
serves it on loopback the way the real register's API does, so the hub's
HTTP connector is exercised over real HTTP.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from collections.abc import Iterable
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from demo.loopback_api import JsonHandler, LoopbackApi

ENDPOINT = "/api/v1/enterprises"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500


def write_enterprises_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> int:
    """The department's store: one JSON object per line, UTF-8."""
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False))
            out.write("\n")
            written += 1
    return written


def ensure_api_token(path: Path) -> str:
    """The API's bearer token: read it, or create it (random, owner-only file) when absent."""
    if path.exists():
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(token + "\n")
    return token


class _PageRequestError(ValueError):
    pass


def _positive_int(query: dict[str, list[str]], name: str, default: int) -> int:
    values = query.get(name)
    if not values:
        return default
    try:
        value = int(values[-1])
    except ValueError:
        raise _PageRequestError(f"{name} must be an integer") from None
    if value < 1:
        raise _PageRequestError(f"{name} must be at least 1")
    return value


class _Handler(JsonHandler):
    server: _EnterpriseHttpServer
    api_name = "enterprise api"

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path.rstrip("/") != ENDPOINT:
            self._send_json(HTTPStatus.NOT_FOUND, {"error": "not_found", "message": "no such path"})
            return
        if not self._authorised():
            self._send_json(
                HTTPStatus.UNAUTHORIZED,
                {"error": "unauthorized", "message": "a valid bearer token is required"},
                extra_headers={"WWW-Authenticate": 'Bearer realm="enterprises"'},
            )
            return
        query = parse_qs(url.query)
        try:
            page = _positive_int(query, "page", 1)
            page_size = _positive_int(query, "page_size", DEFAULT_PAGE_SIZE)
            if page_size > MAX_PAGE_SIZE:
                raise _PageRequestError(f"page_size must be at most {MAX_PAGE_SIZE}")
        except _PageRequestError as exc:
            self._send_json(HTTPStatus.BAD_REQUEST, {"error": "bad_request", "message": str(exc)})
            return
        lines = self.server.lines
        total = len(lines)
        total_pages = (total + page_size - 1) // page_size
        chunk = lines[(page - 1) * page_size : page * page_size]
        # The stored lines are JSON objects already: splice them in as they are.
        body = (
            '{"data": [' + ", ".join(chunk) + "], "
            f'"page": {page}, "page_size": {page_size}, '
            f'"total": {total}, "total_pages": {total_pages}}}'
        )
        self._send_body(HTTPStatus.OK, body.encode("utf-8"))

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        scheme, _, presented = header.partition(" ")
        if scheme.lower() != "bearer" or not presented:
            return False
        return hmac.compare_digest(presented.strip().encode(), self.server.token.encode())


class _EnterpriseHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], lines: list[str], token: str) -> None:
        super().__init__(address, _Handler)
        self.lines = lines
        self.token = token


class EnterpriseApiServer(LoopbackApi):
    """Serves ``enterprises.jsonl`` at GET /api/v1/enterprises?page=N&page_size=M.

    Use as a context manager; ``url`` is ``http://host:port`` once started.
    """

    thread_name = "enterprise-api"

    def __init__(self, data_path: Path, token: str, host: str = "127.0.0.1", port: int = 0):
        if not token:
            raise ValueError("the enterprise API needs a non-empty token")
        super().__init__(host, port)
        self._data_path = Path(data_path)
        self._token = token

    def make_server(self, address: tuple[str, int]) -> ThreadingHTTPServer:
        text = self._data_path.read_text(encoding="utf-8")
        lines = [line for line in text.split("\n") if line.strip()]
        return _EnterpriseHttpServer(address, lines, self._token)
