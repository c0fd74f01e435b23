"""One entry point for a bearer credential: which kind it is, then its own verifier.

- ``szk_…``: a client system's API key (``identity.clients``);
- three dot-separated parts: an OpenID Connect token (``identity.oidc``);
- 43 URL-safe characters: a page session or a bearer token (``identity.sessions``).

A live session is not enough: the user behind it is read fresh, so a user
disabled (or moved off a principal that no longer exists) is refused at once.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from identity.clients import KEY_PREFIX, verify_api_key
from identity.models import AuthenticationFailed, Identity
from identity.sessions import EXPIRED, sessions_of
from identity.sign_in import person_identity
from identity.users import UnknownUser, users_of, utc_now

if TYPE_CHECKING:
    from pipelines.hub import Hub

SESSION_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
UNRECOGNISED = (
    "the credential is not a session token, a bearer token, an API key (szk_…) "
    "or a single sign-on token"
)


def authenticate_bearer(hub: Hub, token: str, *, now: dt.datetime | None = None) -> Identity:
    """Who presents ``token``; AuthenticationFailed (HTTP 401) with the reason otherwise."""
    token = token.strip()
    if token.startswith(KEY_PREFIX):
        return verify_api_key(hub, token, now=now)
    if token.count(".") == 2:
        from identity.oidc import verify_oidc_token  # PyJWT only when a JWT comes

        return verify_oidc_token(hub, token)
    if SESSION_TOKEN.fullmatch(token):
        return _session_identity(hub, token, now or utc_now())
    raise AuthenticationFailed(UNRECOGNISED)


def _session_identity(hub: Hub, token: str, now: dt.datetime) -> Identity:
    session = sessions_of(hub).resolve(token, now)
    try:
        user = users_of(hub).get(session.user_id)
    except UnknownUser:
        raise AuthenticationFailed(EXPIRED) from None
    if user.disabled:
        raise AuthenticationFailed("the account is disabled")
    if hub.policies.principal(user.principal) is None:
        raise AuthenticationFailed(f"the principal of {user.id} no longer exists")
    return person_identity(user, "session" if session.kind == "page" else "bearer")
