"""``/steward/approvals``: decide access requests and client systems, each with a reason.

A decision is the API's and the CLI's own: ``pipelines.access_steps.decide_request``
(``POST /api/v1/access-requests/{id}/{action}``, ``shuzhi access approve|deny|revoke``)
and ``identity.clients.approve_client`` / ``revoke_client`` (``shuzhi api clients``),
which decide who may, audit every attempt and rebuild the requester's room. A missing
reason is refused before anything is decided, as the API's body validation refuses it,
and shown beside the item; a refusal is the 403 page with its reason. The page call's
own audit event (service.call_record) names the person who decided.
"""

from __future__ import annotations

from typing import Annotated, Literal, cast, get_args

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from identity.clients import (
    ClientRefused,
    UnknownClient,
    approve_client,
    revoke_client,
)
from pipelines.access_steps import decide_request
from policies.access_requests import AccessRequestRefused, UnknownRequest
from policies.client_approval import ClientApprovalRefused
from policies.models import RowScope
from service.context import context_of
from service.errors import ApiError, forbidden, not_found
from web.page_auth import PostedForm
from web.steward.access import DecidesAccess, ReadsCatalogue
from web.steward.approvals_page import approvals_page
from web.templating import render

router = APIRouter(include_in_schema=False)

MISSING_REASON = "请写明理由：每个审批决定都需要理由，并记入审计 (a reason is required)"
MAX_REASON = 500
RequestId = Annotated[str, Path(pattern=r"^req-[0-9]{4,}$")]
ClientId = Annotated[str, Path(pattern=r"^c-[0-9]{4,}$")]


def _narrowing(form: dict[str, str]) -> tuple[RowScope | None, dict[str, str]] | str:
    """The approval form's rows and ``column=treatment, L3=withheld`` list, or what is
    wrong with them (the engine judges whether they are narrower than the request)."""
    rows = form.get("rows", "") or None
    if rows is not None and rows not in get_args(RowScope):
        return f"未知的数据行范围 {rows!r} (unknown row scope)"
    treatments: dict[str, str] = {}
    for pair in form.get("treatments", "").replace("，", ",").split(","):
        if not pair.strip():
            continue
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            return f"处理方式应写作 列=处理方式：{pair.strip()!r} (write column=treatment)"
        treatments[key.strip()] = value.strip()
    return cast("RowScope | None", rows), treatments


def _reason(form: dict[str, str]) -> str:
    reason = form.get("reason", "")
    if len(reason) > MAX_REASON:
        raise ApiError(422, "invalid", f"a reason is at most {MAX_REASON} characters")
    return reason


@router.get("/steward/approvals")
def approvals(
    request: Request,
    identity: ReadsCatalogue,
    decided: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    return approvals_page(request, identity, decided=decided)


@router.post("/steward/approvals/requests/{request_id}/{action}")
def decide(
    request_id: RequestId,
    action: Literal["approve", "deny", "revoke"],
    request: Request,
    identity: DecidesAccess,
    form: PostedForm,
) -> Response:
    reason = _reason(form)
    if not reason:
        return approvals_page(request, identity, failed=(request_id, MISSING_REASON))
    narrowing = _narrowing(form) if action == "approve" else (None, {})
    if isinstance(narrowing, str):
        return approvals_page(
            request, identity, failed=(request_id, narrowing), typed_reason=reason
        )
    rows, treatments = narrowing
    hub = context_of(request).hub
    try:
        decide_request(
            hub,
            action,
            request_id,
            steward=identity.principal,
            reason=reason,
            rows=rows,
            treatments=treatments,
        )
    except AccessRequestRefused as refusal:
        raise forbidden(str(refusal)) from None
    except UnknownRequest:
        raise not_found("that access request") from None
    return RedirectResponse(f"/steward/approvals?decided={request_id}", status_code=303)


@router.post("/steward/approvals/clients/{client_id}/{action}")
def decide_client(
    client_id: ClientId,
    action: Literal["approve", "deny"],
    request: Request,
    identity: DecidesAccess,
    form: PostedForm,
) -> Response:
    reason = _reason(form)
    if not reason:
        return approvals_page(request, identity, failed=(client_id, MISSING_REASON))
    hub = context_of(request).hub
    try:
        if action == "deny":  # a pending client refused: revoked before it ever had a key
            revoke_client(hub, client_id, actor=identity.audit_name, reason=reason)
            return RedirectResponse(f"/steward/approvals?decided={client_id}", status_code=303)
        issued = approve_client(hub, client_id, approver=identity, reason=reason)
    except (ClientRefused, ClientApprovalRefused) as refusal:
        raise forbidden(str(refusal)) from None
    except UnknownClient:
        raise not_found("that client system") from None
    # The key is shown once, on this answer only (never stored, never redirected to).
    return render(request, "steward/client_key.html", {"issued": issued})
