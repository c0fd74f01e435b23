"""Single sign-on from the sign-in page: off to the identity provider, and back.

The flow itself (state, nonce, PKCE, the token exchange, the ID token, the
person and the session) is ``identity.sso_sign_in``'s; here are the browser's
two cookies. The flow cookie is HttpOnly, lives as long as the flow and is sent
only to these routes; it is SameSite=Lax because the provider's redirect back
is a navigation from another site, which a Strict cookie would not follow.

For the same reason the page session (SameSite=Strict) is not sent along on
the way back, nor on any redirect that follows it: the callback answers with a
short page that moves on by itself (a same-site navigation, which carries the
new session), instead of a redirect that would land signed out.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from identity.models import AuthenticationFailed
from identity.oidc_code_flow import ProviderUnavailable
from identity.settings import OidcProvider, load_identity_settings
from identity.sso_flows import FLOW_MINUTES
from identity.sso_sign_in import (
    ProviderAnswer,
    SsoFlowRefused,
    complete_sso_sign_in,
    start_sso_sign_in,
)
from service.auth import SESSION_COOKIE
from service.call_record import mark_audited
from service.context import context_of
from service.errors import not_found
from web import csrf
from web.errors import safe_next
from web.navigation import home_of
from web.page_auth import principal_kind
from web.routes_sign_in import keep_session, sign_in_page
from web.templating import render

router = APIRouter(include_in_schema=False)

FLOW_COOKIE = "shuzhi_sso_flow"
FLOW_PATH = "/sign-in/sso"
QueryText = Annotated[str, Query(max_length=2048)]


def _provider(request: Request, name: str) -> OidcProvider:
    settings = load_identity_settings(context_of(request).hub.config)
    found = next((p for p in settings.browser_providers if p.name == name), None)
    if found is None:
        raise not_found(f"single sign-on provider {name[:32]!r}")
    return found


def _redirect_uri(request: Request, provider: OidcProvider) -> str:
    return provider.redirect_uri or str(request.url_for("sso_callback", provider=provider.name))


@router.get("/sign-in/sso/{provider}")
def sso_start(request: Request, provider: str, next: QueryText = "") -> Response:
    chosen = _provider(request, provider)
    started = start_sso_sign_in(
        context_of(request).hub,
        chosen,
        redirect_uri=_redirect_uri(request, chosen),
        next_path=safe_next(next),
        held_session=request.cookies.get(SESSION_COOKIE),
    )
    response = RedirectResponse(started.authorization_url, status_code=303)
    response.set_cookie(
        FLOW_COOKIE,
        started.flow_id,
        max_age=FLOW_MINUTES * 60,
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="lax",
        path=FLOW_PATH,
    )
    return response


@router.get("/sign-in/sso/{provider}/callback", name="sso_callback")
def sso_callback(
    request: Request,
    provider: str,
    code: QueryText = "",
    state: QueryText = "",
    error: QueryText = "",
) -> Response:
    chosen = _provider(request, provider)
    mark_audited(request)  # the sign-in writes its own event, refusals included
    try:
        done = complete_sso_sign_in(
            context_of(request).hub,
            chosen,
            request.cookies.get(FLOW_COOKIE),
            ProviderAnswer(code=code, state=state, error=error),
            redirect_uri=_redirect_uri(request, chosen),
            held_session=request.cookies.get(SESSION_COOKIE),
        )
    except AuthenticationFailed as refused:
        response = sign_in_page(request, error=str(refused), status=_status_of(refused))
        response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
        return response
    identity = done.session.identity
    request.state.identity = identity
    target = done.next_path or home_of(principal_kind(request, identity))
    response = render(
        request,
        "signed_in.html",
        {"target": target, "csrf_token": csrf.token_for_session(done.session.token)},
        identity=identity,
    )
    keep_session(request, response, done.session)
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    return response


def _status_of(refused: AuthenticationFailed) -> int:
    if isinstance(refused, SsoFlowRefused):
        return 400  # not an answer to a sign-in this browser started
    if isinstance(refused, ProviderUnavailable):
        return 502  # the provider (or the hub's set-up) failed, not the person
    return 401
