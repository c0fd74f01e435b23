"""The state of each configured source, from the lakehouse's bookkeeping."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from catalog.freshness import catalog_freshness
from connectors.config import FileDropSource
from connectors.watermark import Watermark
from lakehouse import meta
from pipelines.hub import Hub


@dataclass(frozen=True)
class SourceStatus:
    source: str
    department: str
    dataset: str
    kind: str
    schedule: str
    last_sync: str | None
    last_batch: str | None
    watermark: str | None
    rows_read: int | None
    rows_loaded: int | None
    rows_quarantined: int | None
    status: str
    error: str | None
    # fresh / stale / never against the dataset's update.freshness_hours (catalog.freshness)
    freshness: str = "never"
    freshness_label: str = ""
    stale: bool = False

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _schedule_text(source: object) -> str:
    schedule = getattr(source, "schedule", None)
    parts = []
    if schedule:
        parts.append(f"{schedule.cron} ({schedule.timezone})")
    if isinstance(source, FileDropSource):
        parts.append("on file drop")
    return ", ".join(parts) or "manual"


def source_statuses(hub: Hub, *, wait_s: float | None = None) -> list[SourceStatus]:
    """``wait_s``: how long to wait for a sync holding the lakehouse (default: lake_lock's)."""
    with hub.lake(wait_s=wait_s) as con:
        meta.ensure_meta(con)
        batches = {
            row[0]: row[1:]
            for row in con.execute(
                """SELECT source, batch_id, finished_at, rows_read
                   FROM lake.meta.batches
                   QUALIFY row_number() OVER (PARTITION BY source ORDER BY finished_at DESC) = 1"""
            ).fetchall()
        }
        runs = {
            row[0]: row[1:]
            for row in con.execute(
                """SELECT source, status, error FROM lake.meta.sync_runs
                   QUALIFY row_number() OVER (PARTITION BY source ORDER BY finished_at DESC) = 1"""
            ).fetchall()
        }
        reconciled = {
            row[0]: row[1:]
            for row in con.execute(
                "SELECT batch_id, rows_loaded, rows_quarantined FROM lake.meta.reconciliation"
            ).fetchall()
        }
        watermarks = {name: meta.last_watermark(con, name) for name in hub.catalog.sources}
        fresh = catalog_freshness(hub.catalog, meta.last_syncs(con), {}).sources
    statuses = []
    for name, source in hub.catalog.sources.items():
        dept = hub.catalog.department_of_source(name)
        batch_id, finished, rows_read = batches.get(name, (None, None, None))
        run_status, error = runs.get(name, (None, None))
        loaded, quarantined = reconciled.get(batch_id, (None, None)) if batch_id else (None, None)
        if run_status == "failed":
            status = "failed"
        elif batch_id is None:
            status = "never synced"
        elif loaded is None:
            status = "synced, not staged"
        else:
            status = "ok"
        statuses.append(
            SourceStatus(
                source=name,
                department=dept.id,
                dataset=source.dataset,
                kind=source.kind,
                schedule=_schedule_text(source),
                last_sync=meta.utc_iso(finished),
                last_batch=batch_id,
                watermark=str(watermarks[name]) if watermarks.get(name) else None,
                rows_read=rows_read,
                rows_loaded=loaded,
                rows_quarantined=quarantined,
                status=status,
                error=error,
                freshness=fresh[name].state,
                freshness_label=fresh[name].text(),
                stale=fresh[name].state == "stale",
            )
        )
    return statuses


@dataclass(frozen=True)
class BatchRecord:
    """One committed sync of a source and how its rows were accounted for."""

    batch_id: str
    mode: str
    finished_at: str
    rows_read: int
    rows_loaded: int | None
    rows_quarantined: int | None
    watermark: str | None
    origins: str | None
    declared_rows: int | None = None  # what the source said it holds (full reads)
    notes: list[str] = field(default_factory=list)
    files_quarantined: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)

    @property
    def holds(self) -> bool | None:
        if self.rows_loaded is None or self.rows_quarantined is None:
            return None  # not staged yet
        return self.rows_read == self.rows_loaded + self.rows_quarantined

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "reconciles": self.holds}


def batch_history(
    hub: Hub, source: str, limit: int = 20, *, wait_s: float | None = None
) -> list[BatchRecord]:
    """The source's latest committed batches, newest first, with their reconciliation
    (``wait_s`` as in ``source_statuses``)."""
    with hub.lake(wait_s=wait_s) as con:
        meta.ensure_meta(con)
        rows = con.execute(
            """SELECT b.batch_id, b.mode, b.finished_at, b.rows_read,
                      r.rows_loaded, r.rows_quarantined, b.watermark, b.origins,
                      b.declared_rows, b.notes
               FROM lake.meta.batches b
               LEFT JOIN lake.meta.reconciliation r USING (batch_id)
               WHERE b.source = ?
               ORDER BY b.finished_at DESC LIMIT ?""",
            [source, limit],
        ).fetchall()
        quarantined: dict[str, list[tuple[str, str]]] = {}
        for batch_id, file_name, reason in con.execute(
            "SELECT batch_id, file_name, reason FROM lake.meta.files WHERE source = ? "
            "AND status = 'quarantined' ORDER BY file_name",
            [source],
        ).fetchall():
            quarantined.setdefault(batch_id, []).append((file_name, reason))
    return [
        BatchRecord(
            row[0],
            row[1],
            meta.utc_iso(row[2]) or "",
            row[3],
            row[4],
            row[5],
            watermark=str(Watermark.decode(row[6])) if row[6] else None,
            origins=row[7],
            declared_rows=row[8],
            notes=json.loads(row[9]) if row[9] else [],
            files_quarantined=quarantined.get(row[0], []),
        )
        for row in rows
    ]
