"""``/steward``: the catalogue as ``shuzhi catalog list`` shows it, searched and filtered."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from catalog.assets import Layer
from catalog.contracts import LEVELS, SHARING_LABELS
from cli.catalog_command import catalog_entries
from lakehouse.read_cache import read_cached
from service.context import context_of
from web.steward.access import ReadsCatalogue
from web.steward.catalogue_filter import CatalogueQuery, kept
from web.templating import render

router = APIRouter(include_in_schema=False)

LAYERS: tuple[Layer, ...] = ("raw", "staged", "quarantine", "protected", "products", "rooms")
KINDS = ("dataset", "product", "rooms")
Text = Annotated[str, Query(max_length=100)]


@router.get("/steward")
def catalogue(
    request: Request,
    identity: ReadsCatalogue,
    q: Text = "",
    layer: Text = "",
    kind: Text = "",
    level: Text = "",
    sharing: Text = "",
) -> Response:
    hub = context_of(request).hub
    query = CatalogueQuery(q.strip(), layer, kind, level, sharing)
    entries = kept(
        read_cached(hub, ("catalog_entries",), lambda: catalog_entries(hub)), hub.catalog, query
    )
    return render(
        request,
        "steward/catalogue.html",
        {
            "entries": entries,
            "query": query,
            "layers": LAYERS,
            "kinds": KINDS,
            "levels": tuple(LEVELS),
            "sharings": SHARING_LABELS,
            "datasets": len(hub.catalog.datasets),
            "products": len(hub.catalog.products),
            "stale": sum(1 for e in entries if e["stale"]),
        },
    )
