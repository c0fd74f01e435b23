"""The retention job and its nightly schedule: rows past their contracts' retention are
deleted from every layer, what was made from them rebuilt, old snapshots expired."""

import dagster as dg

from catalog.registry import Catalog
from pipelines.lifecycle_steps import retention_details, retention_step
from pipelines.resources import HubResource

RETENTION_JOB = "enforce_retention"
RETENTION_ACTOR = "shuzhi-pipeline:retention"
# 03:30, after the nightly full syncs, before the street offices start work.
RETENTION_CRON = "30 3 * * *"


@dg.op(
    description="Delete every row past its contract's retention (raw, staged, protected, "
    "quarantine), rebuild merges, products and rooms made from them, expire old snapshots."
)
def delete_rows_past_retention(context: dg.OpExecutionContext, hub: HubResource) -> None:
    run = retention_step(hub.hub(), RETENTION_ACTOR, progress=context.log.info)
    # Counts per table only: the same flat details as the audit event.
    context.log.info(f"retention: {retention_details(run)}")


@dg.job(name=RETENTION_JOB, description="Enforce the contracts' retention (保留期限).")
def retention_job() -> None:
    delete_rows_past_retention()


def retention_schedule(catalog: Catalog) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="schedule_retention",
        job=retention_job,
        cron_schedule=RETENTION_CRON,
        execution_timezone=catalog.district.district.timezone,
        description=f"Retention every night ({RETENTION_CRON}, {catalog.district.district.timezone}).",
    )
