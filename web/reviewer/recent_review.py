"""The access review (audit.report) of the last 30 days, as the dashboard shows it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from audit.events import AuditEvent
from audit.report import Period, build_report
from audit.report_settings import load_settings
from pipelines.hub import Hub

REVIEW_DAYS = 30


def review_period(zone: str, now: dt.datetime) -> Period:
    """From the start of the day 29 days ago, in the district's zone, until now."""
    today = now.astimezone(ZoneInfo(zone)).date()
    first = today - dt.timedelta(days=REVIEW_DAYS - 1)
    return Period(dt.datetime.combine(first, dt.time(), ZoneInfo(zone)), now)


def recent_review(hub: Hub, events: Iterable[AuditEvent], now: dt.datetime) -> dict[str, Any]:
    """``shuzhi audit report`` over the last 30 days: findings and events per day."""
    settings = load_settings(hub.config)
    levels = {
        name: {str(column.level) for column in product.columns}
        for name, product in hub.catalog.products.items()
    }
    period = review_period(settings.zone, now)
    return build_report(events, period, hub.policies, levels, settings)


def days_of(review: dict[str, Any]) -> list[str]:
    """Every day of the review's period, oldest first (days without events too)."""
    first = dt.date.fromisoformat(review["period"]["since"][:10])
    return [(first + dt.timedelta(days=n)).isoformat() for n in range(REVIEW_DAYS)]
