""" "Sync now" on a source's page: the source's sync started in the background, as
``shuzhi sources sync`` runs it; the page then shows it running, and its outcome."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from identity.models import Identity
from service.context import context_of
from service.errors import ApiError
from web.department.own_sources import own_source
from web.department.sync_jobs import SYNC_JOBS, SyncBusy
from web.page_auth import PostedForm, page_for

router = APIRouter(include_in_schema=False)
Syncer = Annotated[Identity, Depends(page_for("sync_sources"))]


@router.post("/department/sources/{name}/sync")
def sync_now(request: Request, identity: Syncer, form: PostedForm, name: str) -> Response:
    hub = context_of(request).hub
    own_source(hub, identity, name)
    try:
        SYNC_JOBS.start(hub, name, identity)
    except SyncBusy as busy:
        raise ApiError(409, "busy", str(busy)) from None
    return RedirectResponse(f"/department/sources/{name}", status_code=303)
