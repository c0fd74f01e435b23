"""``/reviewer/who-saw``: every delivery that held one person (``shuzhi audit who-saw``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from encryption.tokens import TOKEN_PATTERN
from service.context import context_of
from web.reviewer.access import Reviewer
from web.reviewer.register_lookup import deliveries_of_token
from web.templating import render

router = APIRouter(prefix="/reviewer")
NOT_A_TOKEN = (
    "这不是个人令牌：应为 t<版本>_ 加 26 个 base32 字符",
    "expected a person token: t<version>_ followed by 26 base32 characters",
)


@router.get("/who-saw")
def who_saw(
    request: Request, identity: Reviewer, token: Annotated[str, Query(max_length=80)] = ""
) -> Response:
    token = token.strip()
    values: dict[str, object] = {"token": token, "error": None, "deliveries": None}
    if not token:
        return render(request, "reviewer/who_saw.html", values)
    if not TOKEN_PATTERN.match(token):
        values["error"] = NOT_A_TOKEN
        return render(request, "reviewer/who_saw.html", values, status=422)
    values["deliveries"] = deliveries_of_token(context_of(request).hub, identity, token)
    return render(request, "reviewer/who_saw.html", values)
