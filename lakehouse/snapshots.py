"""Leave no way back to deleted rows: rewrite files with deletions, expire old snapshots.

DuckLake deletes by writing a delete file beside the data file, and keeps every
snapshot, so a row deleted today is still read by time travel to yesterday and still
lies (encrypted) in yesterday's data file. After a retention run or a shred the hub
rewrites every file that has deletions, expires every snapshot but the current one
(the hub itself never reads an older snapshot) and deletes the files no snapshot
refers to any more.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from lakehouse.connection import LAKE
from lakehouse.sync_lock import busy_sources
from lakehouse.vacuum import LakeBusy


@dataclass(frozen=True)
class HistoryPurge:
    snapshots_expired: list[int]
    files_deleted: int
    kept_snapshot: int


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(f"SELECT id FROM {LAKE}.current_snapshot()").fetchone()
    assert row is not None
    return int(row[0])


def snapshot_ids(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [
        int(r[0]) for r in con.execute(f"SELECT snapshot_id FROM {LAKE}.snapshots()").fetchall()
    ]


def purge_history(con: duckdb.DuckDBPyConnection, state_dir: Path) -> HistoryPurge:
    """Rewrite files with deleted rows, expire all but the current snapshot, delete the
    files left unreferenced. Refused while a sync runs (its snapshot would be cut)."""
    busy = busy_sources(state_dir)
    if busy:
        raise LakeBusy(
            f"sources {', '.join(busy)} are syncing now; run again when they have finished"
        )
    # Threshold 0: a file with even one deleted row is rewritten without it.
    con.execute(f"CALL ducklake_rewrite_data_files('{LAKE}', delete_threshold => 0)").fetchall()
    current = current_snapshot(con)
    expired = con.execute(
        f"CALL ducklake_expire_snapshots('{LAKE}', versions => ?)",
        [[s for s in snapshot_ids(con) if s != current]],
    ).fetchall()
    files = con.execute(
        f"CALL ducklake_cleanup_old_files('{LAKE}', cleanup_all => true)"
    ).fetchall()
    return HistoryPurge(
        snapshots_expired=sorted(int(r[0]) for r in expired),
        files_deleted=len(files),
        kept_snapshot=current,
    )
