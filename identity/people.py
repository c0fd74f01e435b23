"""What an operator (CLI) or the service does to people, each step audited (kind ``user``).

``actor`` is how the audit log names who did it: ``operator root`` from the CLI,
``identity.audit_name`` from the service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from identity.audit_events import record
from identity.passwords import WeakPassword
from identity.sessions import sessions_of
from identity.users import UnknownUser, User, UserRefused, users_of, utc_now

if TYPE_CHECKING:
    from pipelines.hub import Hub

KIND = "user"


def add_user(
    hub: Hub, *, login: str, name: str, principal: str, role: str, password: str, actor: str
) -> User:
    try:
        user = users_of(hub).add(
            hub.policies, login=login, name=name, principal=principal, role=role, password=password
        )
    except (UserRefused, WeakPassword) as refusal:
        record(hub, KIND, actor, "refused", str(refusal), action="add", principal=principal)
        raise
    record(
        hub,
        KIND,
        actor,
        "added",
        "new user",
        action="add",
        user=user.id,
        principal=user.principal,
        role=user.role,
    )
    return user


def disable_user(hub: Hub, login: str, *, actor: str, reason: str = "disabled") -> User:
    """Disable a user; every session they hold ends at once."""
    try:
        user = users_of(hub).by_login(login)
    except UnknownUser as missing:
        record(hub, KIND, actor, "refused", str(missing), action="disable")
        raise
    user = users_of(hub).set_disabled(user.id, True)
    ended = sessions_of(hub).end_all_for(user.id, utc_now())
    record(
        hub,
        KIND,
        actor,
        "disabled",
        reason,
        action="disable",
        user=user.id,
        principal=user.principal,
        sessions_ended=ended,
    )
    return user


def reset_password(hub: Hub, login: str, password: str, *, actor: str) -> User:
    """Set a new password, clear the lockout, end the user's sessions."""
    store = users_of(hub)
    try:
        user = store.set_password(store.by_login(login).id, password)
    except (UnknownUser, WeakPassword) as refusal:
        record(hub, KIND, actor, "refused", str(refusal), action="reset")
        raise
    ended = sessions_of(hub).end_all_for(user.id, utc_now())
    record(
        hub,
        KIND,
        actor,
        "reset",
        "new password, lockout cleared",
        action="reset",
        user=user.id,
        principal=user.principal,
        sessions_ended=ended,
    )
    return user
