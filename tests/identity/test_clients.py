"""Client systems: register, approve (by the policy), keys shown once, rotate, revoke."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from identity_home import new_hub

from identity.authenticate import authenticate_bearer
from identity.clients import (
    ClientRefused,
    approve_client,
    register_client,
    revoke_client,
    rotate_client_key,
)
from identity.models import AuthenticationFailed, Identity
from pipelines.hub import Hub
from policies.client_approval import ClientApprovalRefused

OP = "operator tester"
STEWARD = Identity("operator", "tester", "steward_district", "cli")


def _now() -> dt.datetime:
    """The time after a key was issued: a time taken when the module was collected could
    be hours before a test runs in a long session, and 'three hours later' with it would
    fall inside a two-hour overlap."""
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Hub:
    return new_hub(tmp_path, monkeypatch)


def _registered(hub: Hub, principal: str = "street_donghu") -> str:
    return register_client(
        hub,
        principal=principal,
        name="东湖网格系统",
        scopes=["query", "products:read"],
        requested_by=OP,
    ).id


def test_approved_key_authenticates_as_the_client(hub: Hub) -> None:
    client_id = _registered(hub)
    issued = approve_client(hub, client_id, approver=STEWARD, reason="网格系统回流")
    assert client_id == "c-0001" and issued.key.startswith("szk_c-0001_")
    assert issued.key not in repr(issued)
    assert issued.key not in (hub.home.state / "clients.json").read_text(encoding="utf-8")
    who = authenticate_bearer(hub, issued.key)
    assert (who.kind, who.id, who.principal, who.via) == (
        "client",
        "c-0001",
        "street_donghu",
        "api-key",
    )
    assert who.scopes == {"query", "products:read"}


def test_unknown_scope_refused(hub: Hub) -> None:
    with pytest.raises(ClientRefused, match="not allowed"):
        register_client(hub, principal="street_donghu", name="x", scopes=["admin"], requested_by=OP)


def test_non_steward_cannot_approve(hub: Hub) -> None:
    client_id = _registered(hub)
    street = Identity("operator", "tester", "street_donghu", "cli")
    with pytest.raises(ClientApprovalRefused, match="only a data steward"):
        approve_client(hub, client_id, approver=street, reason="r")


def test_pending_client_has_no_key_and_cannot_be_approved_twice(hub: Hub) -> None:
    client_id = _registered(hub)
    approve_client(hub, client_id, approver=STEWARD, reason="r")
    with pytest.raises(ClientRefused, match="only a pending client"):
        approve_client(hub, client_id, approver=STEWARD, reason="r")


def test_forged_key_of_a_real_client_refused(hub: Hub) -> None:
    client_id = _registered(hub)
    approve_client(hub, client_id, approver=STEWARD, reason="r")
    with pytest.raises(AuthenticationFailed, match="not recognised"):
        authenticate_bearer(hub, f"szk_{client_id}_{'A' * 43}")


def test_expired_key_refused(hub: Hub) -> None:
    client_id = _registered(hub)
    issued = approve_client(hub, client_id, approver=STEWARD, reason="r", expires_days=1)
    with pytest.raises(AuthenticationFailed, match="expired"):
        authenticate_bearer(hub, issued.key, now=_now() + dt.timedelta(days=2))


def test_rotation_keeps_the_old_key_only_for_the_overlap(hub: Hub) -> None:
    client_id = _registered(hub)
    old = approve_client(hub, client_id, approver=STEWARD, reason="r").key
    new = rotate_client_key(hub, client_id, actor=OP, overlap_hours=2).key
    assert authenticate_bearer(hub, old).id == client_id
    assert authenticate_bearer(hub, new).id == client_id
    later = _now() + dt.timedelta(hours=3)
    with pytest.raises(AuthenticationFailed, match="expired"):
        authenticate_bearer(hub, old, now=later)
    assert authenticate_bearer(hub, new, now=later).id == client_id


def test_revoked_client_refused(hub: Hub) -> None:
    client_id = _registered(hub)
    key = approve_client(hub, client_id, approver=STEWARD, reason="r").key
    revoke_client(hub, client_id, actor=OP, reason="系统下线")
    with pytest.raises(AuthenticationFailed, match="revoked"):
        authenticate_bearer(hub, key)


def test_every_step_audited_without_the_key(hub: Hub) -> None:
    client_id = _registered(hub)
    key = approve_client(hub, client_id, approver=STEWARD, reason="r").key
    with pytest.raises(ClientRefused):
        revoke_client(hub, client_id, actor=OP, reason=" ")
    assert [e.details["outcome"] for e in hub.audit.events("api_client")] == [
        "registered",
        "approved",
        "refused",
    ]
    log = (hub.home.audit / "audit.log").read_text(encoding="utf-8")
    assert key not in log and "东湖网格系统" not in log
