"""Sign in on the pages through an identity provider: OpenID Connect code flow with PKCE.

1. ``start_sso_sign_in``: a new flow (``identity.sso_flows``: state, nonce,
   PKCE verifier, bound to the browser by a random id in a cookie) and the URL
   of the provider's authorization endpoint to send the browser to.
2. ``complete_sso_sign_in``, when the provider sends the browser back: the flow
   is taken out (used once), the ``state`` must be the flow's, the code is
   exchanged at the token endpoint, the ID token verified (signature, issuer,
   audience = client id, expiry, the flow's nonce) and mapped to a principal
   (``identity.oidc``), the person's record found or made
   (``identity.sso_people``), and a page session issued exactly as a password
   sign-in issues one: a new token, while the session the browser held (when it
   started, or now) ends, so no session can be planted.

Each outcome is a ``sign_in`` audit event naming the provider (and the person
once known); a refusal carries the reason, never a code, a state or a token.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from identity.audit_events import record
from identity.models import AuthenticationFailed
from identity.oidc import verify_id_token
from identity.oidc_code_flow import authorization_url, error_code, exchange_code
from identity.sessions import IssuedSession, sessions_of, token_hash
from identity.settings import OidcProvider
from identity.sign_in import ANONYMOUS, person_identity
from identity.sso_flows import SsoFlow, sso_flows_of
from identity.sso_people import linked_person
from identity.users import utc_now

if TYPE_CHECKING:
    from pipelines.hub import Hub

KIND = "sign_in"
GONE = "this single sign-on attempt has expired or was already used; start again"


class SsoFlowRefused(AuthenticationFailed):
    """The provider's answer does not belong to a live sign-in of this browser
    (HTTP 400): no flow, one used already or expired, or another ``state``."""


@dataclass(frozen=True)
class SsoStart:
    flow_id: str = field(repr=False)  # the browser's flow cookie
    authorization_url: str = field(repr=False)


@dataclass(frozen=True)
class ProviderAnswer:
    """What the provider sent back in the callback's query."""

    code: str = field(default="", repr=False)
    state: str = field(default="", repr=False)
    error: str = ""


@dataclass(frozen=True)
class SsoSignedIn:
    session: IssuedSession
    next_path: str | None


def start_sso_sign_in(
    hub: Hub,
    provider: OidcProvider,
    *,
    redirect_uri: str,
    next_path: str | None = None,
    held_session: str | None = None,
    now: dt.datetime | None = None,
) -> SsoStart:
    started = sso_flows_of(hub).start(
        provider.name,
        now or utc_now(),
        next_path=next_path,
        replaces=token_hash(held_session) if held_session else None,
    )
    return SsoStart(started.flow_id, authorization_url(provider, started, redirect_uri))


def complete_sso_sign_in(
    hub: Hub,
    provider: OidcProvider,
    flow_id: str | None,
    answer: ProviderAnswer,
    *,
    redirect_uri: str,
    held_session: str | None = None,
    now: dt.datetime | None = None,
) -> SsoSignedIn:
    """A page session for the person the provider signed in; AuthenticationFailed (or
    its SsoFlowRefused, ProviderUnavailable) with the reason otherwise."""
    now = now or utc_now()
    actor = ANONYMOUS
    try:
        flow = _flow_of(hub, provider, flow_id, answer, now)
        id_token = exchange_code(
            provider, code=answer.code, verifier=flow.verifier, redirect_uri=redirect_uri
        )
        claimed = verify_id_token(provider, hub.policies, id_token, nonce=flow.nonce)
        user = linked_person(hub, provider.name, claimed, now)
        actor = f"person {user.id}"
        if user.disabled:
            raise AuthenticationFailed("the account is disabled on this hub; ask an operator")
    except AuthenticationFailed as refusal:
        record(hub, KIND, actor, "refused", str(refusal), session="page", provider=provider.name)
        raise
    sessions = sessions_of(hub)
    held = {flow.replaces, token_hash(held_session) if held_session else None} - {None}
    ended = sum(1 for hashed in held if hashed and sessions.end_by_hash(hashed, now))
    token, session = sessions.issue(user.id, "page", now)
    record(
        hub,
        KIND,
        actor,
        "signed in",
        "single sign-on",
        session="page",
        provider=provider.name,
        principal=user.principal,
        sessions_ended=ended,
    )
    issued = IssuedSession(token, "page", session.ends_at(), person_identity(user, "session"))
    return SsoSignedIn(issued, flow.next_path)


def _flow_of(
    hub: Hub, provider: OidcProvider, flow_id: str | None, answer: ProviderAnswer, now: dt.datetime
) -> SsoFlow:
    flow = sso_flows_of(hub).take(flow_id, now) if flow_id else None
    if flow is None or flow.provider != provider.name:
        raise SsoFlowRefused(GONE)
    if not answer.state or not hmac.compare_digest(
        answer.state.encode("utf-8"), flow.state.encode("utf-8")
    ):
        raise SsoFlowRefused(
            "the identity provider's answer does not belong to this sign-in (its state "
            "differs); start again"
        )
    if answer.error:
        raise AuthenticationFailed(
            f"identity provider {provider.name} did not sign you in ({error_code(answer.error)})"
        )
    if not answer.code:
        raise SsoFlowRefused(f"identity provider {provider.name} sent no code; start again")
    return flow
