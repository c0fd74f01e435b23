"""The WeChat mini-program's open API as its vendor serves it: cursor paging, an API key.

GET /open/v2/tickets?limit=N[&cursor=C] with header X-Api-Key answers
``{"items": [...], "next_cursor": "…" | null, "has_more": bool}``; the cursor is
opaque to the client (here the base64 of the position after the page). The vendor's
store is a JSON-lines file (``demo.wechat_tickets``).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from demo.loopback_api import JsonHandler, LoopbackApi

ENDPOINT = "/open/v2/tickets"
KEY_HEADER = "X-Api-Key"
KEY_FILE = "hotline_12345/wechat/api_key"
STORE_FILE = "hotline_12345/wechat/tickets.jsonl"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"after:{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The position a cursor stands for; ValueError for one this server never issued."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError("cursor is not one this API issued") from None
    prefix, _, number = text.partition(":")
    if prefix != "after" or not number.isdigit():
        raise ValueError("cursor is not one this API issued")
    return int(number)


class _Handler(JsonHandler):
    server: _WechatHttpServer
    api_name = "wechat api"

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path.rstrip("/") != ENDPOINT:
            self._send_json(HTTPStatus.NOT_FOUND, {"errcode": 404, "errmsg": "no such path"})
            return
        presented = self.headers.get(KEY_HEADER, "")
        if not presented or not hmac.compare_digest(presented.encode(), self.server.key.encode()):
            self._send_json(HTTPStatus.UNAUTHORIZED, {"errcode": 401, "errmsg": "invalid api key"})
            return
        query = parse_qs(url.query)
        try:
            limit = int((query.get("limit") or [str(DEFAULT_LIMIT)])[-1])
            if not 1 <= limit <= MAX_LIMIT:
                raise ValueError(f"limit must be 1 to {MAX_LIMIT}")
            cursor = (query.get("cursor") or [""])[-1]
            start = decode_cursor(cursor) if cursor else 0
        except ValueError as problem:
            self._send_json(HTTPStatus.BAD_REQUEST, {"errcode": 400, "errmsg": str(problem)})
            return
        lines = self.server.lines
        chunk = lines[start : start + limit]
        end = start + len(chunk)
        more = end < len(lines)
        following = f'"{encode_cursor(end)}"' if more else "null"
        # The stored lines are JSON objects already: splice them in as they are.
        body = (
            '{"items": [' + ", ".join(chunk) + "], "
            f'"next_cursor": {following}, "has_more": {"true" if more else "false"}}}'
        )
        self._send_body(HTTPStatus.OK, body.encode("utf-8"))


class _WechatHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], lines: list[str], key: str) -> None:
        super().__init__(address, _Handler)
        self.lines = lines
        self.key = key


class WechatApiServer(LoopbackApi):
    """Serves a tickets JSON-lines store; ``url`` is ``http://host:port`` once started."""

    thread_name = "wechat-api"

    def __init__(self, data_path: Path, key: str, host: str = "127.0.0.1", port: int = 0):
        if not key:
            raise ValueError("the WeChat API needs a non-empty API key")
        super().__init__(host, port)
        self._data_path = Path(data_path)
        self._key = key

    def make_server(self, address: tuple[str, int]) -> ThreadingHTTPServer:
        text = self._data_path.read_text(encoding="utf-8")
        lines = [line for line in text.split("\n") if line.strip()]
        return _WechatHttpServer(address, lines, self._key)
