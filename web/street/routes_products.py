"""/street/products: the products in my room; /street/products/NAME: one as a table with
its columns' treatments, a chart and downloads.

The rows come as the API's rows come (service.row_requests: only visible columns, each
name checked, values quoted) through the gateway for the chosen purpose.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from charts.data import chart_data, chart_sql
from identity.models import Identity
from service.context import context_of
from service.errors import ApiError
from service.json_rows import json_response
from service.row_requests import page_request, statement
from web.purpose import chosen_purpose, picker_for
from web.street.access import street_page
from web.street.product_charts import echarts_json
from web.street.product_page import PAGE_ROWS, PageAsked, blank_reasons
from web.street.room_products import products_in_room, room_product
from web.street.room_reads import read_product
from web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Identity, Depends(street_page("read_products"))]


@router.get("/street/products")
def my_products(request: Request, identity: Reader) -> Response:
    hub = context_of(request).hub
    return render(
        request,
        "street/products.html",
        {"products": products_in_room(hub, identity.principal)},
    )


@router.get("/street/products/{name}")
def product_page(name: str, request: Request, identity: Reader) -> Response:
    context = context_of(request)
    entry = room_product(context.hub, identity.principal, name)
    purpose = chosen_purpose(request)
    asked = PageAsked.of(dict(request.query_params))
    values: dict[str, object] = {
        "entry": entry,
        "picker": picker_for(request, identity.principal),
        "purpose": purpose,
        "asked": asked,
        "blanks": blank_reasons(entry.product),
        "visible": entry.decision.visible_columns(),
        "read": None,
        "page_rows": PAGE_ROWS,
        "downloads": {
            kind: asked.download(name, kind, purpose, context.settings.page_rows_max)
            for kind in ("csv", "xlsx")
        },
    }
    status = 200
    if purpose:
        page = page_request(
            entry.decision,
            columns="",
            sort=asked.sort,
            limit=PAGE_ROWS,
            offset=asked.offset,
            filters=asked.filters,
            max_rows=context.settings.page_rows_max,
        )
        read = read_product(request, identity, name, statement(name, page), purpose)
        values["read"] = read
        status = read.status
    return render(request, "street/product.html", values, status=status)


@router.get("/street/products/{name}/chart.json")
def product_chart(name: str, request: Request, identity: Reader) -> Response:
    """The contract's chart of the product, from the room, for the chosen purpose."""
    entry = room_product(context_of(request).hub, identity.principal, name)
    purpose = chosen_purpose(request)
    if not purpose:
        raise ApiError(409, "no_purpose", "choose a purpose first")
    if entry.product.chart is None:
        raise ApiError(404, "not_found", f"{name} has no chart")
    read = read_product(request, identity, name, chart_sql(entry.product), purpose)
    if read.answer is None:
        raise ApiError(read.status, "refused", read.refusal)
    data = chart_data(
        entry.product, read.table, subtitle="", truncated=read.answer.result.truncated
    )
    return json_response(echarts_json(data))
