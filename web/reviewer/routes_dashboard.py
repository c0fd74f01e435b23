"""``/reviewer``: events over time, unusual-access findings and the chain's verification."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from service.context import context_of
from web.page_auth import PostedForm
from web.reviewer.access import Reviewer
from web.reviewer.chain_state import last_checkpoint, last_verified, verify_now
from web.reviewer.event_names import kind_name
from web.reviewer.recent_review import REVIEW_DAYS, days_of, recent_review
from web.templating import render

router = APIRouter(prefix="/reviewer")
SEQS_IN_A_LINK = 200  # a finding with more events links to its first ones


@router.get("")
def dashboard(request: Request, identity: Reviewer) -> Response:
    hub = context_of(request).hub
    events = list(hub.audit.events())
    review = recent_review(hub, events, dt.datetime.now(dt.UTC))
    verified = last_verified(hub.audit.path, hub.home.keys)
    last_seq = events[-1].seq if events else 0
    findings = [
        {**f, "link": "/reviewer/search?seqs=" + ",".join(map(str, f["seqs"][:SEQS_IN_A_LINK]))}
        for f in review["findings"]
    ]
    return render(
        request,
        "reviewer/dashboard.html",
        {
            "days": REVIEW_DAYS,
            "review": review,
            "findings": findings,
            "verified": verified,
            "since_verified": last_seq - verified.result.events if verified else None,
            "checkpoint": last_checkpoint(hub.audit.path, hub.home.keys),
            "last_seq": last_seq,
        },
    )


@router.post("/verify")
def verify(request: Request, identity: Reviewer, form: PostedForm) -> Response:
    hub = context_of(request).hub
    verify_now(hub.audit.path, hub.home.keys)
    return RedirectResponse("/reviewer#chain", status_code=303)


@router.get("/data/events-per-day.json")
def events_per_day(request: Request, identity: Reviewer) -> Response:
    """The chart of the dashboard: events per day of the last 30 days, by kind."""
    hub = context_of(request).hub
    review = recent_review(hub, hub.audit.events(), dt.datetime.now(dt.UTC))
    per_day: dict[str, dict[str, int]] = review["charts"]["events_per_day"]
    days = days_of(review)
    kinds = sorted({kind for counts in per_day.values() for kind in counts})
    return JSONResponse(
        {
            "kind": "bar",
            "title": f"近 {REVIEW_DAYS} 天审计事件（按类型）",
            "x": days,
            "series": [
                {
                    "name": kind_name(kind),
                    "data": [per_day.get(day, {}).get(kind, 0) for day in days],
                }
                for kind in kinds
            ],
        }
    )
