"""One process at a time has the lakehouse open, when its catalogue is a DuckDB file.

A DuckDB file has one writer process, and no other process may even read it
while that one has it open. So a process takes this lock for as long as it has
the lakehouse attached, and the others wait their turn instead of failing with
DuckDB's "could not set lock". It is an flock: a killed process releases it
with its process, and the next one opens at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from lakehouse.lock_holder import describe_holder, write_holder

LOCK_FILE = "lake.lock"
WAIT_ENV = "SHUZHI_LAKE_WAIT_SECONDS"
DEFAULT_WAIT_S = 600.0
_POLL_S = (0.02, 0.5)  # first and longest pause between attempts


class LakeInUse(RuntimeError):
    """Another process kept the lakehouse open for longer than this one would wait."""


def wait_limit() -> float:
    """Seconds to wait for the lakehouse: SHUZHI_LAKE_WAIT_SECONDS, else 10 minutes."""
    text = os.environ.get(WAIT_ENV, "").strip()
    try:
        return max(0.0, float(text)) if text else DEFAULT_WAIT_S
    except ValueError:
        raise ValueError(f"{WAIT_ENV}={text!r} is not a number of seconds") from None


@contextlib.contextmanager
def lake_lock(folder: Path, *, wait_s: float | None = None) -> Iterator[None]:
    """Hold the lakehouse lock for the block, waiting up to ``wait_s`` for the holder."""
    path = Path(folder) / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _acquire(fd, path, wait_limit() if wait_s is None else wait_s)
        write_holder(fd)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def _acquire(fd: int, path: Path, wait_s: float) -> None:
    # Polled, not a blocking flock: a blocking call could not give up after wait_s.
    deadline = time.monotonic() + wait_s
    pause = _POLL_S[0]
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = describe_holder(path, unknown="another process")
                raise LakeInUse(
                    f"the lakehouse is in use by {holder} and stayed so for "
                    f"{wait_s:g} s; try again when it has finished (or wait longer: {WAIT_ENV})"
                ) from None
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 2, _POLL_S[1])
