"""The street's key figures for its home page, each one read in its room through the
gateway for the chosen purpose: cases and on-time closure by month (street_case_stats),
the latest week's rising topics (street_hot_topics) and the person-level lists its
grants name, counted (never who is on them).

Before a read, the engine is asked whether the product may be read for the purpose; when
it may not, its reason is shown and nothing is read (the gateway asks it again on every
read that is made). A blank count (small-cell suppression) is not added as 0: a figure
built over blank cells says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from charts.data import label_text
from identity.models import Identity
from policies.engine import decide
from service.context import context_of
from web.street.room_products import RoomProduct, products_in_room
from web.street.room_reads import RoomRead, read_product

CASES = "street_case_stats"
ORDERS = "street_case_channels"
HOT_TOPICS = "street_hot_topics"

MONTHLY_SQL = (
    "SELECT month, sum(cases) AS cases, sum(closed) AS closed, "
    "sum(closed_on_time) AS closed_on_time, "
    "count(*) FILTER (WHERE cases IS NULL OR closed_on_time IS NULL) AS blank_cells "
    f"FROM {CASES} GROUP BY month ORDER BY month"
)
# The same figures in work orders, per street and month (one breakdown adds up to the
# month's total): where a small street's community × category cells are all blank, its
# street-level months still show.
MONTHLY_ORDERS_SQL = (
    "SELECT month, sum(records) AS cases, sum(closed) AS closed, "
    "sum(closed_on_time) AS closed_on_time, "
    "count(*) FILTER (WHERE records IS NULL OR closed_on_time IS NULL) AS blank_cells "
    f"FROM {ORDERS} WHERE breakdown = '承办部门' GROUP BY month ORDER BY month"
)
RISING_SQL = (
    "SELECT topic_kind, topic, week_start, week_end, cases_previous_week, cases, growth "
    f"FROM {HOT_TOPICS} WHERE rising "
    f"AND week_end = (SELECT max(week_end) FROM {HOT_TOPICS}) "
    "ORDER BY cases DESC, topic LIMIT 20"
)


@dataclass(frozen=True)
class Month:
    month: str
    cases: int
    closed: int
    closed_on_time: int
    blank_cells: int

    @property
    def on_time_rate(self) -> float | None:
        """Closed on time over closed (the product's own 按期办结率), over shown cells."""
        return self.closed_on_time / self.closed if self.closed else None


@dataclass(frozen=True)
class Figures:
    """One figure's answer: its rows, or why there are none."""

    product: str
    title: str
    rows: list[Any] = field(default_factory=list)
    refusal: str = ""


@dataclass(frozen=True)
class ListDue:
    product: str
    title: str
    people: int | None
    refusal: str = ""
    purposes: list[str] = field(default_factory=list)  # what its grants accept


def _read(
    request: Request,
    identity: Identity,
    room: dict[str, RoomProduct],
    name: str,
    sql: str,
    purpose: str,
) -> tuple[str, RoomRead | None]:
    """The product's title, and its read (None with the reason when it is not read)."""
    hub = context_of(request).hub
    found = room.get(name)
    product = hub.catalog.products.get(name)
    title = product.title if product else name
    if found is None:
        why = decide(identity.principal, product, hub.policies, product_name=name)
        return title, RoomRead(None, f"{name}: " + "; ".join(why.reasons), 403)
    for_purpose = decide(identity.principal, found.product, hub.policies, purpose=purpose)
    if not for_purpose.allowed:
        return title, RoomRead(None, f"{name}: " + "; ".join(for_purpose.reasons), 403)
    return title, read_product(request, identity, name, sql, purpose)


def monthly_cases(
    request: Request, identity: Identity, purpose: str, room: dict[str, RoomProduct]
) -> Figures:
    """Cases and on-time closure by month from street_case_stats; when none of its months
    shows a rate (every cell small, so blank), from the street's work orders instead."""
    cases = _months(request, identity, purpose, room, CASES, MONTHLY_SQL)
    if any(m.on_time_rate is not None for m in cases.rows):
        return cases
    orders = _months(request, identity, purpose, room, ORDERS, MONTHLY_ORDERS_SQL)
    return orders if any(m.on_time_rate is not None for m in orders.rows) else cases


def latest_rated(months: list[Month]) -> Month | None:
    """The latest month with an on-time rate (a month just begun may have none closed)."""
    rated = [m for m in months if m.on_time_rate is not None]
    return rated[-1] if rated else None


def _months(
    request: Request,
    identity: Identity,
    purpose: str,
    room: dict[str, RoomProduct],
    name: str,
    sql: str,
) -> Figures:
    title, read = _read(request, identity, room, name, sql, purpose)
    assert read is not None
    if read.answer is None:
        return Figures(name, title, refusal=read.refusal)
    months = [
        Month(
            label_text(row["month"]),
            int(row["cases"] or 0),
            int(row["closed"] or 0),
            int(row["closed_on_time"] or 0),
            int(row["blank_cells"] or 0),
        )
        for row in read.rows
    ]
    return Figures(name, title, months)


def rising_topics(
    request: Request, identity: Identity, purpose: str, room: dict[str, RoomProduct]
) -> Figures:
    title, read = _read(request, identity, room, HOT_TOPICS, RISING_SQL, purpose)
    assert read is not None
    if read.answer is None:
        return Figures(HOT_TOPICS, title, refusal=read.refusal)
    return Figures(HOT_TOPICS, title, read.rows)


def lists_due(
    request: Request, identity: Identity, purpose: str, room: dict[str, RoomProduct]
) -> list[ListDue]:
    """Each person-level list the principal's grants name, with how many people it holds."""
    policies = context_of(request).hub.policies
    found = []
    for entry in room.values():
        if not entry.product.person_level:
            continue
        name = entry.product.name
        accepted = [
            p for g in policies.grants if g.id in entry.decision.grants for p in g.accepted_purposes
        ]
        sql = f'SELECT count(*) AS people FROM "{name}"'
        title, read = _read(request, identity, room, name, sql, purpose)
        assert read is not None
        if read.answer is None:
            found.append(ListDue(name, title, None, read.refusal, accepted))
        else:
            found.append(ListDue(name, title, int(read.rows[0]["people"]), purposes=accepted))
    return found


def room_of(request: Request, identity: Identity) -> dict[str, RoomProduct]:
    hub = context_of(request).hub
    return {entry.product.name: entry for entry in products_in_room(hub, identity.principal)}


def this_month() -> str:
    return dt.date.today().strftime("%Y-%m")
