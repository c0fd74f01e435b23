"""Rooms of a server's own: each API server of a scaled-out hub builds the rooms it serves
from the shared lakehouse (SHUZHI_ROOMS_DIR), when it starts and again every few minutes.

A room is rebuilt only when what it depends on changed (the lake's products, the
decisions, the keys: ``policies.rooms`` keeps that fingerprint in the room), so a look
that finds nothing new costs one read of the catalogue and rewrites nothing. Every
server thus answers from rooms built by the same engine from the same data, without a
shared disk.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from pipelines.hub import Hub
from policies.rooms import RoomReport, build_all_rooms

log = logging.getLogger("shuzhi.rooms")
REFRESH_EVERY_S = 300.0


def build_own_rooms(hub: Hub) -> list[RoomReport]:
    """Build the rooms that changed into this server's rooms folder; audit each rebuilt one."""
    with hub.lake() as con:
        reports = build_all_rooms(con, hub.home.rooms, hub.catalog, hub.policies, hub.keystore)
    for report in reports:
        if not report.reused:
            hub.audit.append(
                "room_build",
                f"shuzhi-serve {socket.gethostname()} pid {os.getpid()}",
                {
                    "principal": report.principal,
                    "products": report.products,
                    "denied": sorted(report.denied),
                },
            )
    return reports


def keep_own_rooms_current(hub: Hub, every_s: float = REFRESH_EVERY_S) -> threading.Event:
    """Look for new data every ``every_s`` in a background thread; set the event to stop."""
    stop = threading.Event()

    def refresh() -> None:
        while not stop.wait(every_s):
            try:
                rebuilt = [r.principal for r in build_own_rooms(hub) if not r.reused]
            except Exception as error:  # the next look tries again; the old rooms still serve
                log.warning("rooms not refreshed: %s", type(error).__name__)
                continue
            if rebuilt:
                log.info("rooms rebuilt from new data: %s", ", ".join(rebuilt))

    threading.Thread(target=refresh, name="own-rooms", daemon=True).start()
    return stop
