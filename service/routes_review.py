"""For security reviewers: search the audit log and verify its chain. For departments:
the status of their own sources."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from audit.sealed_verify import verify_sealed
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


@router.get("/audit/events", summary="审计查询：谁、何时、为何访问了什么")
def audit_events(
    request: Request,
    identity: ReadsAudit,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    principal: Annotated[str | None, Query(max_length=80)] = None,
    since: dt.date | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    hub = context_of(request).hub
    found = []
    for event in hub.audit.events(kind):
        if since is not None and event.at[:10] < since.isoformat():
            continue
        if principal is not None and event.details.get("principal") != principal:
            continue
        found.append(event.__dict__)
    return json_response({"events": found[-limit:], "matched": len(found)})


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
