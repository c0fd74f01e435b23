"""Sessions and bearer tokens, and the one entry point that recognises every credential."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from identity_home import PASSWORD, TEST_NAME, new_hub

from identity.authenticate import UNRECOGNISED, authenticate_bearer
from identity.models import AuthenticationFailed
from identity.people import add_user, disable_user
from identity.sign_in import sign_in, sign_out
from pipelines.hub import Hub

OP = "operator tester"
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Hub:
    made = new_hub(tmp_path, monkeypatch)
    add_user(
        made,
        login="zhangsan",
        name=TEST_NAME,
        principal="street_donghu",
        role="requester",
        password=PASSWORD,
        actor=OP,
    )
    return made


def test_page_session_authenticates_as_the_user(hub: Hub) -> None:
    token = sign_in(hub, "zhangsan", PASSWORD, now=T0).token
    who = authenticate_bearer(hub, token, now=T0 + H)
    assert (who.kind, who.id, who.principal, who.via) == (
        "person",
        "u-0001",
        "street_donghu",
        "session",
    )
    assert who.roles == {"viewer", "requester"}


def test_only_the_token_hash_is_stored(hub: Hub) -> None:
    token = sign_in(hub, "zhangsan", PASSWORD, now=T0).token
    assert token not in (hub.home.state / "sessions.json").read_text(encoding="utf-8")


def test_page_session_ends_after_idle_time(hub: Hub) -> None:
    token = sign_in(hub, "zhangsan", PASSWORD, now=T0).token
    with pytest.raises(AuthenticationFailed, match="expired or was signed out"):
        authenticate_bearer(hub, token, now=T0 + 8 * H + dt.timedelta(minutes=1))


def test_page_session_kept_alive_by_use_until_its_absolute_end(hub: Hub) -> None:
    token = sign_in(hub, "zhangsan", PASSWORD, now=T0).token
    for hours in (4, 8, 11):
        authenticate_bearer(hub, token, now=T0 + hours * H)  # used: the idle clock restarts
    with pytest.raises(AuthenticationFailed, match="expired"):
        authenticate_bearer(hub, token, now=T0 + 12 * H)


def test_bearer_token_lives_one_hour(hub: Hub) -> None:
    issued = sign_in(hub, "zhangsan", PASSWORD, kind="bearer", now=T0)
    assert authenticate_bearer(hub, issued.token, now=T0 + dt.timedelta(minutes=59)).via == "bearer"
    with pytest.raises(AuthenticationFailed, match="expired"):
        authenticate_bearer(hub, issued.token, now=T0 + H)


def test_expired_sessions_are_purged(hub: Hub) -> None:
    sign_in(hub, "zhangsan", PASSWORD, kind="bearer", now=T0)
    sign_in(hub, "zhangsan", PASSWORD, kind="bearer", now=T0 + 2 * H)
    stored = json.loads((hub.home.state / "sessions.json").read_text(encoding="utf-8"))
    assert len(stored["sessions"]) == 1


def test_signed_out_session_refused(hub: Hub) -> None:
    token = sign_in(hub, "zhangsan", PASSWORD, now=T0).token
    assert sign_out(hub, token, now=T0)
    with pytest.raises(AuthenticationFailed, match="signed out"):
        authenticate_bearer(hub, token, now=T0)
    assert not sign_out(hub, token, now=T0)


def test_forged_session_token_refused(hub: Hub) -> None:
    with pytest.raises(AuthenticationFailed, match="expired or was signed out"):
        authenticate_bearer(hub, "A" * 43, now=T0)


def test_disabled_user_refused_even_with_a_live_session(hub: Hub) -> None:
    token = sign_in(hub, "zhangsan", PASSWORD, now=T0).token
    # Disabling also ends the sessions; put one back to prove the user is re-read.
    sessions = (hub.home.state / "sessions.json").read_text(encoding="utf-8")
    disable_user(hub, "zhangsan", actor=OP)
    (hub.home.state / "sessions.json").write_text(sessions, encoding="utf-8")
    with pytest.raises(AuthenticationFailed, match="disabled"):
        authenticate_bearer(hub, token, now=T0)


def test_disabling_ends_the_users_sessions(hub: Hub) -> None:
    token = sign_in(hub, "zhangsan", PASSWORD, now=T0).token
    disable_user(hub, "zhangsan", actor=OP)
    with pytest.raises(AuthenticationFailed, match="signed out"):
        authenticate_bearer(hub, token, now=T0)


@pytest.mark.parametrize("junk", ["", "hello", "Basic dXNlcjpwYXNz", "x" * 44])
def test_unrecognised_credentials_refused(hub: Hub, junk: str) -> None:
    with pytest.raises(AuthenticationFailed) as refused:
        authenticate_bearer(hub, junk, now=T0)
    assert str(refused.value) == UNRECOGNISED


def test_a_jwt_goes_to_single_sign_on(hub: Hub) -> None:
    with pytest.raises(AuthenticationFailed, match="single sign-on is not configured"):
        authenticate_bearer(hub, "a.b.c", now=T0)
