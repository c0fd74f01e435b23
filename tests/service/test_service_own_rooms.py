"""A server's own rooms (SHUZHI_ROOMS_DIR): built from the lakehouse the first time, each
build audited as that server; a later look finds nothing new, rewrites nothing and adds
nothing to the audit log."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from demo_run import DemoRun

from home.layout import Home
from pipelines.hub import Hub
from service.own_rooms import build_own_rooms


def test_a_server_builds_its_own_rooms_and_audits_only_what_it_rebuilt(
    demo: DemoRun, tmp_path: Path
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
