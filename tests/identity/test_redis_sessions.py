"""Sessions in the shared Redis (SHUZHI_REDIS_URL): what several API processes rely on.
A session signed in through one process is live in another, a sign-out or a disabled user
ends it in every one, Redis keeps only the token's hash, and a Redis that does not answer
lets nobody in."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from identity_home import PASSWORD, TEST_NAME, new_hub

from identity import shared_state
from identity.authenticate import authenticate_bearer
from identity.models import AuthenticationFailed
from identity.people import add_user, disable_user
from identity.redis_sessions import RedisSessionStore
from identity.sessions import sessions_of
from identity.shared_state import SharedStateDown
from identity.sign_in import sign_in, sign_out
from pipelines.hub import Hub

pytestmark = pytest.mark.redis
URL = "redis://127.0.0.1:6379/0"
OP = "operator tester"
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)


@pytest.fixture
def prefix(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    prefix = f"shuzhi-test-{uuid.uuid4().hex[:10]}:"
    monkeypatch.setenv(shared_state.REDIS_ENV, URL)
    monkeypatch.setenv(shared_state.PREFIX_ENV, prefix)
    yield prefix
    client = redis.Redis.from_url(URL)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefix: str) -> Hub:
    made = new_hub(tmp_path, monkeypatch)
    add_user(made, login="zhangsan", name=TEST_NAME, principal="street_donghu",
             role="requester", password=PASSWORD, actor=OP)  # fmt: skip
    return made


def _other_process(hub: Hub) -> Hub:
    """The hub as a second API process sees it: its own Redis client, nothing shared in memory."""
    store = sessions_of(hub)
    assert isinstance(store, RedisSessionStore)
    shared_state._client.cache_clear()
    return hub


def test_a_session_from_one_process_is_live_in_another(hub: Hub) -> None:
    token = sign_in(hub, "zhangsan", PASSWORD, now=T0).token
    who = authenticate_bearer(_other_process(hub), token, now=T0 + H)
    assert (who.id, who.principal, who.via) == ("u-0001", "street_donghu", "session")
    assert not (hub.home.state / "sessions.json").exists()  # nothing on this server's disk


def test_redis_holds_the_tokens_hash_not_the_token(hub: Hub, prefix: str) -> None:
    token = sign_in(hub, "zhangsan", PASSWORD, now=T0).token
    client = redis.Redis.from_url(URL)
    stored = [client.get(k) for k in client.scan_iter(match=f"{prefix}session:*")]
    assert len(stored) == 1 and token.encode() not in stored[0]  # type: ignore[operator]


def test_a_sign_out_in_one_process_ends_the_session_in_every_one(hub: Hub) -> None:
    token = sign_in(hub, "zhangsan", PASSWORD, now=T0).token
    assert sign_out(hub, token, now=T0)
    with pytest.raises(AuthenticationFailed, match="signed out"):
        authenticate_bearer(_other_process(hub), token, now=T0)


def test_an_idle_page_session_ends_and_a_used_one_lives_on(hub: Hub) -> None:
    idle = sign_in(hub, "zhangsan", PASSWORD, now=T0).token
    used = sign_in(hub, "zhangsan", PASSWORD, now=T0).token
    authenticate_bearer(hub, used, now=T0 + 4 * H)  # the idle clock restarts, in Redis
    with pytest.raises(AuthenticationFailed, match="expired"):
        authenticate_bearer(hub, idle, now=T0 + 8 * H + dt.timedelta(minutes=1))
    assert authenticate_bearer(_other_process(hub), used, now=T0 + 8 * H).id == "u-0001"


def test_disabling_a_user_ends_its_sessions_everywhere(hub: Hub) -> None:
    tokens = [sign_in(hub, "zhangsan", PASSWORD, now=T0).token for _ in range(3)]
    disable_user(hub, "zhangsan", actor=OP)
    for token in tokens:
        with pytest.raises(AuthenticationFailed, match="signed out"):
            authenticate_bearer(_other_process(hub), token, now=T0)


def test_a_redis_that_does_not_answer_lets_nobody_in(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = sign_in(hub, "zhangsan", PASSWORD, now=T0).token
    monkeypatch.setenv(shared_state.REDIS_ENV, "redis://127.0.0.1:9/0")  # nothing listens
    with pytest.raises(SharedStateDown) as down:
        authenticate_bearer(hub, token, now=T0)
    assert "SHUZHI_REDIS_URL" in str(down.value) and "127.0.0.1:9" not in str(down.value)


def test_a_users_set_of_sessions_expires_with_its_longest_session(hub: Hub, prefix: str) -> None:
    sign_in(hub, "zhangsan", PASSWORD, now=T0)  # a page session: 8 idle hours at most
    sign_in(hub, "zhangsan", PASSWORD, kind="bearer", now=T0)  # one hour
    client = redis.Redis.from_url(URL)
    [key] = list(client.scan_iter(match=f"{prefix}user-sessions:*"))
    seconds_left = int(client.ttl(key))  # type: ignore[arg-type]  # redis-py types it as maybe awaitable
    assert 7 * 3600 < seconds_left <= 8 * 3600
