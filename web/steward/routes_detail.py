"""``/steward/datasets/{name}`` and ``/steward/products/{name}``: one contract for a steward."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from web.steward.access import ReadsCatalogue
from web.steward.detail_page import detail_page

router = APIRouter(include_in_schema=False)
# After a change the page says so: ?changed=FORM or ?unchanged=FORM (post/redirect/get).
Done = Annotated[str, Query(max_length=20)]


@router.get("/steward/datasets/{name}")
def dataset(
    name: str, request: Request, identity: ReadsCatalogue, changed: Done = "", unchanged: Done = ""
) -> Response:
    return detail_page(request, identity, "dataset", name, done=(changed, unchanged))


@router.get("/steward/products/{name}")
def product(
    name: str, request: Request, identity: ReadsCatalogue, changed: Done = "", unchanged: Done = ""
) -> Response:
    return detail_page(request, identity, "product", name, done=(changed, unchanged))
