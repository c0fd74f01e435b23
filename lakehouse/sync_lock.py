"""One sync of a source at a time, across processes (Dagster workers, the CLI, sensors).

A second sync of the same source does not start: it refuses at once with one line
naming who holds the source, instead of racing the first to the lakehouse and failing
with DuckDB's own words. The lock is an flock, so a killed sync releases it with its
process and never leaves a source stuck.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from lakehouse.lock_holder import describe_holder, write_holder


class SyncInProgress(RuntimeError):
    """Another sync of the same source is running; this one did not start."""


def lock_folder(state_dir: Path) -> Path:
    folder = state_dir / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextlib.contextmanager
def sync_lock(state_dir: Path, source: str) -> Iterator[None]:
    """Hold the source's sync lock for the block, or raise SyncInProgress."""
    path = lock_folder(state_dir) / f"sync-{source}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = describe_holder(path, unknown="started just now")
            raise SyncInProgress(
                f"source {source}: another sync of it is running ({holder}); this one "
                "did not start. Run it again when that one has finished."
            ) from None
        write_holder(fd)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def busy_sources(state_dir: Path) -> list[str]:
    """Sources whose sync lock is held right now."""
    busy = []
    for path in sorted(lock_folder(state_dir).glob("sync-*.lock")):
        fd = os.open(path, os.O_RDWR)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                busy.append(path.stem.removeprefix("sync-"))
        finally:
            os.close(fd)
    return busy
