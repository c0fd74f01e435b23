"""Sign in with login and password; sign out. Each attempt is a ``sign_in`` audit event.

An unknown login, a wrong password and a disabled account all get the same
answer (and cost the same scrypt time), so the answer never tells whether a
login exists. A locked account gets a distinct answer saying when to retry:
that tells whoever tries 5 times that the login exists, which we accept so
the real user learns why they cannot sign in.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from identity.audit_events import record
from identity.models import AuthenticationFailed, Identity
from identity.passwords import burn_time_like_a_check, verify_password
from identity.sessions import IssuedSession, SessionKind, sessions_of
from identity.settings import load_identity_settings
from identity.users import User, users_of, utc_now

if TYPE_CHECKING:
    from pipelines.hub import Hub

KIND = "sign_in"
REFUSED = "wrong login or password, or the account is disabled"
ANONYMOUS = "person unknown"


def locked_message(until: dt.datetime) -> str:
    return (
        "the account is locked after repeated failed sign-ins; try again after "
        f"{until.isoformat(timespec='minutes')} or ask an operator to reset the password"
    )


def person_identity(user: User, via: str) -> Identity:
    return Identity(
        kind="person",
        id=user.id,
        principal=user.principal,
        via=via,  # type: ignore[arg-type]
        roles=user.roles,
    )


def sign_in(
    hub: Hub,
    login: str,
    password: str,
    *,
    kind: SessionKind = "page",
    now: dt.datetime | None = None,
) -> IssuedSession:
    """A new session (``page``) or bearer token (``bearer``) for a correct login and password."""
    now = now or utc_now()
    lockout = load_identity_settings(hub.config).lockout
    store = users_of(hub)
    user = store.find_login(login)
    if user is None:
        burn_time_like_a_check(password)
        record(hub, KIND, ANONYMOUS, "refused", "unknown login", session=kind)
        raise AuthenticationFailed(REFUSED)
    actor = f"person {user.id}"
    if user.locked(now) and user.locked_until is not None:
        record(hub, KIND, actor, "refused", "account locked", session=kind)
        raise AuthenticationFailed(locked_message(user.locked_until))
    good = user.password is not None and verify_password(password, user.password)
    if user.disabled:
        record(hub, KIND, actor, "refused", "account disabled", session=kind)
        raise AuthenticationFailed(REFUSED)
    if not good:
        user = store.update(user.id, lambda u: _failed(u, lockout.failures, lockout.minutes, now))
        reason = "wrong password" + ("; account locked" if user.locked(now) else "")
        record(hub, KIND, actor, "refused", reason, session=kind, failures=user.failures)
        raise AuthenticationFailed(REFUSED)
    if user.failures or user.locked_until:
        user = store.update(user.id, lambda _u: {"failures": 0, "locked_until": None})
    token, session = sessions_of(hub).issue(user.id, kind, now)
    via = "session" if kind == "page" else "bearer"
    record(hub, KIND, actor, "signed in", "password", session=kind, principal=user.principal)
    return IssuedSession(token, kind, session.ends_at(), person_identity(user, via))


def _failed(user: User, limit: int, minutes: int, now: dt.datetime) -> dict[str, object]:
    # A lock that has run out starts a fresh count.
    failures = (0 if user.locked_until else user.failures) + 1
    if failures >= limit:
        return {"failures": failures, "locked_until": now + dt.timedelta(minutes=minutes)}
    return {"failures": failures, "locked_until": None}


def sign_out(hub: Hub, token: str, *, now: dt.datetime | None = None) -> bool:
    """End the session of ``token``; False when it was not live (already out or expired)."""
    user_id = sessions_of(hub).sign_out(token, now or utc_now())
    actor = f"person {user_id}" if user_id else ANONYMOUS
    record(hub, KIND, actor, "signed out" if user_id else "no live session", "sign out")
    return user_id is not None
