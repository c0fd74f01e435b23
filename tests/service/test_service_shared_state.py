"""The API with sessions and limits in the shared Redis (SHUZHI_REDIS_URL): a sign-in
works through it, and when Redis does not answer nobody is let in (503, one line that
does not repeat the URL), and the service answers the next call once Redis is back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from service_home import PASSWORD, Served, make_hub, serve

from identity import shared_state

pytestmark = pytest.mark.redis
URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    prefix = f"shuzhi-test-{uuid.uuid4().hex[:10]}:"
    monkeypatch.setenv(shared_state.REDIS_ENV, URL)
    monkeypatch.setenv(shared_state.PREFIX_ENV, prefix)
    with serve(make_hub(tmp_path)) as running:
        yield running
    client = redis.Redis.from_url(URL)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)


def test_a_sign_in_is_kept_in_redis_and_works(served: Served) -> None:
    token = served.sign_in("donghu_viewer", PASSWORD)
    with served.client(token) as client:
        assert client.get("/api/v1/me").status_code == 200
    assert not (served.hub.home.state / "sessions.json").exists()


def test_a_redis_that_does_not_answer_is_503_and_the_next_call_is_answered(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = served.sign_in("donghu_viewer", PASSWORD)
    monkeypatch.setenv(shared_state.REDIS_ENV, "redis://127.0.0.1:9/0")  # nothing listens
    with served.client(token) as client:
        down = client.get("/api/v1/me")
        assert down.status_code == 503, down.text
        assert down.json()["error"] == "unavailable"
        assert "SHUZHI_REDIS_URL" in down.json()["message"]
        assert "127.0.0.1:9" not in down.text
        assert client.get("/healthz").status_code == 200
        monkeypatch.setenv(shared_state.REDIS_ENV, URL)
        assert client.get("/api/v1/me").status_code == 200
