"""The API with sessions and limits in the shared Redis (SHUZHI_REDIS_URL), and with the
home's shared part in PostgreSQL (SHUZHI_HOME_DATABASE): a sign-in works through them,
and when either does not answer nobody is let in (503, one line that does not repeat the
address), readiness says so, and the service answers the next call once it is back."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from service_home import PASSWORD, Served, make_hub, serve

from home import shared_home
from identity import shared_state

pytestmark = pytest.mark.redis
URL = "redis://127.0.0.1:6379/0"
ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
NOWHERE = "host=127.0.0.1 port=9 user=postgres dbname=nowhere"  # nothing listens


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


@pytest.fixture
def served_on_home_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    name = f"shuzhi_home_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    monkeypatch.setenv(shared_home.HOME_DATABASE_ENV, f"host=127.0.0.1 user=postgres dbname={name}")
    try:
        with serve(make_hub(tmp_path)) as running:
            yield running
    finally:
        shared_home._databases.clear()
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.mark.postgres
def test_a_home_database_that_stops_answering_is_503_and_not_ready_then_served_again(
    served_on_home_database: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = served_on_home_database
    token = served.sign_in("donghu_viewer", PASSWORD)
    assert not (served.hub.home.state / "users.json").exists()
    conninfo = os.environ[shared_home.HOME_DATABASE_ENV]
    with served.client(token) as client:
        assert client.get("/readyz").status_code == 200
        monkeypatch.setenv(shared_home.HOME_DATABASE_ENV, NOWHERE)
        down = client.get("/api/v1/me")
        unready = client.get("/readyz")
        assert client.get("/healthz").status_code == 200
        monkeypatch.setenv(shared_home.HOME_DATABASE_ENV, conninfo)
        back = client.get("/api/v1/me")
    assert down.status_code == 503 and down.json()["error"] == "unavailable", down.text
    assert shared_home.HOME_DATABASE_ENV in down.json()["message"]
    assert "port=9" not in down.text
    assert unready.status_code == 503
    assert any(shared_home.HOME_DATABASE_ENV in p for p in unready.json()["problems"])
    assert back.status_code == 200, back.text


def test_an_answer_the_audit_log_cannot_record_is_not_sent_and_the_next_call_is_answered(
    tmp_path: Path,
) -> None:
    with serve(make_hub(tmp_path)) as served:
        token = served.sign_in("donghu_viewer", PASSWORD)
        log = served.hub.audit.path
        moved = log.with_name("audit.log.kept")
        log.rename(moved)
        log.mkdir()  # where the log was, nothing can be appended
        with served.client(token) as client:
            refused = client.get("/api/v1/me")
            log.rmdir()
            moved.rename(log)
            answered = client.get("/api/v1/me")
    assert refused.status_code == 500, refused.text
    assert refused.json() == {
        "error": "internal",
        "message": "the audit log could not be written: the call was not answered",
    }
    assert "donghu" not in refused.text
    assert answered.status_code == 200, answered.text
