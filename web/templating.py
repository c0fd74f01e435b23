"""Render a page: Jinja2 with autoescaping, and what every page's frame needs.

Every value is escaped by Jinja2's autoescape (names, purposes and reasons are
text, never markup); the frame gets the person, their principal and menu, the
language and the CSRF token of forms.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from identity.models import Identity
from service.auth import SESSION_COOKIE
from service.context import context_of
from web import csrf
from web.i18n import Translator, language_of
from web.navigation import MENUS

TEMPLATES = Path(__file__).parent / "templates"

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default_for_string=True, default=True),
    undefined=StrictUndefined,  # a misspelt name fails the page in tests, not silently
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=_environment)


def render(
    request: Request,
    template: str,
    values: dict[str, Any] | None = None,
    *,
    status: int = 200,
    identity: Identity | None = None,
) -> HTMLResponse:
    """The page ``template`` for this request, in its language, framed for ``identity``."""
    identity = identity or getattr(request.state, "identity", None)
    language = language_of(request)
    frame: dict[str, Any] = {
        "lang": language,
        "t": Translator(language),
        "identity": identity,
        "principal": None,
        "menu": (),
        "csrf_token": "",
        "path": request.url.path,
    }
    if identity is not None:
        principal = context_of(request).hub.policies.principal(identity.principal)
        frame["principal"] = principal
        frame["menu"] = MENUS.get(principal.kind, ()) if principal else ()
        session = request.cookies.get(SESSION_COOKIE)
        frame["csrf_token"] = csrf.token_for_session(session) if session else ""
    frame.update(values or {})
    return templates.TemplateResponse(request, template, frame, status_code=status)
