"""For security reviewers: search the audit log and verify its chain. For departments:
the status of their own sources."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from audit.sealed_verify import verify_sealed
from audit.search import AuditQuery, SearchError, parse_time, search
from audit.signing_key import trusted_public_keys
from lakehouse.lake_lock import LakeInUse
from pipelines.source_status import source_statuses
from policies.api_permissions import sources_of
from service.auth import ReadsAudit, ReadsSources
from service.context import context_of
from service.errors import ERROR_RESPONSES, ApiError
from service.json_rows import json_response

router = APIRouter(prefix="/api/v1", tags=["review"], responses=ERROR_RESPONSES)
_LAKE_WAIT_S = 5.0  # a long sync holds the lakehouse; the caller is told to come back


@router.get("/audit/events", summary="审计查询：谁、何时、为何、依据哪项授权访问了什么")
def audit_events(
    request: Request,
    identity: ReadsAudit,
    kind: Annotated[list[str] | None, Query(max_length=40)] = None,
    principal: Annotated[list[str] | None, Query(max_length=80)] = None,
    person: Annotated[list[str] | None, Query(max_length=80, description="操作人")] = None,
    client: Annotated[list[str] | None, Query(max_length=80, description="接入系统")] = None,
    dataset: Annotated[list[str] | None, Query(max_length=80)] = None,
    product: Annotated[list[str] | None, Query(max_length=80)] = None,
    token: Annotated[list[str] | None, Query(max_length=80, description="个人令牌")] = None,
    purpose: Annotated[list[str] | None, Query(max_length=200, description="用途（包含）")] = None,
    grant: Annotated[list[str] | None, Query(max_length=80)] = None,
    outcome: Annotated[list[str] | None, Query(max_length=40)] = None,
    since: Annotated[str | None, Query(max_length=40, description="ISO 日期或时间")] = None,
    until: Annotated[str | None, Query(max_length=40, description="ISO 日期（含）或时间")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    try:
        query = AuditQuery(
            kinds=tuple(kind or ()), principals=tuple(principal or ()),
            persons=tuple(person or ()), clients=tuple(client or ()),
            datasets=tuple(dataset or ()), products=tuple(product or ()),
            tokens=tuple(token or ()), purposes=tuple(purpose or ()),
            grants=tuple(grant or ()), outcomes=tuple(outcome or ()),
            since=parse_time(since) if since else None,
            until=parse_time(until, end=True) if until else None,
        )  # fmt: skip
    except SearchError as error:
        raise ApiError(422, "invalid_request", str(error)) from None
    result = search(context_of(request).hub.audit.events(), query, limit=limit)
    return json_response({"events": [e.__dict__ for e in result.events], "matched": result.matched})


@router.get("/audit/verify", summary="校验审计日志的哈希链与签名检查点")
def audit_verify(request: Request, identity: ReadsAudit) -> Response:
    hub = context_of(request).hub
    # The chain and its signed checkpoints (audit.sealed_verify); keys from keys/, not audit/.
    result = verify_sealed(hub.audit.path, trusted_public_keys(hub.home.keys))
    return json_response(
        {"ok": result.ok, "events": result.events,
         "problem": "; ".join(result.problems) or None, "problems": result.problems,
         "line": result.line, "head_hash": result.head_hash,
         "checkpoints": result.checkpoints, "unsealed": result.unsealed},
        200 if result.ok else 409,
    )  # fmt: skip


@router.get("/sources", summary="本部门数据源的同步状态与批次")
def sources(request: Request, identity: ReadsSources) -> Response:
    hub = context_of(request).hub
    principal = hub.policies.principal(identity.principal)
    owners = {source: hub.catalog.department_of_source(source).id for source in hub.catalog.sources}
    own = set(sources_of(principal.department if principal else None, owners))
    try:
        statuses = [s.as_dict() for s in source_statuses(hub, wait_s=_LAKE_WAIT_S)]
    except LakeInUse:
        raise ApiError(
            503, "busy", "a sync is writing the lakehouse; try again in a minute",
            {"Retry-After": "60"},
        ) from None  # fmt: skip
    return json_response({"sources": [s for s in statuses if s["source"] in own]})
