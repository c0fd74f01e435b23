from __future__ import annotations

import json
import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from demo_generated import GeneratedDemo

from demo import enterprises
from demo.enterprise_api import (
    EnterpriseApiServer,
    ensure_api_token,
    write_enterprises_jsonl,
)
from demo.generate import api_token_path

ENDPOINT = "/api/v1/enterprises"


@pytest.fixture(scope="module")
def store(small_demo: GeneratedDemo) -> Path:
    return small_demo.departments / enterprises.FILE


@pytest.fixture(scope="module")
def token(small_demo: GeneratedDemo) -> str:
    return ensure_api_token(api_token_path(small_demo.home))


@pytest.fixture(scope="module")
def server(store: Path, token: str) -> Iterator[EnterpriseApiServer]:
    with EnterpriseApiServer(store, token) as running:
        yield running


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_token_file_is_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "market_regulation" / "api_token"
    token = ensure_api_token(path)
    assert len(token) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_api_token(path) == token
    assert ensure_api_token(tmp_path / "other") != token


def test_requests_without_a_valid_token_are_refused(server: EnterpriseApiServer) -> None:
    for headers in ({}, _auth("wrong-token"), {"Authorization": "Basic abc"}):
        response = httpx.get(server.url + ENDPOINT, headers=headers, timeout=60)
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"
        assert "data" not in response.json()


def test_pages_cover_every_record_exactly_once(
    server: EnterpriseApiServer, store: Path, token: str
) -> None:
    stored = [json.loads(line) for line in store.read_text(encoding="utf-8").splitlines()]
    seen: list[dict] = []
    page = 1
    with httpx.Client(base_url=server.url, headers=_auth(token), timeout=60) as client:
        while True:
            body = client.get(ENDPOINT, params={"page": page, "page_size": 7}).json()
            assert body["page"] == page and body["page_size"] == 7
            assert body["total"] == len(stored)
            assert body["total_pages"] == -(-len(stored) // 7)
            seen.extend(body["data"])
            if page >= body["total_pages"]:
                break
            page += 1
        past_the_end = client.get(ENDPOINT, params={"page": page + 1, "page_size": 7}).json()
    assert seen == stored
    assert past_the_end["data"] == []


def test_default_and_maximum_page_size(server: EnterpriseApiServer, token: str) -> None:
    with httpx.Client(base_url=server.url, headers=_auth(token), timeout=60) as client:
        body = client.get(ENDPOINT).json()
        assert body["page"] == 1 and body["page_size"] == 100
        assert len(body["data"]) == min(100, body["total"])
        assert client.get(ENDPOINT, params={"page_size": 500}).status_code == 200
        for params in ({"page_size": 501}, {"page": 0}, {"page": "x"}):
            response = client.get(ENDPOINT, params=params)
            assert response.status_code == 400
            assert response.json()["error"] == "bad_request"
        assert client.get("/api/v1/other").status_code == 404


def test_the_token_never_reaches_the_log(
    server: EnterpriseApiServer, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        httpx.get(server.url + ENDPOINT, headers=_auth(token), timeout=60)
        httpx.get(server.url + ENDPOINT, headers=_auth(token + "x"), timeout=60)
    assert caplog.records  # requests are logged…
    assert token not in caplog.text  # …without the token


def test_server_serves_a_store_written_elsewhere(tmp_path: Path) -> None:
    path = tmp_path / "enterprises.jsonl"
    write_enterprises_jsonl(path, [{"uscc": "x", "name": "示范区桂花便利店"}])
    with EnterpriseApiServer(path, "t0ken", port=0) as running:
        body = httpx.get(running.url + ENDPOINT, headers=_auth("t0ken"), timeout=60).json()
        assert running.url.startswith("http://127.0.0.1:")
    assert body["data"] == [{"uscc": "x", "name": "示范区桂花便利店"}]
    with pytest.raises(RuntimeError):
        _ = running.url
