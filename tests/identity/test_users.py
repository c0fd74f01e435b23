"""People: adding them, their roles, sealed names, lockout and password reset."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from identity_home import PASSWORD, TEST_NAME, new_hub

from identity.models import AuthenticationFailed
from identity.passwords import WeakPassword, hash_password, verify_password
from identity.people import add_user, disable_user, reset_password
from identity.sign_in import REFUSED, sign_in
from identity.users import UserRefused, users_of
from pipelines.hub import Hub

OP = "operator tester"
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Hub:
    return new_hub(tmp_path, monkeypatch, "lockout: {failures: 3, minutes: 10}\n")


def _add(
    hub: Hub, login: str = "zhangsan", role: str = "viewer", principal: str = "street_donghu"
) -> str:
    return add_user(
        hub,
        login=login,
        name=TEST_NAME,
        principal=principal,
        role=role,
        password=PASSWORD,
        actor=OP,
    ).id


def test_password_hash_verifies_only_the_right_password() -> None:
    stored = hash_password(PASSWORD)
    assert verify_password(PASSWORD, stored)
    assert not verify_password(PASSWORD + "x", stored)
    assert stored.n >= 2**15 and PASSWORD not in repr(stored) and stored.hash not in repr(stored)


def test_weak_password_refused(hub: Hub) -> None:
    with pytest.raises(WeakPassword):
        add_user(
            hub,
            login="li",
            name=TEST_NAME,
            principal="street_donghu",
            role="viewer",
            password="short",
            actor=OP,
        )


def test_user_added_with_sealed_name_and_cumulative_roles(hub: Hub) -> None:
    user_id = _add(hub, role="requester")
    store = users_of(hub)
    user = store.get(user_id)
    assert user_id == "u-0001" and user.roles == {"viewer", "requester"}
    assert store.display_name(user) == TEST_NAME
    stored = (hub.home.state / "users.json").read_text(encoding="utf-8")
    assert TEST_NAME not in stored and PASSWORD not in stored
    assert TEST_NAME not in repr(user) and user.password is not None
    assert user.password.hash not in repr(user)


def test_login_unique_and_ascii(hub: Hub) -> None:
    _add(hub)
    with pytest.raises(UserRefused, match="taken"):
        _add(hub, login="ZhangSan")
    with pytest.raises(UserRefused, match="lowercase ASCII"):
        _add(hub, login="张三")


def test_unknown_principal_refused(hub: Hub) -> None:
    with pytest.raises(UserRefused, match="unknown principal"):
        _add(hub, principal="street_nowhere")


def test_approver_role_allowed_for_a_steward_office(hub: Hub) -> None:
    assert users_of(hub).get(_add(hub, role="approver", principal="steward_district")).roles == {
        "viewer",
        "requester",
        "approver",
    }


def test_approver_role_denied_outside_a_steward_office(hub: Hub) -> None:
    with pytest.raises(UserRefused, match="only a steward office"):
        _add(hub, role="approver", principal="street_donghu")


def test_sign_in_gives_a_session_with_the_users_identity(hub: Hub) -> None:
    _add(hub)
    issued = sign_in(hub, "zhangsan", PASSWORD, now=T0)
    assert issued.identity.id == "u-0001" and issued.identity.principal == "street_donghu"
    assert issued.kind == "page" and issued.expires_at == T0 + dt.timedelta(hours=8)
    assert issued.token not in repr(issued)


def test_same_answer_for_unknown_login_wrong_password_and_disabled(hub: Hub) -> None:
    _add(hub)
    _add(hub, login="lisi")
    disable_user(hub, "lisi", actor=OP)
    answers = []
    for login, password in (
        ("nobody", PASSWORD),
        ("zhangsan", "wrong password!"),
        ("lisi", PASSWORD),
    ):
        with pytest.raises(AuthenticationFailed) as refused:
            sign_in(hub, login, password, now=T0)
        answers.append(str(refused.value))
    assert answers == [REFUSED] * 3


def test_lockout_after_failures_then_unlocks_after_its_time(hub: Hub) -> None:
    _add(hub)
    for _ in range(3):
        with pytest.raises(AuthenticationFailed, match="wrong login"):
            sign_in(hub, "zhangsan", "wrong password!", now=T0)
    with pytest.raises(AuthenticationFailed, match="locked"):
        sign_in(hub, "zhangsan", PASSWORD, now=T0 + dt.timedelta(minutes=9))
    assert sign_in(hub, "zhangsan", PASSWORD, now=T0 + dt.timedelta(minutes=11)).identity.id


def test_fewer_failures_than_the_limit_do_not_lock(hub: Hub) -> None:
    _add(hub)
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            sign_in(hub, "zhangsan", "wrong password!", now=T0)
    assert sign_in(hub, "zhangsan", PASSWORD, now=T0).identity.id == "u-0001"
    assert users_of(hub).get("u-0001").failures == 0


def test_reset_clears_the_lockout_and_sets_the_new_password(hub: Hub) -> None:
    _add(hub)
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            sign_in(hub, "zhangsan", "wrong password!", now=T0)
    reset_password(hub, "zhangsan", "another good password", actor=OP)
    assert sign_in(hub, "zhangsan", "another good password", now=T0).identity.id == "u-0001"
    with pytest.raises(AuthenticationFailed, match="wrong login"):
        sign_in(hub, "zhangsan", PASSWORD, now=T0)


def test_every_step_is_audited_without_names_or_passwords(hub: Hub) -> None:
    _add(hub)
    with pytest.raises(AuthenticationFailed):
        sign_in(hub, "zhangsan", "wrong password!", now=T0)
    sign_in(hub, "zhangsan", PASSWORD, now=T0)
    log = (hub.home.audit / "audit.log").read_text(encoding="utf-8")
    for secret in (TEST_NAME, PASSWORD, "wrong password!", "zhangsan"):
        assert secret not in log
    kinds = [e.kind for e in hub.audit.events()]
    assert kinds == ["user", "sign_in", "sign_in"]
