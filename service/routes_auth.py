"""Sign in with a password (a page session cookie or a bearer token), sign out, who am I."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from identity.sign_in import sign_in, sign_out
from service.auth import SESSION_COOKIE, Caller, credential_of, set_session_cookie
from service.call_record import mark_audited
from service.context import context_of
from service.errors import ERROR_RESPONSES
from service.json_rows import json_response
from web import csrf

router = APIRouter(prefix="/api/v1", tags=["auth"], responses=ERROR_RESPONSES)


class SignInBody(BaseModel):
    login: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    kind: Literal["page", "bearer"] = Field(
        default="bearer", description="page：网页会话 Cookie；bearer：脚本用的短期令牌"
    )


@router.post("/auth/sign-in", summary="用户名和密码登录")
def sign_in_route(body: SignInBody, request: Request) -> Response:
    hub = context_of(request).hub
    mark_audited(request)  # sign_in writes its own event, refusals included
    issued = sign_in(hub, body.login, body.password, kind=body.kind)
    request.state.identity = issued.identity
    payload: dict[str, object] = {
        "principal": issued.identity.principal,
        "user": issued.identity.id,
        "expires_at": issued.expires_at.isoformat(),
    }
    if body.kind == "bearer":
        payload["token"] = issued.token
        return json_response(payload)
    # A state-changing call made with the cookie must carry this token (web.csrf).
    payload["csrf_token"] = csrf.token_for_session(issued.token)
    response = json_response(payload)
    set_session_cookie(request, response, issued.token, issued.expires_at)
    return response


@router.post("/auth/sign-out", summary="退出登录")
def sign_out_route(request: Request, identity: Caller) -> Response:
    token = credential_of(request)
    ended = bool(token) and sign_out(context_of(request).hub, token or "")
    response = json_response({"signed_out": ended})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", summary="当前身份：人员或客户端、所属主体、角色与权限范围")
def me(identity: Caller) -> Response:
    return json_response(
        {
            "kind": identity.kind,
            "id": identity.id,
            "principal": identity.principal,
            "via": identity.via,
            "roles": sorted(identity.roles),
            "scopes": sorted(identity.scopes),
        }
    )
