"""The catalogue you may see, the products in your room, and their rows."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from identity.models import Identity
from policies.engine import Decision, decide
from service.auth import ReadsProducts
from service.context import context_of
from service.downloads import FORMATS, encode
from service.errors import ERROR_RESPONSES, ApiError, not_found
from service.json_rows import json_response, rows_of
from service.room_queries import run_in_room
from service.row_requests import RESERVED, page_request, statement

router = APIRouter(prefix="/api/v1", tags=["products"], responses=ERROR_RESPONSES)


def _decision(request: Request, identity: Identity, name: str) -> Decision:
    context = context_of(request)
    product = context.hub.catalog.products.get(name)
    if product is None:
        raise not_found("that product")
    decision = decide(identity.principal, product, context.hub.policies)
    request.state.audit_details = {"products": [name], "grants": decision.grants}
    if not decision.allowed:
        # The product exists; saying so is no leak (the catalogue is public in the district).
        raise ApiError(403, "refused", f"{name}: " + "; ".join(decision.reasons))
    return decision


def _entry(decision: Decision, title: str) -> dict[str, object]:
    return {
        "name": decision.product,
        "title": title,
        "rows": decision.row_filter.description if decision.row_filter else "district",
        "grants": decision.grants,
        "columns": [
            {"name": c.name, "level": c.level, "treatment": c.treatment, "because": c.because}
            for c in decision.columns
        ],
    }


@router.get("/products", summary="我的数据室中的产品（列、处理方式与原因）")
def list_products(request: Request, identity: ReadsProducts) -> Response:
    context = context_of(request)
    entries = []
    for product in context.hub.catalog.products.values():
        decision = decide(identity.principal, product, context.hub.policies)
        if decision.allowed:
            entries.append(_entry(decision, product.title))
    request.state.audit_details = {"products": [e["name"] for e in entries]}
    return json_response({"principal": identity.principal, "products": entries})


@router.get("/products/{name}", summary="说明一个产品：可见的行、列及原因")
def explain_product(name: str, request: Request, identity: ReadsProducts) -> Response:
    decision = _decision(request, identity, name)
    product = context_of(request).hub.catalog.products[name]
    return json_response(_entry(decision, product.title))


@router.get(
    "/products/{name}/rows",
    summary="产品数据：分页、选列、筛选、排序；可下载 CSV / XLSX / Parquet / Arrow",
    description="其余查询参数 `<列名>=<值>` 为等值筛选（只限你可见的列）。",
    responses={
        200: {
            "content": {
                "application/json": {},
                **{media.split(";")[0]: {} for media in FORMATS.values()},
            }
        }
    },
)
def product_rows(
    name: str,
    request: Request,
    identity: ReadsProducts,
    columns: Annotated[str, Query(description="逗号分隔的列名")] = "",
    sort: Annotated[str, Query(description="逗号分隔的列名，前加 - 为降序")] = "",
    limit: Annotated[int, Query(ge=0, description="每页行数")] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9, description="跳过的行数")] = 0,
    format: Annotated[
        Literal["json", "csv", "xlsx", "parquet", "arrow"], Query(description="返回格式")
    ] = "json",
    purpose: Annotated[
        str, Query(max_length=500, description="用途：授权所接受的用途代码或中文名称，记入审计")
    ] = "",
) -> Response:
    context = context_of(request)
    decision = _decision(request, identity, name)
    # Any other query parameter is an equality filter on a visible column.
    filters = {k: v for k, v in request.query_params.items() if k not in RESERVED}
    page = page_request(
        decision,
        columns=columns,
        sort=sort,
        limit=limit,
        offset=offset,
        filters=filters,
        max_rows=context.settings.page_rows_max,
    )
    answer = run_in_room(
        request,
        identity,
        statement(name, page),
        purpose=purpose or None,
        download=None if format == "json" else format,
    )
    table = answer.result.table
    if format == "json":
        more = table.num_rows == page.limit
        return json_response(
            {
                "product": name,
                "columns": table.column_names,
                "rows": rows_of(table),
                "offset": page.offset,
                "limit": page.limit,
                "next_offset": page.offset + page.limit if more else None,
            }
        )
    body = encode(table, format)
    context.metrics.bytes.labels(identity.principal).inc(len(body))
    return Response(
        body,
        media_type=FORMATS[format],
        headers={
            "Content-Disposition": f'attachment; filename="{name}.{format}"',
            # The register's id of this file (audit who-saw / trace name it too).
            **({"X-Delivery-Id": answer.delivery} if answer.delivery else {}),
        },
    )
