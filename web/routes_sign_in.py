"""Sign in, sign out, who am I, and the language switch.

Signing in always issues a new session token and ends the one the browser held
(no session fixation); signing out ends the session on the hub, not just in the
browser. Both are ``sign_in`` audit events (identity.sign_in). The page also
offers each single sign-on provider set up for the pages (web.routes_sso).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from identity.models import AuthenticationFailed
from identity.sessions import IssuedSession, sessions_of
from identity.settings import load_identity_settings
from identity.sign_in import sign_in, sign_out
from identity.users import users_of, utc_now
from service.auth import SESSION_COOKIE, set_session_cookie
from service.call_record import mark_audited
from service.context import context_of
from web import csrf
from web.errors import safe_next
from web.i18n import LANGUAGE_COOKIE, LANGUAGES
from web.navigation import home_of
from web.page_auth import PostedForm, SignedIn, principal_kind, signed_in
from web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def front(request: Request) -> Response:
    try:
        identity = signed_in(request)
    except AuthenticationFailed:
        return RedirectResponse("/sign-in", status_code=303)
    return RedirectResponse(home_of(principal_kind(request, identity)), status_code=303)


def sign_in_page(
    request: Request, *, error: str = "", login: str = "", next_path: str = "", status: int = 200
) -> Response:
    """The sign-in page (with ``error`` said, when a sign-in was refused)."""
    token = csrf.new_pre_sign_in_token()
    providers = load_identity_settings(context_of(request).hub.config).browser_providers
    response = render(
        request,
        "sign_in.html",
        {
            "error": error,
            "login": login,
            "next": next_path,
            "pre_token": token,
            "providers": [(provider.name, provider.label) for provider in providers],
        },
        status=status,
    )
    response.set_cookie(
        csrf.PRE_SIGN_IN_COOKIE,
        token,
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="strict",
        path="/sign-in",
    )
    return response


def keep_session(request: Request, response: Response, issued: IssuedSession) -> None:
    """Give the browser its new page session (HttpOnly, SameSite=Strict)."""
    set_session_cookie(request, response, issued.token, issued.expires_at)


@router.get("/sign-in")
def sign_in_form_page(request: Request, next: str = "") -> Response:
    return sign_in_page(request, next_path=safe_next(next) or "")


@router.post("/sign-in")
def sign_in_form(
    request: Request,
    login: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    csrf.check_pre_sign_in(request, csrf_token)
    hub = context_of(request).hub
    mark_audited(request)  # sign_in writes its own event, refusals included
    try:
        issued = sign_in(hub, login.strip(), password, kind="page")
    except AuthenticationFailed as refused:
        return sign_in_page(
            request, error=str(refused), login=login.strip(), next_path=next, status=401
        )
    request.state.identity = issued.identity
    held = request.cookies.get(SESSION_COOKIE)
    if held:  # whatever session the browser came with ends here
        sessions_of(hub).sign_out(held, utc_now())
    kind = principal_kind(request, issued.identity)
    response = RedirectResponse(safe_next(next) or home_of(kind), status_code=303)
    keep_session(request, response, issued)
    response.delete_cookie(csrf.PRE_SIGN_IN_COOKIE, path="/sign-in")
    return response


@router.post("/sign-out")
def sign_out_form(request: Request, identity: SignedIn, form: PostedForm) -> Response:
    sign_out(context_of(request).hub, request.cookies.get(SESSION_COOKIE, ""))
    mark_audited(request)  # sign_out writes its own event
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me")
def who_am_i(request: Request, identity: SignedIn) -> Response:
    hub = context_of(request).hub
    user = users_of(hub).get(identity.id)
    session = sessions_of(hub).resolve(request.cookies.get(SESSION_COOKIE, ""), utc_now())
    return render(
        request,
        "me.html",
        {"user": user, "session": session, "home": home_of(principal_kind(request, identity))},
    )


@router.get("/language/{language}")
def switch_language(language: str, next: str = "/") -> Response:
    response = RedirectResponse(safe_next(next) or "/", status_code=303)
    if language in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, language, samesite="lax", max_age=365 * 86400)
    return response
