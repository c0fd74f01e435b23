"""The served hub of tests/service with one person-level list in 东湖's room, so a
download of it is a registered, marked delivery holding person tokens."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "service"))
from service_home import make_hub

from pipelines.hub import Hub
from policies.rooms import room_path

# Two residents of the planted list: their tokens, and names no page may show in clear.
TOKEN = "t1_" + "abcdefghijklmnopqrstuvwxyz"
OTHER = "t1_" + "bcdefghijklmnopqrstuvwxyz2"
NAMES = ("测甲乙", "测丙丁")
LIST = "proactive_elderly_alone"
PURPOSE = "proactive_elderly_visits"


def make_reviewed_hub(root: Path) -> Hub:
    hub = make_hub(root)
    room = duckdb.connect(str(room_path(hub.home.rooms, "street_donghu")))
    try:
        room.execute(
            f"CREATE TABLE {LIST} AS SELECT * FROM (VALUES "
            f"('440399001', '440399001001', '东湖社区', '{TOKEN}', '{NAMES[0]}', '138****0001', "
            "81, true), "
            f"('440399001', '440399001002', '柳岸社区', '{OTHER}', '{NAMES[1]}', '139****0002', "
            "77, false)"
            ") AS t(street_code, community_code, community_name, person_token, name, phone, age, "
            "on_living_alone_roll)"
        )
    finally:
        room.close()
    return hub
