"""The person record behind a single sign-on: found by their id at the provider, made at
their first sign-in, kept in line with the provider's claims.

A page session belongs to a user record (``identity.sessions`` resolves its user
afresh on every call, so an operator can still disable the person here). The
provider is the source of who the person works for: when its claims name
another principal or role, the record follows (audited, kind ``user``), and a
move to another principal ends the sessions held for the old one.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from identity.audit_events import record
from identity.models import AuthenticationFailed
from identity.oidc import ClaimedPerson
from identity.sessions import sessions_of
from identity.users import User, UserRefused, users_of

if TYPE_CHECKING:
    from pipelines.hub import Hub

KIND = "user"


def linked_person(hub: Hub, provider: str, claimed: ClaimedPerson, now: dt.datetime) -> User:
    """The user record of ``claimed`` at ``provider`` (made now if they are new here)."""
    store = users_of(hub)
    link = f"{provider}:{claimed.subject}"
    user = store.find_linked(link)
    if user is None:
        try:
            user = store.add_linked(
                hub.policies,
                link=link,
                name=claimed.name or claimed.subject,
                principal=claimed.principal,
                role=claimed.role,
                now=now,
            )
        except UserRefused as refusal:
            raise AuthenticationFailed(str(refusal)) from None
        record(
            hub, KIND, f"person {user.id}", "added", "first single sign-on",
            action="add", user=user.id, principal=user.principal, role=user.role,
            provider=provider,
        )  # fmt: skip
        return user
    if user.disabled or (user.principal, user.role) == (claimed.principal, claimed.role):
        return user
    was = user
    user = store.update(user.id, lambda _u: {"principal": claimed.principal, "role": claimed.role})
    moved = was.principal != user.principal
    ended = sessions_of(hub).end_all_for(user.id, now) if moved else 0
    record(
        hub, KIND, f"person {user.id}", "changed", "the provider's claims changed",
        action="follow claims", user=user.id, principal=user.principal, role=user.role,
        was_principal=was.principal, was_role=was.role, provider=provider,
        sessions_ended=ended,
    )  # fmt: skip
    return user
