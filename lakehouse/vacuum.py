"""Remove data files no committed snapshot refers to (left behind by a killed sync).

A sync writes its Parquet files before it commits; killed in between, the files stay
on disk, unreferenced and unreadable by any query. Vacuuming deletes them. It refuses
while any sync holds its lock, and by default spares files younger than an hour, so a
write under way elsewhere (another host sharing the storage) is never cut short.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from lakehouse.connection import LAKE
from lakehouse.sync_lock import busy_sources


class LakeBusy(RuntimeError):
    """A sync is running; vacuuming now could delete the files it is writing."""


@dataclass(frozen=True)
class VacuumReport:
    files: list[str]
    dry_run: bool


def vacuum(
    con: duckdb.DuckDBPyConnection,
    state_dir: Path,
    *,
    older_than: dt.timedelta = dt.timedelta(hours=1),
    dry_run: bool = False,
) -> VacuumReport:
    busy = busy_sources(state_dir)
    if busy:
        raise LakeBusy(f"sources {', '.join(busy)} are syncing now; vacuum when they have finished")
    cutoff = dt.datetime.now(dt.UTC).replace(tzinfo=None) - older_than
    rows = con.execute(
        f"CALL ducklake_delete_orphaned_files('{LAKE}', dry_run => ?, older_than => ?)",
        [dry_run, cutoff],
    ).fetchall()
    return VacuumReport(files=sorted(str(r[0]) for r in rows), dry_run=dry_run)
