"""Who is calling: a bearer credential or the session cookie, never a parameter.

Every route that needs a caller depends on ``caller``; it also applies the
caller's rate limit and keeps the identity on the request for the call's audit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from identity.authenticate import authenticate_bearer
from identity.models import AuthenticationFailed, Identity
from policies.api_permissions import may
from service.context import context_of
from service.errors import ApiError, forbidden
from service.rate_limits import retry_after
from web import csrf

SESSION_COOKIE = "shuzhi_session"


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _from_cookie(request: Request) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return not (scheme.lower() == "bearer" and token.strip())


def credential_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.cookies.get(SESSION_COOKIE) or None


# Declares the bearer scheme in the OpenAPI document; the credential itself is read by
# credential_of, which also accepts the session cookie.
_BEARER = HTTPBearer(auto_error=False, description="会话令牌、短期令牌、API 密钥或 OIDC 令牌")


def caller(
    request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]
) -> Identity:
    return _identified(request)


def _identified(request: Request) -> Identity:
    """The caller of this request, authenticated and rate-limited once per request."""
    known: Identity | None = getattr(request.state, "identity", None)
    if known is not None:
        return known
    token = credential_of(request)
    if token is None:
        raise AuthenticationFailed(
            "sign in first: send 'Authorization: Bearer <token or API key>' or a session cookie"
        )
    if _from_cookie(request) and request.method not in SAFE_METHODS:
        # A browser sends the cookie to whoever asks it to: a state-changing call made
        # with it must also carry the page's token, which another site cannot know.
        csrf.check_session_token(token, request.headers.get(csrf.HEADER))
    return identify(request, token)


def identify(request: Request, token: str) -> Identity:
    """Authenticate ``token`` for this request, once, and apply the caller's rate limit."""
    context = context_of(request)
    identity = authenticate_bearer(context.hub, token)
    request.state.identity = identity
    wait = context.limiter.admit(identity.audit_name)
    if wait is not None:
        raise ApiError(
            429,
            "rate_limited",
            f"too many calls: at most {context.limiter.per_minute} a minute; "
            f"try again in {retry_after(wait)} s",
            {"Retry-After": retry_after(wait)},
        )
    return identity


def allowed_to(
    action: str,
) -> Callable[[Request, HTTPAuthorizationCredentials | None], Identity]:
    """A dependency: the caller, when their role or scopes allow ``action``.

    It authenticates the caller itself rather than depending on ``caller``: each sync
    dependency is one more hop through the thread pool, and both steps read files.
    """

    def check(
        request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]
    ) -> Identity:
        return require_action(request, _identified(request), action, "do this")

    return check


def require_action(request: Request, identity: Identity, action: str, doing: str) -> Identity:
    """``identity``, when the action rule lets it take ``action``; a 403 naming the rule
    otherwise (``doing`` says what was refused: "do this", "open this page")."""
    principal = context_of(request).hub.policies.principal(identity.principal)
    decision = may(identity, action, principal.kind if principal else None)
    if not decision.allowed:
        raise forbidden(f"{identity.audit_name} may not {doing}: {decision.reason}")
    return identity


def set_session_cookie(
    request: Request, response: Response, token: str, expires_at: dt.datetime
) -> None:
    """Give the browser its page session: HttpOnly, SameSite=Strict, Secure over HTTPS."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="strict",
        expires=expires_at,
        path="/",
    )


# What routes declare: the caller, allowed to do the route's kind of action.
Caller = Annotated[Identity, Depends(caller)]
ReadsProducts = Annotated[Identity, Depends(allowed_to("read_products"))]
Queries = Annotated[Identity, Depends(allowed_to("query"))]
RequestsAccess = Annotated[Identity, Depends(allowed_to("request_access"))]
DecidesAccess = Annotated[Identity, Depends(allowed_to("decide_access"))]
ReadsAudit = Annotated[Identity, Depends(allowed_to("read_audit"))]
ReadsSources = Annotated[Identity, Depends(allowed_to("read_sources"))]
