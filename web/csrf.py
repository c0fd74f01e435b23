"""CSRF protection for every form and every cookie-authenticated call that changes state.

A signed-in page's token is an HMAC of the session token, which only the
browser holding the (HttpOnly, SameSite=Strict) cookie can be given: another
site can neither read it nor compute it. Before sign-in, the sign-in form uses
a double-submit token: a random cookie repeated in the form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"
PRE_SIGN_IN_COOKIE = "shuzhi_presign"
_PURPOSE = b"shuzhi page form"


class CsrfRefused(Exception):
    """A state-changing request without the page's token (HTTP 403)."""


def token_for_session(session_token: str) -> str:
    return hmac.new(session_token.encode("utf-8"), _PURPOSE, hashlib.sha256).hexdigest()


def new_pre_sign_in_token() -> str:
    return secrets.token_urlsafe(32)


def check_session_token(session_token: str, presented: str | None) -> None:
    if not presented or not hmac.compare_digest(token_for_session(session_token), presented):
        raise CsrfRefused(
            "the form or call did not carry this page's CSRF token; reload the page and try again"
        )


def check_pre_sign_in(request: Request, presented: str | None) -> None:
    expected = request.cookies.get(PRE_SIGN_IN_COOKIE)
    if not expected or not presented or not hmac.compare_digest(expected, presented):
        raise CsrfRefused("the sign-in form has expired; reload the page and sign in again")
