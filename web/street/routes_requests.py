"""/street/requests: ask for a conditional product (有条件共享) and follow my requests.

A request is made as POST /api/v1/access-requests makes it (pipelines.access_steps:
the store's rules, the grant event in the audit); the list is what GET
/api/v1/access-requests shows me (policies.api_permissions.may_see_request).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from identity.models import Identity
from pipelines.access_steps import request_access
from policies.access_requests import MAX_TEXT, AccessRequestRefused, one_year_after
from policies.api_permissions import may, may_see_request
from service.call_record import mark_audited
from service.context import context_of
from web.i18n import Translator, language_of
from web.page_auth import PostedForm
from web.street.access import street_page
from web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Identity, Depends(street_page("read_products"))]
Requester = Annotated[Identity, Depends(street_page("request_access"))]
FIELDS = ("product", "purpose", "until", "justification")


def _page(
    request: Request,
    identity: Identity,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refusal: str = "",
    status: int = 200,
) -> Response:
    hub = context_of(request).hub
    principal = hub.policies.principal(identity.principal)
    kind = principal.kind if principal else None
    today = dt.date.today()
    mine = [
        r.summary(today)
        for r in hub.access_requests.all()
        if may_see_request(identity, kind, r.principal)
    ]
    products = [
        p for p in hub.catalog.products.values() if p.sharing in ("conditional", "unconditional")
    ]
    return render(
        request,
        "street/requests.html",
        {
            "requests": list(reversed(mine)),
            "products": products,
            "purposes": hub.policies.purposes,
            "may_request": may(identity, "request_access", kind).allowed,
            "form": {name: (form or {}).get(name, "") for name in FIELDS},
            "errors": errors or {},
            "refusal": refusal,
            "earliest": (today + dt.timedelta(days=1)).isoformat(),
            "latest": one_year_after(today).isoformat(),
            "max_text": MAX_TEXT,
        },
        status=status,
    )


@router.get("/street/requests")
def my_requests(request: Request, identity: Reader) -> Response:
    return _page(request, identity)


@router.post("/street/requests")
def new_request(request: Request, identity: Requester, form: PostedForm) -> Response:
    t = Translator(language_of(request))
    errors: dict[str, str] = {}
    if not form.get("product"):
        errors["product"] = t("请选择产品", "Choose a product")
    if not form.get("purpose"):
        errors["purpose"] = t("请填写用途", "State the purpose")
    if not form.get("justification"):
        errors["justification"] = t("请说明申请理由", "Give the reason for the request")
    until: dt.date | None = None
    try:
        until = dt.date.fromisoformat(form.get("until", ""))
    except ValueError:
        errors["until"] = t("请填写截止日期（YYYY-MM-DD）", "Give the end date (YYYY-MM-DD)")
    for name in ("purpose", "justification"):
        if len(form.get(name, "")) > MAX_TEXT:
            errors[name] = t(f"最多 {MAX_TEXT} 个字符", f"at most {MAX_TEXT} characters")
    if errors or until is None:
        return _page(request, identity, form=form, errors=errors, status=422)
    mark_audited(request)  # request_access writes the grant event, refused or not
    try:
        request_access(
            context_of(request).hub,
            principal=identity.principal,
            product=form["product"],
            purpose=form["purpose"],
            until=until,
            justification=form["justification"],
        )
    except AccessRequestRefused as refused:
        return _page(request, identity, form=form, refusal=str(refused), status=403)
    return RedirectResponse("/street/requests", status_code=303)
