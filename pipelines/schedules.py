"""Schedules and file-drop sensors, built from each department's sync settings."""

import time
from collections.abc import Callable

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from catalog.registry import Catalog
from connectors.config import FileDropSource
from connectors.files import FileDropConnector
from lakehouse import meta
from lakehouse.lake_lock import LakeInUse
from pipelines.resources import HubResource

# The tag a run queue limits by: one sync at a time per department (deploy/dagster.example.yaml).
DEPARTMENT_TAG = "shuzhi/department"


def sync_job(source_name: str, raw_asset: str, department: str) -> "UnresolvedAssetJobDefinition":
    return dg.define_asset_job(
        name=f"sync_{source_name}",
        selection=dg.AssetSelection.assets(raw_asset).downstream(),
        description=f"Sync source {source_name} and refresh everything downstream of it.",
        tags={DEPARTMENT_TAG: department},
    )


def file_drop_sensor(
    source: FileDropSource,
    job: "UnresolvedAssetJobDefinition",
    *,
    clock: Callable[[], float] = time.time,
) -> dg.SensorDefinition:
    """``clock`` tells the sensor what time it is when it judges whether a file has settled."""

    @dg.sensor(
        name=f"drop_{source.name}",
        job=job,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING
        if source.sensor.enabled
        else dg.DefaultSensorStatus.STOPPED,
        description=f"Starts a sync when a finished file appears in {source.folder}.",
    )
    def on_drop(context: dg.SensorEvaluationContext, hub: HubResource) -> dg.SensorResult:
        h = hub.hub()
        try:
            # A sensor tick must not wait out a long sync: the next tick looks again.
            with h.lake(wait_s=0) as con:
                done = meta.processed_files(con, source.name)
        except LakeInUse:
            return dg.SensorResult(skip_reason="the lakehouse is in use; looking again next tick")
        ready = FileDropConnector(source, clock=clock).pending(done)
        if not ready:
            return dg.SensorResult(skip_reason="no new finished files")
        # The run key is the set of file contents: a second firing for the same
        # files is deduplicated by Dagster, and the ledger makes the sync skip them.
        key = "|".join(sorted(f.sha256 for f in ready))
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(
                    run_key=key, tags={"files": ", ".join(f.path.name for f in ready)[:200]}
                )
            ]
        )

    return on_drop


def schedules_and_sensors(catalog: Catalog) -> tuple[list, list, list]:
    jobs, schedules, sensors = [], [], []
    for source in catalog.sources.values():
        job = sync_job(
            source.name,
            catalog.raw_asset_name(source.name),
            catalog.department_of_source(source.name).id,
        )
        jobs.append(job)
        if source.schedule:
            schedules.append(
                dg.ScheduleDefinition(
                    name=f"schedule_{source.name}",
                    job=job,
                    cron_schedule=source.schedule.cron,
                    execution_timezone=source.schedule.timezone,
                    description=f"{source.name}: {source.schedule.cron} ({source.schedule.timezone})",
                    default_status=dg.DefaultScheduleStatus.RUNNING
                    if source.schedule.enabled
                    else dg.DefaultScheduleStatus.STOPPED,
                )
            )
        if isinstance(source, FileDropSource):
            sensors.append(file_drop_sensor(source, job))
    return jobs, schedules, sensors
