"""Access requests (有条件共享) through the API: ask, list, decide, revoke, explain.

The request rules stay in ``policies.access_requests`` (only a steward principal
decides, never on its own request); the API adds that the person deciding must
hold the approver role (``policies.api_permissions``).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from pipelines.access_steps import decide_request, request_access
from policies.access_requests import AccessRequest, AccessRequestRefused
from policies.api_permissions import may_see_request
from policies.models import RowScope
from service.auth import DecidesAccess, ReadsProducts, RequestsAccess
from service.call_record import mark_audited
from service.context import context_of
from service.errors import ERROR_RESPONSES, ApiError
from service.json_rows import json_response

router = APIRouter(prefix="/api/v1", tags=["access"], responses=ERROR_RESPONSES)


class RequestBody(BaseModel):
    product: str = Field(min_length=1, max_length=100, pattern=r"^[a-z][a-z0-9_]*$")
    purpose: str = Field(min_length=1, max_length=500, description="用途")
    until: dt.date = Field(description="截止日期（最长一年）")
    justification: str = Field(default="", max_length=500, description="申请理由（供审批人参考）")
    rows: RowScope | None = Field(
        default=None, description="申请的数据行范围（默认：本辖区；部门为全区）"
    )


class DecisionBody(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="理由（记入审计）")
    # Approval only: narrower than the request, never wider (policies.grant_narrowing).
    rows: RowScope | None = Field(default=None, description="批准的数据行范围（不得宽于申请）")
    treatments: dict[str, str] = Field(
        default_factory=dict,
        max_length=100,
        description="按列或级别（L1..L4）收紧的处理方式：withheld、token、year_only、masked",
    )


def _plain(request: AccessRequest) -> dict[str, object]:
    # The same summary `shuzhi access list --json` prints, state as of today.
    return request.summary(dt.date.today())


@router.get("/access-requests", summary="我的访问申请（审批人可见全部）")
def list_requests(request: Request, identity: ReadsProducts) -> Response:
    hub = context_of(request).hub
    principal = hub.policies.principal(identity.principal)
    kind = principal.kind if principal else None
    requests = [
        r for r in hub.access_requests.all() if may_see_request(identity, kind, r.principal)
    ]
    return json_response({"requests": [_plain(r) for r in requests]})


@router.post("/access-requests", status_code=201, summary="申请访问一个有条件共享的产品")
def create_request(body: RequestBody, request: Request, identity: RequestsAccess) -> Response:
    hub = context_of(request).hub
    mark_audited(request)  # request_access writes the grant event, refused or not
    try:
        made = request_access(
            hub,
            principal=identity.principal,
            product=body.product,
            purpose=body.purpose,
            until=body.until,
            justification=body.justification,
            rows=body.rows,
        )
    except AccessRequestRefused as refusal:
        raise ApiError(403, "refused", str(refusal)) from None
    return json_response(_plain(made), 201)


@router.post("/access-requests/{request_id}/{action}", summary="审批、拒绝或撤销一个访问申请")
def decide(
    request_id: str,
    action: Literal["approve", "deny", "revoke"],
    body: DecisionBody,
    request: Request,
    identity: DecidesAccess,
) -> Response:
    hub = context_of(request).hub
    mark_audited(request)
    try:
        outcome = decide_request(
            hub,
            action,
            request_id,
            steward=identity.principal,
            reason=body.reason,
            rows=body.rows,
            treatments=body.treatments,
        )
    except AccessRequestRefused as refusal:
        raise ApiError(403, "refused", str(refusal)) from None
    except KeyError:
        raise ApiError(404, "not_found", "no access request of that id") from None
    return json_response(_plain(outcome.request))
