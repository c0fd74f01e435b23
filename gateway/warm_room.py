"""The one room connection a worker keeps open between statements.

Opening a room (DuckDB's start-up, the locked configuration, reading the
file's catalogue) costs more than a page read itself, so a worker keeps its
last room open for the next statement. It is the same file only while the
path still names the very file it opened: a rebuilt or pruned room is
swapped in with a rename (a new inode), so any change to the file's identity,
size, modification or change time closes the old connection and opens the new
file. A worker holds at most one room at a time: a statement for another room, of
another principal, never runs on an instance that has opened this one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from gateway.plan_reads import room_tables
from gateway.room_connection import open_room

# What identifies one version of a room file: device, inode, size, modification and change
# times. Rooms are only ever replaced whole, by a rename (policies.rooms, policies.room_prune).
Fingerprint = tuple[int, int, int, int, int]
_UNKNOWN: Fingerprint = (-1, -1, -1, -1, -1)  # matches no file


def _version_or_none(path: Path) -> Fingerprint | None:
    """The identity of the file ``path`` names now; None when there is none."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns


@dataclass
class OpenRoom:
    """A locked, read-only connection to one version of one room file."""

    path: Path
    memory_limit: str
    version: Fingerprint
    con: duckdb.DuckDBPyConnection
    # The room's own tables as EXPLAIN names them: fixed for one version of the file.
    tables: dict[str, str] = field(default_factory=dict)


class WarmRoom:
    """Hand out a connection to the room asked for, reusing the open one when it is current."""

    def __init__(self) -> None:
        self._open: OpenRoom | None = None

    def connection(self, path: Path, memory_limit: str) -> OpenRoom:
        current = self._open
        if (
            current is not None
            and current.path == path
            and current.memory_limit == memory_limit
            and current.version == _version_or_none(path)
        ):
            return current
        self.close()
        before = _version_or_none(path)
        con = open_room(path, memory_limit=memory_limit)  # refuses a missing room
        try:
            tables = room_tables(con)
        except BaseException:
            con.close()
            raise
        # Swapped while it was being opened: which file it holds is not known, so this
        # connection serves this statement only.
        version = before if before is not None and before == _version_or_none(path) else _UNKNOWN
        self._open = OpenRoom(path, memory_limit, version, con, tables)
        return self._open

    def close(self) -> None:
        """Close the open room, if any (after a failure its state is not trusted)."""
        current, self._open = self._open, None
        if current is not None:
            current.con.close()
