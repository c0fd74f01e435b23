"""Search the audit log the way a reviewer asks: who, for whom, what, why, when, how it ended.

The fields searched are the ones the hub's writers put in events' details today:

- ``by``: the person, client or operator behind a call (``person u-0001``,
  ``client c-0001``, ``operator root``); gateway, API and CLI events carry it.
- ``principal`` (or, without it, the event's actor): the office or department
  whose grants applied.
- ``dataset`` (reveals), ``product`` / ``products`` (queries, API calls, access
  requests, room builds), ``grant`` / ``grants``, ``purpose``, ``outcome``,
  ``token`` / ``translated_to`` (re-identifications of one person).

Every filter given must match (AND); a filter given several values matches any
of them (OR). Times without a zone are read in ``zone`` (the district's,
Asia/Shanghai by default); a bare ``--until`` date includes that whole day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from audit.events import AuditEvent

DEFAULT_ZONE = "Asia/Shanghai"
# Prefixes the writers put before an id in ``by`` (see service.auth, audit.log.set_operator).
PERSON_PREFIXES = ("person ", "operator ")
CLIENT_PREFIX = "client "


class SearchError(ValueError):
    """A filter the search cannot read (a malformed time, say); the message says which."""


@dataclass(frozen=True)
class AuditQuery:
    """What to look for. Empty tuples and None mean "any"."""

    persons: tuple[str, ...] = ()
    clients: tuple[str, ...] = ()
    principals: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    tokens: tuple[str, ...] = ()
    purposes: tuple[str, ...] = ()  # a purpose matches when it contains one of these
    grants: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    since: dt.datetime | None = None  # inclusive, aware
    until: dt.datetime | None = None  # exclusive, aware
    seqs: tuple[int, ...] = ()  # exactly these events (a finding's, say)


@dataclass
class SearchResult:
    events: list[AuditEvent] = field(default_factory=list)
    matched: int = 0  # before the limit cut


def event_time(event: AuditEvent) -> dt.datetime:
    """When the event was written, as an aware UTC datetime."""
    return dt.datetime.fromisoformat(event.at.replace("Z", "+00:00"))


def parse_time(text: str, *, end: bool = False, zone: str = DEFAULT_ZONE) -> dt.datetime:
    """An ISO date or datetime as an aware datetime.

    A date is the start of that day in ``zone``, or with ``end`` the start of the
    next day (so ``--until 2026-12-06`` includes the 6th). A datetime without a
    zone is read in ``zone``.
    """
    text = text.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            start = dt.datetime.combine(day, dt.time(), ZoneInfo(zone))
            return start + dt.timedelta(days=1) if end else start
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SearchError(
            f"{text!r} is not an ISO date or datetime (e.g. 2026-12-06 or "
            "2026-12-06T09:30:00+08:00)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment


def person_of(event: AuditEvent) -> str | None:
    """The id of the person or operator behind an event, if it names one."""
    by = event.details.get("by")
    if isinstance(by, str):
        for prefix in PERSON_PREFIXES:
            if by.startswith(prefix):
                return by[len(prefix) :]
    return None


def client_of(event: AuditEvent) -> str | None:
    by = event.details.get("by")
    if isinstance(by, str) and by.startswith(CLIENT_PREFIX):
        return by[len(CLIENT_PREFIX) :]
    return None


def principal_of(event: AuditEvent) -> str:
    principal = event.details.get("principal")
    return principal if isinstance(principal, str) and principal else event.actor


def products_of(event: AuditEvent) -> list[str]:
    return _names(event.details, "product", "products")


def grants_of(event: AuditEvent) -> list[str]:
    return _names(event.details, "grant", "grants")


def tokens_of(event: AuditEvent) -> list[str]:
    return _names(event.details, "token", "translated_to")


def _names(details: dict[str, Any], one: str, many: str) -> list[str]:
    found: list[str] = []
    single = details.get(one)
    if isinstance(single, str) and single:
        found.append(single)
    several = details.get(many)
    if isinstance(several, list):
        found += [item for item in several if isinstance(item, str)]
    return found


def matches(event: AuditEvent, query: AuditQuery) -> bool:
    """Whether one event meets every filter of ``query``."""
    details = event.details
    if query.seqs and event.seq not in query.seqs:
        return False
    person = person_of(event)
    by = str(details.get("by") or "")
    checks: list[tuple[Sequence[str], Iterable[str]]] = [
        (query.kinds, [event.kind]),
        (query.persons, [person or "", by if person else ""]),
        (query.clients, [client_of(event) or "", by if client_of(event) else ""]),
        (query.principals, [principal_of(event), event.actor]),
        (query.datasets, [str(details.get("dataset") or "")]),
        (query.products, products_of(event)),
        (query.grants, grants_of(event)),
        (query.outcomes, [str(details.get("outcome") or "")]),
        (query.tokens, tokens_of(event)),
    ]
    for wanted, have in checks:
        if wanted and not set(wanted) & {str(h) for h in have if h}:
            return False
    if query.purposes:
        purpose = str(details.get("purpose") or "")
        if not any(p and p in purpose for p in query.purposes):
            return False
    if query.since is not None or query.until is not None:
        at = event_time(event)
        if query.since is not None and at < query.since:
            return False
        if query.until is not None and at >= query.until:
            return False
    return True


def search(
    events: Iterable[AuditEvent], query: AuditQuery, *, limit: int | None = None
) -> SearchResult:
    """The events that match, in log order; with ``limit``, only the last ``limit``."""
    found = [event for event in events if matches(event, query)]
    kept = found[-limit:] if limit else found
    return SearchResult(kept, len(found))


def summary_row(event: AuditEvent) -> list[str]:
    """One line of the table a reviewer reads: seq, time, kind, who, for whom, what, why, end."""
    details = event.details
    what = ", ".join(products_of(event)) or str(details.get("dataset") or "")
    return [
        str(event.seq),
        event.at,
        event.kind,
        str(details.get("by") or ""),
        principal_of(event),
        what,
        ", ".join(grants_of(event)),
        str(details.get("purpose") or ""),
        str(details.get("outcome") or ""),
    ]


SUMMARY_COLUMNS = ["seq", "at", "kind", "by", "principal", "what", "grants", "purpose", "outcome"]
