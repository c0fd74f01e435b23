"""The purpose a person reads data for: chosen once on a page, kept in a cookie, sent with
every read so the engine decides it and the audit records it.

The picker offers the purposes the principal's grants valid today accept (codes of
config/purposes.yaml, shown by their Chinese names; an approved request's grant may
accept its own stated text). The cookie holds what was chosen and nothing else: the
engine alone decides whether a read may be made for it, and a purpose it does not
accept is refused with the engine's reason, shown on the page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote, unquote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from policies.models import PolicySet
from service.context import context_of
from service.errors import ApiError
from web.errors import safe_next
from web.page_auth import PostedForm, SignedIn

PURPOSE_COOKIE = "shuzhi_purpose"
MAX_PURPOSE = 500  # as the API's purpose parameter

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class PurposeChoice:
    code: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class Picker:
    """What the picker fragment (templates/purpose_picker.html) shows."""

    choices: list[PurposeChoice]
    chosen: str  # the stated purpose, "" when none is chosen yet
    back: str  # the page to return to after choosing

    @property
    def chosen_name(self) -> str:
        for choice in self.choices:
            if self.chosen in (choice.code, choice.name):
                return choice.name
        return self.chosen


def accepted_purposes(
    policies: PolicySet, principal_id: str, day: dt.date | None = None
) -> list[PurposeChoice]:
    """The purposes the principal's grants valid on ``day`` accept, in grant order."""
    day = day or dt.date.today()
    who = policies.principal(principal_id)
    if who is None:
        return []
    catalogue = {p.code: p for p in policies.purposes}
    codes: list[str] = []
    for grant in policies.grants:
        if grant.to.matches(who) and grant.valid_on(day):
            codes += [code for code in grant.accepted_purposes if code not in codes]
    return [
        PurposeChoice(code, catalogue[code].name, catalogue[code].description)
        if code in catalogue
        else PurposeChoice(code, code)
        for code in codes
    ]


def chosen_purpose(request: Request) -> str:
    """The purpose this browser chose ("" when none): sent as it is, the engine decides."""
    return unquote(request.cookies.get(PURPOSE_COOKIE, ""))[:MAX_PURPOSE]


def picker_for(request: Request, principal_id: str) -> Picker:
    policies = context_of(request).hub.policies
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Picker(accepted_purposes(policies, principal_id), chosen_purpose(request), back)


@router.post("/purpose")
def choose_purpose(request: Request, identity: SignedIn, form: PostedForm) -> Response:
    """Keep the chosen purpose (CSRF-checked form) and go back to the page it was chosen on."""
    purpose = " ".join(form.get("purpose", "").split())
    if not purpose:
        raise ApiError(422, "invalid_request", "choose a purpose from the list")
    if len(purpose) > MAX_PURPOSE:
        raise ApiError(422, "invalid_request", f"a purpose is at most {MAX_PURPOSE} characters")
    response = RedirectResponse(safe_next(form.get("next")) or "/", status_code=303)
    response.set_cookie(
        PURPOSE_COOKIE,
        quote(purpose, safe=""),
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="strict",
        path="/",
    )
    return response
