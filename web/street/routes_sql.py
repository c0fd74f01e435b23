"""/street/sql: a read statement over my room, answered as POST /api/v1/query answers
(service.room_queries through the gateway, for the chosen purpose), beside the room's
tables and the columns I may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from identity.models import Identity
from service.context import context_of
from web.i18n import Translator, language_of
from web.page_auth import PostedForm
from web.purpose import chosen_purpose, picker_for
from web.street.access import street_page
from web.street.room_products import products_in_room
from web.street.room_reads import RoomRead, read_in_room
from web.templating import render

router = APIRouter(include_in_schema=False)
Querier = Annotated[Identity, Depends(street_page("query"))]

MAX_STATEMENT = 64 * 1024  # as the API's query body
SHOWN_ROWS = 200  # the page shows the first rows; the gateway's row limit still applies
EXAMPLE = (
    "SELECT month, sum(cases) AS cases\nFROM street_case_stats\nGROUP BY month\nORDER BY month"
)


def _page(
    request: Request, identity: Identity, sql: str, read: RoomRead | None, error: str = ""
) -> Response:
    hub = context_of(request).hub
    status = 422 if error else (read.status if read else 200)
    return render(
        request,
        "street/sql.html",
        {
            "picker": picker_for(request, identity.principal),
            "purpose": chosen_purpose(request),
            "tables": products_in_room(hub, identity.principal),
            "sql": sql,
            "read": read,
            "error": error,
            "shown_rows": SHOWN_ROWS,
        },
        status=status,
    )


@router.get("/street/sql")
def sql_form(request: Request, identity: Querier) -> Response:
    return _page(request, identity, EXAMPLE, None)


@router.post("/street/sql")
def run_sql(request: Request, identity: Querier, form: PostedForm) -> Response:
    sql = form.get("sql", "")
    purpose = chosen_purpose(request)
    t = Translator(language_of(request))
    if not sql:
        return _page(request, identity, sql, None, t("请输入一条只读 SQL 语句", "Type a statement"))
    if len(sql) > MAX_STATEMENT:
        too_long = t(f"语句超过 {MAX_STATEMENT} 个字符", f"over {MAX_STATEMENT} characters")
        return _page(request, identity, "", None, too_long)
    if not purpose:
        needed = t("请先选择用途：每次查询都要说明用途", "Choose a purpose first")
        return _page(request, identity, sql, None, needed)
    return _page(request, identity, sql, read_in_room(request, identity, sql, purpose))
