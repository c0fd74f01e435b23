"""``/reviewer/search``: the audit search of ``shuzhi audit search`` and
``GET /api/v1/audit/events``, as a form and a paged table (newest first)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from audit.events import AuditEvent
from audit.search import AuditQuery, SearchError, parse_time, search, summary_row, tokens_of
from service.context import context_of
from web.reviewer.access import Reviewer
from web.reviewer.event_names import kind_name
from web.templating import render

router = APIRouter(prefix="/reviewer")
PAGE_SIZE = 50
# The form's fields, in its order: (name, Chinese label, English label).
FIELDS = (
    ("person", "操作人", "Person"),
    ("client", "接入系统", "Client"),
    ("principal", "主体", "Principal"),
    ("dataset", "数据集", "Dataset"),
    ("product", "数据产品", "Product"),
    ("token", "个人令牌", "Person token"),
    ("purpose", "用途（包含）", "Purpose (contains)"),
    ("grant", "授权", "Grant"),
    ("outcome", "结果", "Outcome"),
    ("kind", "事件类型", "Kind"),
)
Text = Annotated[str, Query(max_length=200)]


def _many(value: str) -> tuple[str, ...]:
    """Comma-separated values, as the CLI reads a repeated option (any of them matches)."""
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _seqs(value: str) -> tuple[int, ...]:
    parts = _many(value)
    if not all(part.isdigit() for part in parts):
        raise SearchError(f"event numbers are whole numbers separated by commas, not {value!r}")
    return tuple(int(part) for part in parts)


@router.get("/search")
def search_page(
    request: Request,
    identity: Reviewer,
    person: Text = "",
    client: Text = "",
    principal: Text = "",
    dataset: Text = "",
    product: Text = "",
    token: Text = "",
    purpose: Text = "",
    grant: Text = "",
    outcome: Text = "",
    kind: Text = "",
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    seqs: Annotated[str, Query(max_length=4000)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    asked = {
        "person": person, "client": client, "principal": principal, "dataset": dataset,
        "product": product, "token": token, "purpose": purpose, "grant": grant,
        "outcome": outcome, "kind": kind, "since": since, "until": until, "seqs": seqs,
    }  # fmt: skip
    values = {"fields": FIELDS, "asked": asked, "error": "", "rows": [], "matched": 0}
    values |= {"page": page, "pages": 0, "previous": "", "next": ""}
    try:
        query = AuditQuery(
            persons=_many(person), clients=_many(client), principals=_many(principal),
            datasets=_many(dataset), products=_many(product), tokens=_many(token),
            purposes=_many(purpose), grants=_many(grant), outcomes=_many(outcome),
            kinds=_many(kind),
            since=parse_time(since) if since else None,
            until=parse_time(until, end=True) if until else None,
            seqs=_seqs(seqs),
        )  # fmt: skip
    except SearchError as error:
        values["error"] = str(error)
        return render(request, "reviewer/search.html", values, status=422)
    result = search(context_of(request).hub.audit.events(), query)
    newest_first = result.events[::-1]
    pages = max(1, -(-result.matched // PAGE_SIZE))
    page = min(page, pages)
    shown = newest_first[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    kept = {name: value for name, value in asked.items() if value}
    values |= {
        "rows": [_row(event) for event in shown],
        "matched": result.matched,
        "page": page,
        "pages": pages,
        "previous": _page_link(kept, page - 1) if page > 1 else "",
        "next": _page_link(kept, page + 1) if page < pages else "",
    }
    return render(request, "reviewer/search.html", values)


def _page_link(kept: dict[str, str], page: int) -> str:
    return "/reviewer/search?" + urlencode({**kept, "page": page})


def _row(event: AuditEvent) -> dict[str, object]:
    seq, at, kind, by, principal, what, grants, purpose, outcome = summary_row(event)
    return {
        "seq": seq, "at": at, "kind": kind, "kind_name": kind_name(kind), "by": by,
        "principal": principal, "what": what, "grants": grants, "purpose": purpose,
        "outcome": outcome, "reason": str(event.details.get("reason") or ""),
        "tokens": tokens_of(event),
    }  # fmt: skip
