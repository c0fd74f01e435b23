"""Who holds a lock file: written into the file by the holder, read by whoever waits.

The flock says that someone holds the lock; this record says who, so a message
can name the process and since when instead of "busy".
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path


def write_holder(fd: int) -> None:
    """Record this process as the holder of the lock open on ``fd``."""
    me = {"pid": os.getpid(), "since": dt.datetime.now().isoformat(sep=" ", timespec="seconds")}
    data = json.dumps(me).encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


def describe_holder(path: Path, *, unknown: str) -> str:
    """``process 123 (since …)``, or ``unknown`` when the holder has not written yet."""
    try:
        holder = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        holder = {}
    if not holder:
        return unknown
    return f"process {holder.get('pid')} (since {holder.get('since')})"
