"""The mayor's mailbox (市长信箱): a workbook of letters, with its own headings and dates.

Times are date cells, unless a clerk typed them (2026年11月3日 下午3:05); the heading is
the mailbox's own (噪声污染, 马路市场…), mapped to the district's categories by a code
table in the hub's configuration.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import xlsxwriter

from demo.case_channels import (
    HEADING_UNMAPPED,
    LETTER_COMMUNITY_UNKNOWN,
    LETTER_TIME_MISSING,
    LETTER_TIME_TEXT,
    MAILBOX,
    MAILBOX_HEADINGS,
    ChannelRecord,
    address_variant,
    handled,
    letter_time_text,
    record_dirt,
    unknown_community_name,
    unmapped_heading,
)
from demo.case_texts import CaseWriter
from demo.dirt import DirtLedger
from demo.workbooks import FIXED_PROPERTIES

SHEET = "来信登记"
HEADERS = (
    "信件编号", "来信时间", "来信人", "联系电话", "所在社区", "问题地址", "问题类别", "来信内容",
    "承办单位", "办结时间", "评价",
)  # fmt: skip


def letter_number(received: dt.datetime, number: int) -> str:
    return f"SZXX{received:%Y%m%d}-{number:03d}"


def write_letters(
    path: Path,
    records: list[ChannelRecord],
    rng: random.Random,
    writer: CaseWriter,
    ledger: DirtLedger,
) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    try:
        book.set_properties(FIXED_PROPERTIES)
        sheet = book.add_worksheet(SHEET)
        moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        sheet.write_row(0, 0, HEADERS)
        for row, record in enumerate(records, start=1):
            incident = record.incident
            closed, satisfaction = handled(record)
            received: object = record.received
            community = incident.place.community.name
            heading = MAILBOX_HEADINGS[incident.category]
            if record.kind is LETTER_TIME_TEXT:
                received = letter_time_text(record.received)
            elif record.kind is LETTER_TIME_MISSING:
                received = None
            elif record.kind is HEADING_UNMAPPED:
                heading = unmapped_heading(rng)
            elif record.kind is LETTER_COMMUNITY_UNKNOWN:
                community = unknown_community_name(rng)
            if record.kind is not None:
                record_dirt(ledger, MAILBOX, row, record)
            location = address_variant(rng, incident.spot) if record.retold_from else incident.spot
            values = (
                record.case_no,
                received,
                record.reporter.name,
                record.reporter.phone,
                community,
                location,
                heading,
                writer.retell(incident.story, "mailbox", reporter=record.reporter),
                incident.department,
                closed,
                satisfaction,
            )
            for column, value in enumerate(values):
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    sheet.write_string(row, column, value)
                else:
                    sheet.write_datetime(row, column, value, moment)
    finally:
        book.close()
    return len(records)
