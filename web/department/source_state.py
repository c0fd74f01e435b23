"""One source as its department's page shows it: the hub's status (pipelines.source_status)
and whether a sync of it is running now."""

from __future__ import annotations

from dataclasses import dataclass

from lakehouse.sync_lock import busy_sources
from pipelines.hub import Hub
from pipelines.source_status import SourceStatus
from web.department.sync_jobs import SYNC_JOBS, SyncJob

# state → (中文, English, tag class)
STATES: dict[str, tuple[str, str, str]] = {
    "running": ("同步中", "running", "warn"),
    "failed": ("失败", "failed", "bad"),
    "stale": ("过期", "stale", "warn"),
    "never": ("从未同步", "never synced", "warn"),
    "ok": ("正常", "ok", "ok"),
    "unknown": ("稍后显示", "shown when the sync ends", "warn"),  # the lakehouse is busy
}


@dataclass(frozen=True)
class SourceView:
    name: str
    status: SourceStatus | None  # None while a sync holds the lakehouse (state unknown)
    state: str  # a key of STATES
    job: SyncJob | None  # the newest sync started from these pages
    expected_hours: int  # the dataset contract's update.freshness_hours
    frequency: str


def state_of(status: SourceStatus | None, running: bool) -> str:
    if running:
        return "running"
    if status is None:
        return "unknown"
    if status.status == "failed":
        return "failed"
    if status.last_batch is None:
        return "never"
    return "stale" if status.stale else "ok"


def source_views(hub: Hub, names: list[str], statuses: dict[str, SourceStatus]) -> list[SourceView]:
    busy = set(busy_sources(hub.home.state))
    views = []
    for name in names:
        job = SYNC_JOBS.latest(hub, name)
        running = name in busy or (job is not None and job.state == "running")
        update = hub.catalog.datasets[hub.catalog.sources[name].dataset].update
        views.append(
            SourceView(
                name=name,
                status=statuses.get(name),
                state=state_of(statuses.get(name), running),
                job=job,
                expected_hours=update.freshness_hours,
                frequency=update.frequency,
            )
        )
    return views
