"""Rooms of a server's own: each API server of a scaled-out hub builds the rooms it serves
from the shared lakehouse (SHUZHI_ROOMS_DIR), when it starts and again every few minutes;
each look also moves the server's API usage lines into the lakehouse.

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

from metering.api_usage import load_pending
from pipelines.hub import Hub
from pipelines.room_steps import build_rooms_step
from policies.rooms import RoomReport

log = logging.getLogger("shuzhi.rooms")
REFRESH_EVERY_S = 300.0


def build_own_rooms(hub: Hub) -> list[RoomReport]:
    """Build the rooms that changed into this server's rooms folder; audit each rebuilt one."""
    server = f"shuzhi-serve {socket.gethostname()} pid {os.getpid()}"
    return build_rooms_step(hub, actor=server, audit_reused=False)


def keep_own_rooms_current(hub: Hub, every_s: float = REFRESH_EVERY_S) -> threading.Event:
    """Look for new data every ``every_s`` in a background thread; set the event to stop."""
    stop = threading.Event()

    def refresh() -> None:
        while not stop.wait(every_s):
            look_again(hub)

    threading.Thread(target=refresh, name="own-rooms", daemon=True).start()
    return stop


def look_again(hub: Hub) -> None:
    """One look: rebuild the rooms that changed, and move this machine's API usage lines
    into the shared lakehouse, so a usage report made anywhere counts every server."""
    try:
        rebuilt = [r.principal for r in build_own_rooms(hub) if not r.reused]
        with hub.lake() as con:
            load_pending(con, hub.home.state)
    except Exception as error:  # the next look tries again; the old rooms still serve
        log.warning("rooms or usage not refreshed: %s", type(error).__name__)
        return
    if rebuilt:
        log.info("rooms rebuilt from new data: %s", ", ".join(rebuilt))
