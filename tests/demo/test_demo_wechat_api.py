"""The WeChat mini-program's API as the demo serves it: cursor pages, an API key."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from demo_generated import GeneratedDemo

from demo.wechat_api import (
    ENDPOINT,
    KEY_FILE,
    KEY_HEADER,
    MAX_LIMIT,
    STORE_FILE,
    WechatApiServer,
    decode_cursor,
    encode_cursor,
)


@pytest.fixture(scope="module")
def key(small_demo: GeneratedDemo) -> str:
    return (small_demo.departments / KEY_FILE).read_text(encoding="utf-8").strip()


@pytest.fixture(scope="module")
def server(small_demo: GeneratedDemo, key: str) -> Iterator[WechatApiServer]:
    with WechatApiServer(small_demo.departments / STORE_FILE, key) as running:
        yield running


def test_cursor_pages_walk_the_whole_store_once(
    small_demo: GeneratedDemo, server: WechatApiServer, key: str
) -> None:
    stored = (small_demo.departments / STORE_FILE).read_text(encoding="utf-8").splitlines()
    seen: list[dict] = []
    cursor = None
    with httpx.Client(base_url=server.url, headers={KEY_HEADER: key}) as client:
        for _ in range(100):
            params: dict[str, str | int] = {"limit": 7}
            if cursor:
                params["cursor"] = cursor
            body = client.get(ENDPOINT, params=params).json()
            seen += body["items"]
            cursor = body["next_cursor"]
            assert body["has_more"] == (cursor is not None)
            if cursor is None:
                break
    assert seen == [json.loads(line) for line in stored]


def test_requests_without_the_key_are_refused(server: WechatApiServer, key: str) -> None:
    for headers in ({}, {KEY_HEADER: key + "x"}, {"Authorization": f"Bearer {key}"}):
        response = httpx.get(server.url + ENDPOINT, headers=headers)
        assert response.status_code == 401 and "items" not in response.json()


def test_bad_cursors_and_limits_are_400(server: WechatApiServer, key: str) -> None:
    with httpx.Client(base_url=server.url, headers={KEY_HEADER: key}) as client:
        for params in (
            {"cursor": "not-a-cursor"},
            {"cursor": encode_cursor(3)[:-2] + "!!"},
            {"limit": MAX_LIMIT + 1},
            {"limit": 0},
        ):
            assert client.get(ENDPOINT, params=params).status_code == 400, params
        assert client.get("/open/v2/other").status_code == 404


def test_a_cursor_is_opaque_but_round_trips() -> None:
    assert decode_cursor(encode_cursor(1234)) == 1234
    import base64

    for forged in ("before:5", "after:-1", "after:x"):
        with pytest.raises(ValueError):
            decode_cursor(base64.urlsafe_b64encode(forged.encode()).decode())


def test_the_key_never_reaches_the_log(
    server: WechatApiServer, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        httpx.get(server.url + ENDPOINT, headers={KEY_HEADER: key})
    assert caplog.records and key not in caplog.text


def test_server_serves_a_store_written_elsewhere(tmp_path: Path) -> None:
    path = tmp_path / "tickets.jsonl"
    path.write_text('{"ticket_id": "WX1"}\n{"ticket_id": "WX2"}\n', encoding="utf-8")
    with WechatApiServer(path, "k3y") as running:
        body = httpx.get(running.url + ENDPOINT, headers={KEY_HEADER: "k3y"}).json()
    assert body == {
        "items": [{"ticket_id": "WX1"}, {"ticket_id": "WX2"}],
        "next_cursor": None,
        "has_more": False,
    }
