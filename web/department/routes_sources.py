"""A department's own sources: the list with their state, and one source's batches
(read = loaded + quarantined) with the quarantine counted per rule and field."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from identity.models import Identity
from lakehouse.lake_lock import LakeInUse
from lakehouse.read_cache import read_cached
from pipelines.source_status import BatchRecord, SourceStatus, batch_history, source_statuses
from policies.api_permissions import may
from service.context import context_of
from service.errors import ApiError
from service.json_rows import json_response
from web.department import LAKE_WAIT_S
from web.department.own_sources import department_of, own_source, own_sources
from web.department.quarantine_counts import QuarantineCount, quarantine_counts
from web.department.source_state import STATES, source_views
from web.i18n import Translator, language_of
from web.page_auth import page_for, principal_kind
from web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Identity, Depends(page_for("read_sources"))]
BATCHES_SHOWN = 20


def _statuses(request: Request, names: list[str]) -> dict[str, SourceStatus] | None:
    """The hub's status of ``names``; None while a sync holds the lakehouse."""
    try:
        hub = context_of(request).hub
        found = read_cached(
            hub, ("source_statuses",), lambda: source_statuses(hub, wait_s=LAKE_WAIT_S)
        )
    except LakeInUse:
        return None
    return {s.source: s for s in found if s.source in names}


@router.get("/department")
def my_sources(request: Request, identity: Reader) -> Response:
    hub = context_of(request).hub
    names = own_sources(hub, identity)
    statuses = _statuses(request, names)
    department = hub.catalog.departments.get(department_of(hub, identity) or "")
    return render(
        request,
        "department/sources.html",
        {
            "department": department,
            "sources": source_views(hub, names, statuses or {}),
            "states": STATES,
            "lake_busy": statuses is None,
        },
    )


def _batches(
    request: Request, name: str, *, quarantine: bool = True
) -> tuple[list[BatchRecord], list[QuarantineCount]]:
    """The source's newest batches, and (unless not asked for) their quarantine counts."""
    hub = context_of(request).hub
    batches = read_cached(
        hub,
        ("batch_history", name),
        lambda: batch_history(hub, name, BATCHES_SHOWN, wait_s=LAKE_WAIT_S),
    )
    if not quarantine:
        return batches, []
    dataset = hub.catalog.sources[name].dataset
    ids = [b.batch_id for b in batches]
    counts = read_cached(
        hub, ("quarantine_counts", dataset, *ids), lambda: quarantine_counts(hub, dataset, ids)
    )
    return batches, counts


def _chart_batches(
    request: Request, name: str, *, quarantine: bool = True
) -> tuple[list[BatchRecord], list[QuarantineCount]]:
    try:
        return _batches(request, name, quarantine=quarantine)
    except LakeInUse:
        raise ApiError(
            503, "busy", "a sync is writing the lakehouse; try again in a minute",
            {"Retry-After": "60"},
        ) from None  # fmt: skip


@router.get("/department/sources/{name}")
def source_page(request: Request, identity: Reader, name: str) -> Response:
    hub = context_of(request).hub
    own_source(hub, identity, name)
    statuses = _statuses(request, [name])
    try:
        batches, quarantine = _batches(request, name) if statuses is not None else ([], [])
    except LakeInUse:
        statuses, batches, quarantine = None, [], []
    view = source_views(hub, [name], statuses or {})[0]
    source = hub.catalog.sources[name]
    return render(
        request,
        "department/source.html",
        {
            "view": view,
            "source": source,
            "batches": batches,
            "quarantine": quarantine,
            "states": STATES,
            "lake_busy": statuses is None,
            "may_sync": may(identity, "sync_sources", principal_kind(request, identity)).allowed,
        },
    )


@router.get("/department/data/sources/{name}/reconciliation.json")
def reconciliation_chart(request: Request, identity: Reader, name: str) -> Response:
    """Per batch, oldest first: rows loaded and rows quarantined (they add up to rows read)."""
    own_source(context_of(request).hub, identity, name)
    t = Translator(language_of(request))
    batches = list(reversed(_chart_batches(request, name, quarantine=False)[0]))
    return json_response(
        {
            "kind": "bar",
            "title": t("每批对账：读取 = 入库 + 隔离", "Per batch: read = loaded + quarantined"),
            "x": [b.finished_at[:16] for b in batches],
            "series": [
                {"name": t("入库", "loaded"), "data": [b.rows_loaded or 0 for b in batches]},
                {
                    "name": t("隔离", "quarantined"),
                    "data": [b.rows_quarantined or 0 for b in batches],
                },
            ],
        }
    )


@router.get("/department/data/sources/{name}/quarantine.json")
def quarantine_chart(request: Request, identity: Reader, name: str) -> Response:
    """Rows quarantined in the batches shown, per rule and field (counts only)."""
    own_source(context_of(request).hub, identity, name)
    t = Translator(language_of(request))
    totals: dict[str, int] = {}
    for count in _chart_batches(request, name)[1]:
        label = f"{count.rule} · {count.field}"
        totals[label] = totals.get(label, 0) + count.rows
    return json_response(
        {
            "kind": "bar",
            "title": t("隔离原因（按规则与字段）", "Quarantine by rule and field"),
            "x": list(totals),
            "series": [{"name": t("隔离行数", "rows quarantined"), "data": list(totals.values())}],
        }
    )
