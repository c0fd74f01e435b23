"""/street: the street's key figures, and the chart of its on-time closure by month."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from identity.models import Identity
from service.errors import ApiError
from service.json_rows import json_response
from web.i18n import Translator, language_of
from web.purpose import chosen_purpose, picker_for
from web.street.access import street_page
from web.street.key_figures import (
    latest_rated,
    lists_due,
    monthly_cases,
    rising_topics,
    room_of,
    this_month,
)
from web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Identity, Depends(street_page("read_products"))]


@router.get("/street")
def street_home(request: Request, identity: Reader) -> Response:
    purpose = chosen_purpose(request)
    values: dict[str, object] = {
        "picker": picker_for(request, identity.principal),
        "purpose": purpose,
        "this_month": this_month(),
    }
    if purpose:
        room = room_of(request, identity)
        cases = monthly_cases(request, identity, purpose, room)
        values |= {
            "cases": cases,
            "rated": latest_rated(cases.rows),
            "topics": rising_topics(request, identity, purpose, room),
            "lists": lists_due(request, identity, purpose, room),
        }
    return render(request, "street/home.html", values)


@router.get("/street/data/on-time.json")
def on_time_chart(request: Request, identity: Reader) -> Response:
    """On-time closure rate and cases by month, for the home page's chart."""
    purpose = chosen_purpose(request)
    if not purpose:
        raise ApiError(409, "no_purpose", "choose a purpose first")
    cases = monthly_cases(request, identity, purpose, room_of(request, identity))
    if cases.refusal:
        raise ApiError(403, "refused", cases.refusal)
    months = cases.rows
    t = Translator(language_of(request))
    return json_response(
        {
            "kind": "line",
            "title": t("按月按期办结率（%）", "On-time closure by month (%)"),
            "x": [m.month for m in months],
            "series": [
                {
                    "name": t("按期办结率（%）", "On-time closure (%)"),
                    "data": [
                        None if m.on_time_rate is None else round(100 * m.on_time_rate, 1)
                        for m in months
                    ],
                }
            ],
        }
    )
