"""Who is looking at a page: the page session cookie, never a parameter.

Pages accept only a page session (signed in on the sign-in page); every page
states the action it is for, and the API's action rule (policies.api_permissions)
decides it, as it decides the API's routes. Products, rows and columns are then
the engine's, through the same functions the API calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from identity.models import AuthenticationFailed, Identity
from service.auth import SESSION_COOKIE, identify, require_action
from service.context import context_of
from web import csrf


class NeedsSignIn(AuthenticationFailed):
    """No live page session: the page sends the browser to the sign-in page."""


def signed_in(request: Request) -> Identity:
    known: Identity | None = getattr(request.state, "identity", None)
    if known is not None:
        return known
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NeedsSignIn("sign in first")
    try:
        identity = identify(request, token)
    except AuthenticationFailed as failed:
        raise NeedsSignIn(str(failed)) from None
    if identity.via != "session":
        raise NeedsSignIn("pages take a page session: sign in on the sign-in page")
    return identity


def page_for(action: str) -> Callable[[Request], Identity]:
    """A dependency: the signed-in person, when the action rule lets them take ``action``."""

    def check(request: Request) -> Identity:
        return require_action(request, signed_in(request), action, "open this page")

    return check


async def checked_form(request: Request) -> FormData:
    """The posted form (fields and uploads), after its CSRF token is checked against the
    page session."""
    session_token = request.cookies.get(SESSION_COOKIE)
    if not session_token:
        raise NeedsSignIn("sign in first")
    form = await request.form()
    csrf.check_session_token(session_token, _text(form.get(csrf.FORM_FIELD)))
    return form


async def form_with_csrf(request: Request) -> dict[str, str]:
    """The posted form's text fields, CSRF-checked, stripped of surrounding space."""
    form = await checked_form(request)
    return {key: _text(value).strip() for key, value in form.items() if key != csrf.FORM_FIELD}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def principal_kind(request: Request, identity: Identity) -> str:
    principal = context_of(request).hub.policies.principal(identity.principal)
    return principal.kind if principal else ""


SignedIn = Annotated[Identity, Depends(signed_in)]
PostedForm = Annotated[dict[str, str], Depends(form_with_csrf)]
PostedUpload = Annotated[FormData, Depends(checked_form)]
