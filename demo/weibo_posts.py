"""The Weibo/online-forum feed as the monitoring desk exports it: JSON Lines, UTC times,
a handle for a name, free text only (no category, no community, no address field)."""

from __future__ import annotations

import datetime as dt
import json
import random
import zoneinfo
from pathlib import Path

from demo.case_channels import (
    POST_AMBIGUOUS,
    POST_BAD_JSON,
    POST_UNPLACED,
    POSTED_AT_OFFSET,
    WEIBO,
    ChannelRecord,
    address_variant,
    handle,
    placeless_text,
    record_dirt,
)
from demo.case_texts import FRAMINGS, CaseWriter
from demo.dirt import DirtLedger

LOCAL = zoneinfo.ZoneInfo("Asia/Shanghai")
_ID_CHARS = "0123456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"


def post_id(rng: random.Random) -> str:
    """A post's id as the platform writes it: nine base-58 characters, a letter every third
    so no run of digits can read as a phone or a card number."""
    return "".join(
        rng.choice(_ID_CHARS[10:]) if i % 3 == 0 else rng.choice(_ID_CHARS) for i in range(9)
    )


def shared_roads(records: list[ChannelRecord]) -> list[str]:
    """Roads that run through more than one community (a post naming only one of them
    cannot be placed)."""
    seen: dict[str, set[str]] = {}
    for record in records:
        for road in record.incident.place.roads:
            seen.setdefault(road, set()).add(record.incident.place.community.code)
    return sorted(road for road, communities in seen.items() if len(communities) > 1)


def _lead(record: ChannelRecord, rng: random.Random) -> str:
    """The place a post opens with: the spot itself when retold (spelled the poster's
    way), else a spot that names the community or a compound, so the post can be placed."""
    incident = record.incident
    spot = incident.spot
    if record.retold_from:
        return address_variant(rng, spot) + "，"
    place = incident.place
    strong = place.community.name in spot or any(c in spot for c in place.compounds)
    return (spot if strong else place.community.name + spot) + "，"


def write_posts(
    path: Path,
    records: list[ChannelRecord],
    rng: random.Random,
    writer: CaseWriter,
    ledger: DirtLedger,
) -> int:
    """One post per line (UTF-8); a line cut short stays in the file as the feed sent it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    roads = shared_roads(records) or ["人民路"]
    opening, closing = FRAMINGS["weibo"]
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for line, record in enumerate(records, start=1):
            incident = record.incident
            posted = record.received.replace(tzinfo=LOCAL).astimezone(dt.UTC)
            stamp = posted.strftime("%Y-%m-%dT%H:%M:%SZ")
            text = writer.retell(incident.story, "weibo", reporter=None, lead=_lead(record, rng))
            if record.kind is POSTED_AT_OFFSET:
                stamp = record.received.replace(tzinfo=LOCAL).isoformat()
            elif record.kind is POST_UNPLACED:
                text = f"{opening}{placeless_text(rng)}{closing}"
            elif record.kind is POST_AMBIGUOUS:
                text = f"{opening}{rng.choice(roads)}上{placeless_text(rng)}{closing}"
            post = {
                "post_id": record.case_no,
                "posted_at": stamp,
                "user": handle(rng),
                "text": text,
            }
            encoded = json.dumps(post, ensure_ascii=False)
            if record.kind is POST_BAD_JSON:
                encoded = encoded[: len(encoded) // 2]
            if record.kind is not None:
                record_dirt(ledger, WEIBO, line, record)
            out.write(encoded + "\n")
    return len(records)
