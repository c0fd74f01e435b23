"""The grid inspectors' app: events an inspector found on the round, in the grid centre's
database, read by the hub by their change column (updated_at)."""

from __future__ import annotations

import datetime as dt
import random

from demo import corruptions
from demo.case_channels import (
    EVENT_TYPE_UNKNOWN,
    FOUND_AT_UNPARSEABLE,
    GRID,
    GRID_EVENT_TYPES,
    INSPECTOR_PHONE_FORMAT,
    UPDATED_AT_MISSING,
    ChannelRecord,
    address_variant,
    handled,
    record_dirt,
)
from demo.case_texts import CaseWriter
from demo.dates import iso_date, iso_datetime, unparseable_date
from demo.dirt import DirtLedger
from demo.grid_centre import EVENTS, GridCentreDb

RETIRED_TYPE = "SJ-99"


def event_number(received: dt.datetime, number: int) -> str:
    return f"WG-{received:%Y%m%d}-{number:04d}"


def write_events(
    db: GridCentreDb,
    records: list[ChannelRecord],
    rng: random.Random,
    writer: CaseWriter,
    ledger: DirtLedger,
) -> int:
    for record in records:
        incident = record.incident
        closed, _ = handled(record)
        found = iso_datetime(record.received)
        event_type = GRID_EVENT_TYPES[incident.category]
        phone = record.reporter.phone
        updated: str | None = iso_datetime(closed or record.received)
        if record.kind is INSPECTOR_PHONE_FORMAT:
            phone = corruptions.phone_misformatted(rng, phone)
        elif record.kind is EVENT_TYPE_UNKNOWN:
            event_type = RETIRED_TYPE
        elif record.kind is FOUND_AT_UNPARSEABLE:
            found = unparseable_date(rng)
        elif record.kind is UPDATED_AT_MISSING:
            updated = None
        if record.kind is not None:
            record_dirt(ledger, GRID, db.rows[EVENTS] + 1, record)
        location = address_variant(rng, incident.spot) if record.retold_from else incident.spot
        db.add(
            EVENTS,
            (
                record.case_no,
                found,
                event_type,
                writer.retell(incident.story, "grid", reporter=None),
                location,
                incident.place.community.name,
                record.reporter.name,
                phone,
                incident.department,
                iso_date(incident.deadline),
                incident.transfers,
                None if closed is None else iso_datetime(closed),
                updated,
            ),
        )
    return len(records)
