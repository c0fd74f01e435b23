"""The WeChat mini-program's tickets as its back end stores them (served by ``demo.wechat_api``).

English field names, numeric category codes, times as epoch milliseconds (older app
versions sent seconds, or ISO text with an offset), a community code, a priority and a
rating out of five.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import zoneinfo
from pathlib import Path

from demo import corruptions
from demo.case_channels import (
    CODE_UNKNOWN,
    COMMUNITY_CODE_UNKNOWN,
    CREATED_ISO,
    CREATED_SECONDS,
    MOBILE_FORMAT,
    WECHAT,
    WECHAT_CODES,
    WECHAT_PRIORITY,
    WECHAT_RATING,
    ChannelRecord,
    address_variant,
    handled,
    record_dirt,
    unknown_community_code,
)
from demo.case_texts import CaseWriter
from demo.dates import iso_date
from demo.dirt import DirtLedger

LOCAL = zoneinfo.ZoneInfo("Asia/Shanghai")  # the district's zone: the app's users live there
FIELDS = (
    "ticket_id", "created_at", "category_code", "content", "address", "community_code",
    "contact_name", "contact_mobile", "assignee_org", "priority", "due_date", "closed_at", "rating",
)  # fmt: skip
UNKNOWN_CODE = 999


def ticket_number(received: dt.datetime, number: int) -> str:
    return f"WX{received:%y%m%d}{number:05d}"


def epoch_millis(moment: dt.datetime) -> int:
    """A local (district) time as the app's epoch milliseconds."""
    return int(moment.replace(tzinfo=LOCAL).timestamp()) * 1000


def write_tickets(
    path: Path,
    records: list[ChannelRecord],
    rng: random.Random,
    writer: CaseWriter,
    ledger: DirtLedger,
) -> int:
    """One JSON object per line, UTF-8: the store ``WechatApiServer`` pages through."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for line, record in enumerate(records, start=1):
            incident = record.incident
            closed, satisfaction = handled(record)
            created: object = epoch_millis(record.received)
            category: object = WECHAT_CODES[incident.category]
            community = incident.place.community.code
            mobile = record.reporter.phone
            if record.kind is CREATED_SECONDS:
                created = epoch_millis(record.received) // 1000
            elif record.kind is CREATED_ISO:
                created = record.received.replace(tzinfo=LOCAL).isoformat()
            elif record.kind is MOBILE_FORMAT:
                mobile = corruptions.phone_misformatted(rng, mobile)
            elif record.kind is CODE_UNKNOWN:
                category = UNKNOWN_CODE
            elif record.kind is COMMUNITY_CODE_UNKNOWN:
                community = unknown_community_code(rng)
            if record.kind is not None:
                record_dirt(ledger, WECHAT, line, record)
            location = address_variant(rng, incident.spot) if record.retold_from else incident.spot
            ticket = {
                "ticket_id": record.case_no,
                "created_at": created,
                "category_code": category,
                "content": writer.retell(incident.story, "wechat", reporter=record.reporter),
                "address": location,
                "community_code": community,
                "contact_name": record.reporter.name,
                "contact_mobile": mobile,
                "assignee_org": incident.department,
                "priority": WECHAT_PRIORITY[incident.urgency],
                "due_date": iso_date(incident.deadline),
                "closed_at": None if closed is None else epoch_millis(closed),
                "rating": WECHAT_RATING.get(satisfaction),
            }
            out.write(json.dumps(ticket, ensure_ascii=False) + "\n")
    return len(records)
