"""A server's own rooms (SHUZHI_ROOMS_DIR): built from the lakehouse the first time, each
build audited as that server; a later look finds nothing new, rewrites nothing and adds
nothing to the audit log, and moves the server's API usage lines into the lakehouse.
``demo`` is the session's demo district (tests/conftest.py), used on a copy."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

from home.layout import Home
from metering import api_usage
from pipelines.hub import Hub
from service.own_rooms import build_own_rooms, look_again


def test_a_server_builds_its_own_rooms_and_audits_only_what_it_rebuilt(
    demo: Any, tmp_path: Path
) -> None:
    home = demo.copy(tmp_path / "home").home
    hub = Hub(Home(home, own_rooms=tmp_path / "rooms-of-this-server"))
    before = len(list(hub.audit.events("room_build")))

    first = build_own_rooms(hub)
    built = {r.principal for r in first if not r.reused}
    assert built and built == {p.stem for p in (tmp_path / "rooms-of-this-server").glob("*.duckdb")}
    audited = list(hub.audit.events("room_build"))[before:]
    assert {e.details["principal"] for e in audited} == built
    assert {e.actor for e in audited} == {f"shuzhi-serve {socket.gethostname()} pid {os.getpid()}"}

    again = build_own_rooms(hub)
    assert all(r.reused for r in again) and len(again) == len(first)
    assert len(list(hub.audit.events("room_build"))) == before + len(audited)


def test_each_look_moves_the_servers_usage_lines_into_the_lakehouse(
    demo: Any, tmp_path: Path
) -> None:
    home = demo.copy(tmp_path / "home").home
    hub = Hub(Home(home, own_rooms=tmp_path / "rooms"))
    call = api_usage.UsageLine("2026-06-01T09:00:00+00:00", "person u-0001", "street_donghu",
                               "POST /api/v1/query", "", 200, 3, 120, 8.5)  # fmt: skip
    for _ in range(3):
        api_usage.record(hub.home.state, call)
    look_again(hub)
    assert not (hub.home.state / api_usage.PENDING_FILE).exists()
    with hub.lake() as con:
        report = api_usage.usage_report(con)
    [day] = [r for r in report if r["caller"] == "person u-0001" and str(r["day"]) == "2026-06-01"]
    assert day["calls"] == 3 and day["rows"] == 9
