"""The steward's chart data (same-origin JSON that web/static/shuzhi.js draws): a dataset's
quality trend, a contract's lineage graph, the departments' assessment."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from catalog.show import dataset_readers, product_readers
from cli.catalog_command import current_assessment
from lakehouse import meta
from lakehouse.read_cache import read_cached
from pipelines.hub import Hub
from quality import results
from service.context import context_of
from web.steward.access import ReadsCatalogue
from web.steward.assessment_chart import assessment_chart
from web.steward.detail_page import contract_exists
from web.steward.lineage_graph import lineage_graph

router = APIRouter(include_in_schema=False)


@router.get("/steward/data/quality/{name}.json")
def quality_trend(name: str, request: Request, identity: ReadsCatalogue) -> JSONResponse:
    """Each rule's failing share (%) per check run, oldest first (``shuzhi quality report``)."""
    contract_exists(request, "dataset", name)
    hub = context_of(request).hub
    points = read_cached(hub, ("quality_trend", name), lambda: _trend(hub, name))
    titles = {r.name: r.title for r in hub.catalog.datasets[name].quality.rules}
    runs = sorted({p.at for p in points})
    x = [at.strftime("%m-%d %H:%M") for at in runs]
    series = []
    for rule in dict.fromkeys(p.rule for p in points):
        share = {p.at: round(100 * p.failing_share, 2) for p in points if p.rule == rule}
        series.append({"name": titles.get(rule) or rule, "data": [share.get(at) for at in runs]})
    title = f"{hub.catalog.datasets[name].title}：各规则不合格行占比 (%)"
    return JSONResponse({"kind": "line", "title": title, "x": x, "series": series})


def _trend(hub: Hub, name: str) -> list[results.TrendPoint]:
    with hub.lake() as con:
        meta.ensure_meta(con)
        return list(results.trend(con, name))


@router.get("/steward/data/lineage/{kind}/{name}.json")
def lineage(kind: str, name: str, request: Request, identity: ReadsCatalogue) -> JSONResponse:
    contract_exists(request, "product" if kind == "products" else "dataset", name)
    hub = context_of(request).hub
    catalog, policies = hub.catalog, hub.policies
    if kind == "products":
        seeing = [r["name"] for r in product_readers(catalog, policies, name) if r["allowed"]]
    else:
        readers = dataset_readers(catalog, policies, name)
        seeing = [r["name"] for r in readers if r["through_products"]]
    return JSONResponse(lineage_graph(catalog, name, seeing))


@router.get("/steward/data/assessment.json")
def assessment(request: Request, identity: ReadsCatalogue) -> JSONResponse:
    # The page's own run (audited) is reused here rather than run again.
    return JSONResponse(assessment_chart(current_assessment(context_of(request).hub)))
