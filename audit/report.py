"""The periodic access review: what a security reviewer reads once a month.

From the audit events of a period and the policies in force it answers:

- personal data accessed, per principal and purpose (reads of products holding
  columns of the personal levels, and re-identifications), with the events behind;
- grants about to expire (within ``expiry_days`` of the period's end) or not used
  in the period;
- unusual access, each finding listing the event seqs behind it:
  ``bulk_l4_read`` (one read of ``bulk_rows`` rows or more from a product with L4
  columns, or a re-identification returning as many), ``off_hours`` (data access
  outside working hours in the district's zone), ``other_jurisdiction`` (a
  principal with a street or community of its own reading beyond it through a
  grant), ``many_reveals`` (``reveals_per_day`` or more re-identifications by one
  person in one day), ``download_burst`` (``download_burst`` or more downloads by
  one person within ``download_burst_minutes``).

Everything here is computed from what the log records; nothing is read from data.
The result is plain JSON-ready data; audit.report_files writes it out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from audit.events import AuditEvent
from audit.report_settings import ReportSettings
from audit.search import event_time, grants_of, person_of, principal_of, products_of
from policies.models import Grant, PolicySet, Principal, RevealGrant

FINDING_TITLES = {
    "bulk_l4_read": "批量读取 L4 数据",
    "off_hours": "非工作时间访问",
    "other_jurisdiction": "跨辖区读取",
    "many_reveals": "频繁重识别",
    "download_burst": "集中下载",
}
# What a data access is, by kind and outcome (refusals are access attempts, not access).
_ACCESS = {("query", "answered"), ("reveal", "revealed")}


@dataclass(frozen=True)
class Period:
    since: dt.datetime  # inclusive, aware
    until: dt.datetime  # exclusive, aware


def build_report(
    events: Iterable[AuditEvent],
    period: Period,
    policies: PolicySet,
    product_levels: Mapping[str, set[str]],
    settings: ReportSettings,
) -> dict[str, Any]:
    """The review of ``period``: personal-data access, grants, findings and chart data.

    ``product_levels``: for each product, the levels of its columns (from the catalogue).
    """
    zone = ZoneInfo(settings.zone)
    window = [e for e in events if period.since <= event_time(e) < period.until]
    accesses = [e for e in window if (e.kind, e.details.get("outcome")) in _ACCESS]
    findings = [
        *_bulk_l4_reads(accesses, product_levels, settings),
        *_off_hours(accesses, zone, settings),
        *_other_jurisdiction(accesses, policies),
        *_many_reveals(window, zone, settings),
        *_download_bursts(window, settings),
    ]
    return {
        "period": {
            "since": period.since.isoformat(),
            "until": period.until.isoformat(),
            "zone": settings.zone,
        },
        "settings": settings.model_dump(mode="json"),
        "events": len(window),
        "personal_data_access": _personal_access(accesses, product_levels, settings),
        "grants": _grants(window, period, policies, zone, settings),
        "findings": findings,
        "charts": {
            "events_per_day": _events_per_day(window, zone),
            "accesses_per_principal": dict(
                Counter(principal_of(e) for e in accesses).most_common()
            ),
        },
    }


def _who(event: AuditEvent) -> str:
    """The person behind an event, else its client or principal (never empty)."""
    by = event.details.get("by")
    return person_of(event) or (by if isinstance(by, str) and by else principal_of(event))


def _rows(event: AuditEvent) -> int:
    rows = event.details.get("rows")
    return rows if isinstance(rows, int) else 0


def _what(event: AuditEvent) -> list[str]:
    if event.kind == "reveal":
        return [f"reveal:{event.details.get('dataset')}"]
    return products_of(event)


def _personal(event: AuditEvent, levels: Mapping[str, set[str]], personal: set[str]) -> bool:
    if event.kind == "reveal":
        return True  # a re-identification opens a person's identity
    return any(levels.get(p, set()) & personal for p in products_of(event))


def _personal_access(
    accesses: list[AuditEvent], levels: Mapping[str, set[str]], settings: ReportSettings
) -> list[dict[str, Any]]:
    personal = set(settings.personal_levels)
    groups: dict[tuple[str, str], list[AuditEvent]] = defaultdict(list)
    for event in accesses:
        if _personal(event, levels, personal):
            groups[(principal_of(event), str(event.details.get("purpose") or ""))].append(event)
    return [
        {
            "principal": principal,
            "purpose": purpose,
            "what": sorted({w for e in found for w in _what(e)}),
            "grants": sorted({g for e in found for g in grants_of(e)}),
            "persons": sorted({_who(e) for e in found}),
            "events": len(found),
            "rows": sum(_rows(e) for e in found),
            "seqs": [e.seq for e in found],
        }
        for (principal, purpose), found in sorted(groups.items())
    ]


def _grants(
    window: list[AuditEvent],
    period: Period,
    policies: PolicySet,
    zone: ZoneInfo,
    settings: ReportSettings,
) -> dict[str, list[dict[str, Any]]]:
    first = period.since.astimezone(zone).date()
    last = (period.until - dt.timedelta(microseconds=1)).astimezone(zone).date()
    horizon = last + dt.timedelta(days=settings.expiry_days)
    used: dict[str, list[int]] = defaultdict(list)
    for event in window:
        if (event.kind, event.details.get("outcome")) in _ACCESS:
            for grant_id in grants_of(event):
                used[grant_id].append(event.seq)
    expiring: list[dict[str, Any]] = []
    unused: list[dict[str, Any]] = []
    rules: list[tuple[str, Grant | RevealGrant]] = [("grant", g) for g in policies.grants]
    rules += [("reveal", g) for g in policies.reveals]
    for kind, grant in rules:
        entry: dict[str, Any] = {
            "id": grant.id,
            "kind": kind,
            "to": grant.to.describe(),
            "valid_until": grant.valid_until.isoformat(),
            "purposes": grant.accepted_purposes,
        }
        if last <= grant.valid_until <= horizon:
            expiring.append({**entry, "days_left": (grant.valid_until - last).days})
        in_force = grant.valid_from <= last and grant.valid_until >= first
        if in_force and grant.id not in used:
            unused.append(entry)
    return {"expiring": expiring, "unused": unused}


def _finding(kind: str, who: str, found: list[AuditEvent], detail: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "title": FINDING_TITLES[kind],
        "who": who,
        "detail": detail,
        "seqs": [e.seq for e in found],
    }


def _bulk_l4_reads(
    accesses: list[AuditEvent], levels: Mapping[str, set[str]], settings: ReportSettings
) -> list[dict[str, Any]]:
    found = []
    for event in accesses:
        l4 = event.kind == "reveal" or any("L4" in levels.get(p, set()) for p in _what(event))
        if l4 and _rows(event) >= settings.bulk_rows:
            what = ", ".join(_what(event))
            found.append(
                _finding(
                    "bulk_l4_read",
                    _who(event),
                    [event],
                    f"{principal_of(event)} 读取 {what} 共 {_rows(event)} 行"
                    f"（阈值 {settings.bulk_rows}）",
                )
            )
    return found


def _off_hours(
    accesses: list[AuditEvent], zone: ZoneInfo, settings: ReportSettings
) -> list[dict[str, Any]]:
    per_person: dict[str, list[AuditEvent]] = defaultdict(list)
    for event in accesses:
        local = event_time(event).astimezone(zone)
        working = local.isoweekday() in settings.workdays and (
            settings.work_start <= local.time() < settings.work_end
        )
        if not working:
            per_person[_who(event)].append(event)
    return [
        _finding(
            "off_hours",
            who,
            found,
            f"{len(found)} 次访问在工作时间之外（{settings.work_start:%H:%M}–"
            f"{settings.work_end:%H:%M}，{settings.zone}，工作日 "
            f"{','.join(map(str, settings.workdays))}）",
        )
        for who, found in sorted(per_person.items())
    ]


def _jurisdiction_codes(who: Principal) -> set[str]:
    return {code for code in (who.street, who.community) if code}


def _other_jurisdiction(accesses: list[AuditEvent], policies: PolicySet) -> list[dict[str, Any]]:
    rows_of_grant = {g.id: g.rows for g in policies.grants}
    per_principal: dict[str, list[AuditEvent]] = defaultdict(list)
    beyond: dict[str, set[str]] = defaultdict(set)
    for event in accesses:
        who = policies.principal(principal_of(event))
        if who is None or not _jurisdiction_codes(who):
            continue  # a department or steward has no jurisdiction to leave
        if event.kind == "reveal":
            scope = str(event.details.get("rows_of") or "")
            wider = scope == "district" or (
                scope and not any(code in scope for code in _jurisdiction_codes(who))
            )
            grants = [str(event.details.get("grant") or "")]
        else:
            grants = [g for g in grants_of(event) if rows_of_grant.get(g) == "district"]
            wider = bool(grants)
        if wider:
            per_principal[who.id].append(event)
            beyond[who.id].update(g for g in grants if g)
    return [
        _finding(
            "other_jurisdiction",
            principal,
            found,
            f"{principal}（{policies.principal(principal).jurisdiction}）"  # type: ignore[union-attr]
            f"通过授权 {', '.join(sorted(beyond[principal]))} 读取本辖区以外的数据 "
            f"{len(found)} 次",
        )
        for principal, found in sorted(per_principal.items())
    ]


def _many_reveals(
    window: list[AuditEvent], zone: ZoneInfo, settings: ReportSettings
) -> list[dict[str, Any]]:
    per_day: dict[tuple[str, dt.date], list[AuditEvent]] = defaultdict(list)
    for event in window:
        if event.kind == "reveal":
            per_day[(_who(event), event_time(event).astimezone(zone).date())].append(event)
    return [
        _finding(
            "many_reveals",
            who,
            found,
            f"{day} 重识别 {len(found)} 次（阈值每日 {settings.reveals_per_day} 次，含被拒绝的尝试）",
        )
        for (who, day), found in sorted(per_day.items())
        if len(found) >= settings.reveals_per_day
    ]


def _is_download(event: AuditEvent, settings: ReportSettings) -> bool:
    if event.kind in ("download", "delivery") or event.details.get("delivery_kind") == "download":
        return True  # a file handed out, through the API or the CLI (query --out)
    return (
        event.kind == "query"
        and event.details.get("outcome") == "answered"
        and event.details.get("endpoint") in settings.download_endpoints
    )


def _download_bursts(window: list[AuditEvent], settings: ReportSettings) -> list[dict[str, Any]]:
    span = dt.timedelta(minutes=settings.download_burst_minutes)
    per_person: dict[str, list[AuditEvent]] = defaultdict(list)
    for event in window:
        if _is_download(event, settings):
            per_person[_who(event)].append(event)
    findings = []
    for who, found in sorted(per_person.items()):
        # Mark every download inside some window of the span holding enough of them...
        marked: set[int] = set()
        start = 0
        for end, event in enumerate(found):
            while event_time(event) - event_time(found[start]) > span:
                start += 1
            if end - start + 1 >= settings.download_burst:
                marked.update(range(start, end + 1))
        # ...and join marked downloads less than a span apart into one burst.
        burst: list[AuditEvent] = []
        for index in sorted(marked):
            event = found[index]
            if burst and event_time(event) - event_time(burst[-1]) > span:
                findings.append(_burst(who, burst, settings))
                burst = []
            burst.append(event)
        if burst:
            findings.append(_burst(who, burst, settings))
    return findings


def _burst(who: str, found: list[AuditEvent], settings: ReportSettings) -> dict[str, Any]:
    return _finding(
        "download_burst",
        who,
        found,
        f"{found[0].at} 起 {len(found)} 次下载（阈值 {settings.download_burst_minutes} 分钟内 "
        f"{settings.download_burst} 次）",
    )


def _events_per_day(window: list[AuditEvent], zone: ZoneInfo) -> dict[str, dict[str, int]]:
    days: dict[str, Counter[str]] = defaultdict(Counter)
    for event in window:
        days[event_time(event).astimezone(zone).date().isoformat()][event.kind] += 1
    return {day: dict(sorted(kinds.items())) for day, kinds in sorted(days.items())}
