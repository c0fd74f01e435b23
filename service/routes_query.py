"""A read query in your own data room, with the gateway's checks and limits."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from service.auth import Queries
from service.errors import ERROR_RESPONSES
from service.json_rows import json_response, rows_of
from service.room_queries import run_in_room

router = APIRouter(prefix="/api/v1", tags=["query"], responses=ERROR_RESPONSES)


class QueryBody(BaseModel):
    sql: str = Field(min_length=1, max_length=64 * 1024, description="一条只读 SQL（DuckDB 方言）")
    purpose: str = Field(
        default="",
        max_length=500,
        description="用途：授权所接受的用途代码或中文名称（config/purposes.yaml），记入审计",
    )


@router.post("/query", summary="在我的数据室中运行一条只读查询")
def query(body: QueryBody, request: Request, identity: Queries) -> Response:
    answer = run_in_room(request, identity, body.sql, purpose=body.purpose or None)
    table = answer.result.table
    return json_response(
        {
            "principal": identity.principal,
            "products": answer.products,
            "grants": answer.grants,
            "columns": table.column_names,
            "rows": rows_of(table),
            "truncated": answer.result.truncated,
            **({"delivery": answer.delivery} if answer.delivery else {}),
        }
    )
