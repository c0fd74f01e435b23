"""Run the whole refresh job in this process, recorded in the home's Dagster instance.

Runs land in ``$SHUZHI_HOME/dagster`` so ``dagster dev`` started with that
DAGSTER_HOME shows them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from pipelines.hub import Hub

DAGSTER_YAML = "telemetry:\n  enabled: false\n"


class UnknownJob(ValueError):
    """The job asked for is not in the graph built from the configuration."""


@dataclass
class RunOutcome:
    success: bool
    run_id: str
    failures: list[str] = field(default_factory=list)


def prepare_dagster_home(hub: Hub) -> None:
    hub.home.dagster.mkdir(parents=True, exist_ok=True)
    settings = hub.home.dagster / "dagster.yaml"
    if not settings.exists():
        settings.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(hub.home.dagster)


def run_refresh(hub: Hub, *, show_progress: bool = False) -> RunOutcome:
    from pipelines.definitions import REFRESH_JOB

    return run_job(hub, REFRESH_JOB, show_progress=show_progress)


def run_job(hub: Hub, job_name: str, *, show_progress: bool = False) -> RunOutcome:
    """Run one job of the graph built from the hub's own configuration folder."""
    prepare_dagster_home(hub)
    from dagster import DagsterEventType, DagsterInstance

    from pipelines.definitions import build_definitions

    defs = build_definitions(hub.config)
    jobs = sorted(j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__"))
    if job_name not in jobs:
        raise UnknownJob(f"no job named {job_name!r}; jobs: {', '.join(jobs)}")
    job = defs.resolve_job_def(job_name)
    run_config: dict[str, object] = {
        "resources": {
            "hub": {
                "config": {
                    "home": str(hub.home.root),
                    "config_dir": str(hub.config),
                    "show_progress": show_progress,
                }
            }
        }
    }
    if show_progress:
        # A person is watching our own one-line progress; Dagster's debug stream would bury it.
        run_config["loggers"] = {"console": {"config": {"log_level": "CRITICAL"}}}
    with DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance, run_config=run_config, raise_on_error=False
        )
        failures = []
        for event in result.all_events:
            if event.event_type == DagsterEventType.STEP_FAILURE:
                error = event.event_specific_data.error  # type: ignore[union-attr]
                failures.append(f"{event.step_key}: {_root_message(error)}")
            elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
                data = event.event_specific_data
                if data is not None and not data.passed:  # type: ignore[union-attr]
                    failures.append(f"check {data.asset_check_key.name} failed")  # type: ignore[union-attr]
        return RunOutcome(result.success and not failures, result.run_id, failures)


def _root_message(error: object) -> str:
    """The message of the exception that started it, not Dagster's wrapper around it."""
    while getattr(error, "cause", None) is not None:
        error = error.cause  # type: ignore[attr-defined]
    message = str(getattr(error, "message", "") or "").strip()
    # Dagster keeps "ExceptionClass: text"; people need the text.
    _, _, text = message.partition(": ")
    return " ".join((text or message or "failed").split())
