"""Run a job now, recorded in the home's Dagster instance.

Runs land in ``$SHUZHI_HOME/dagster`` (or the PostgreSQL its dagster.yaml names)
so ``dagster dev`` started with that DAGSTER_HOME shows them. With one worker
every step runs in this process; with more, Dagster's multiprocess executor runs
up to that many steps at once, each in a worker process of its own, and a run
whose worker was killed is run again from where it failed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.hub import Hub

if TYPE_CHECKING:
    import dagster as dg

DAGSTER_YAML = "telemetry:\n  enabled: false\n"


class UnknownJob(ValueError):
    """The job asked for is not in the graph built from the configuration."""


@dataclass
class RunOutcome:
    success: bool
    run_id: str
    failures: list[str] = field(default_factory=list)
    # After a source failed to sync: the run that rebuilt, from the last good data, the
    # products and rooms the failure had skipped, and what it rebuilt.
    rebuild_run_id: str | None = None
    rebuilt: list[str] = field(default_factory=list)
    # Runs that took up again, from where it failed, a run whose worker process died.
    retry_run_ids: list[str] = field(default_factory=list)


# How often a run whose worker process died is taken up again from where it failed.
WORKER_CRASH_RETRIES = 2


def prepare_dagster_home(hub: Hub) -> None:
    hub.home.dagster.mkdir(parents=True, exist_ok=True)
    settings = hub.home.dagster / "dagster.yaml"
    if not settings.exists():
        settings.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(hub.home.dagster)


def run_refresh(hub: Hub, *, show_progress: bool = False, workers: int = 1) -> RunOutcome:
    from pipelines.definitions import REFRESH_JOB

    return run_job(hub, REFRESH_JOB, show_progress=show_progress, workers=workers)


def job_from_config(config: str, job_name: str) -> dg.JobDefinition:
    """The job as every worker process rebuilds it (Dagster's reconstructable job): from
    the graph its server built at start when that was built from the same folder."""
    from home.layout import config_dir
    from pipelines import definitions

    if Path(config).resolve() == config_dir():
        return definitions.defs.resolve_job_def(job_name)
    return definitions.build_definitions(Path(config)).resolve_job_def(job_name)


def run_job(
    hub: Hub, job_name: str, *, show_progress: bool = False, workers: int = 1
) -> RunOutcome:
    """Run one job of the graph built from the hub's own configuration folder, its steps
    in this process (``workers`` 1) or in up to ``workers`` worker processes at once."""
    if workers < 1:
        raise ValueError(f"workers must be 1 or more, not {workers}")
    prepare_dagster_home(hub)
    from dagster import DagsterInstance

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
    if workers > 1:
        # The lakehouse made (on a new catalogue database) before the workers start: two
        # workers creating DuckLake's own tables at once collide in PostgreSQL.
        with hub.lake():
            pass
    with DagsterInstance.get() as instance:
        execute = _executor(instance, hub, job, job_name, run_config, workers)
        result = execute()
        retry_ids = []
        for _ in range(WORKER_CRASH_RETRIES if workers > 1 else 0):
            if result.success or not _worker_died(result.all_events):
                break
            result = execute(retry_of=result.run_id)
            retry_ids.append(result.run_id)
        failures, failed_steps, failed_checks = _failures(result.all_events)
        outcome = RunOutcome(result.success and not failures, result.run_id, failures)
        outcome.retry_run_ids = retry_ids
        rebuild = _rebuildable_after_sync_failures(
            defs, job_name, result.all_events, failed_steps, failed_checks, hub.catalog.raw_assets()
        )
        if rebuild:
            again = execute(
                selection=sorted(rebuild, key=lambda k: k.to_user_string()),
                tags={"shuzhi/rebuild_after": result.run_id},
            )
            more, _, _ = _failures(again.all_events)
            outcome.failures += more
            outcome.rebuild_run_id = again.run_id
            outcome.rebuilt = sorted(k.to_user_string() for k in rebuild)
        return outcome


def _executor(
    instance: Any, hub: Hub, job: Any, job_name: str, run_config: dict[str, Any], workers: int
) -> Any:
    """A function that runs the job once (a selection of it, or a failed run again from
    where it failed), in this process or on ``workers`` worker processes."""
    import dagster as dg

    def in_process(*, selection: Any = None, tags: Any = None, retry_of: str | None = None) -> Any:
        assert retry_of is None  # a crash here ends this process: nothing is left to retry
        return job.execute_in_process(
            instance=instance,
            run_config=run_config,
            raise_on_error=False,
            asset_selection=selection,
            tags=tags,
        )

    def on_workers(*, selection: Any = None, tags: Any = None, retry_of: str | None = None) -> Any:
        from dagster import build_reconstructable_job

        rebuilt = build_reconstructable_job(
            "pipelines.run",
            "job_from_config",
            reconstructable_kwargs={"config": str(hub.config), "job_name": job_name},
        )
        config = {**run_config, "execution": {"config": {"multiprocess": _multiprocess(workers)}}}
        return dg.execute_job(
            rebuilt,
            instance=instance,
            run_config=config,
            raise_on_error=False,
            asset_selection=selection,
            tags=tags,
            reexecution_options=dg.ReexecutionOptions.from_failure(retry_of, instance)
            if retry_of
            else None,
        )

    return on_workers if workers > 1 else in_process


# What every step worker would otherwise load again for itself: the graph, Great
# Expectations, and the PII detector with jieba's dictionary (several seconds each).
WORKER_PRELOAD = ["pipelines.definitions", "great_expectations", "pii.warm_worker"]


def _multiprocess(workers: int) -> dict[str, Any]:
    # Forked from one server that has loaded them once: a spawned worker would load
    # Dagster, the graph, GX and the detector again for every step.
    return {
        "max_concurrent": workers,
        "start_method": {"forkserver": {"preload_modules": WORKER_PRELOAD}},
    }


def _worker_died(events: Sequence[Any]) -> bool:
    """Whether a step failed because its worker process ended (killed, out of memory),
    not because of what the step found."""
    from dagster import DagsterEventType

    return any(
        event.event_type == DagsterEventType.STEP_FAILURE
        and "ChildProcessCrashException" in _error_classes(event.event_specific_data.error)
        for event in events
    )


def _error_classes(error: Any) -> set[str]:
    classes = set()
    while error is not None:
        classes.add(getattr(error, "cls_name", None) or "")
        error = getattr(error, "cause", None)
    return classes


def _failures(events: Sequence[Any]) -> tuple[list[str], set[str], set[Any]]:
    """(one line per failure, failed step keys, asset keys of failed blocking checks)."""
    from dagster import AssetCheckSeverity, DagsterEventType

    failures: list[str] = []
    failed_steps: set[str] = set()
    failed_checks: set[Any] = set()  # asset keys
    for event in events:
        if event.event_type == DagsterEventType.STEP_FAILURE:
            error = event.event_specific_data.error
            failures.append(f"{event.step_key}: {_root_message(error)}")
            failed_steps.add(event.step_key)
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            data = event.event_specific_data
            # A WARN (a warn-only quality rule, a source past its freshness) is reported, not a failure: data flows on.
            if data is not None and not data.passed and data.severity != AssetCheckSeverity.WARN:
                why = data.description or "failed"
                failures.append(f"check {data.asset_check_key.name} {why}")
                failed_checks.add(data.asset_check_key.asset_key)
    return failures, failed_steps, failed_checks


def _rebuildable_after_sync_failures(
    defs: Any,
    job_name: str,
    events: Sequence[Any],
    failed_steps: set[str],
    failed_checks: set[Any],
    raw_assets: dict[str, str],
) -> set[Any]:
    """Assets a failed sync skipped that can still be built from the last good data.

    A department that is down must not hold back every other department's products: the
    products and rooms downstream of its dataset are rebuilt from the dataset's last good
    protected layer. Its own staged (with its quarantine) and protected layers are not when
    nothing new arrived (every source of the dataset failed); a dataset fed by several
    channels whose other channels synced is staged and protected again from them. Nothing
    downstream of a failed quality check or a failed build step is rebuilt (bad data must
    not flow on).

    ``raw_assets``: raw asset name → the dataset it feeds (``Catalog.raw_assets``)."""
    from dagster import AssetKey, AssetSelection, DagsterEventType

    failed_raws = {s for s in failed_steps if s in raw_assets}
    if not failed_raws:
        return set()
    graph = defs.resolve_asset_graph()
    in_job = set(defs.resolve_job_def(job_name).asset_layer.selected_asset_keys)
    built = {
        event.asset_key
        for event in events
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION
    }
    blocked = {AssetKey(s) for s in failed_steps if s not in raw_assets} | failed_checks
    held_back = AssetSelection.assets(*blocked).downstream().resolve(graph) if blocked else set()
    synced = {raw_assets[k.to_user_string()] for k in built if k.to_user_string() in raw_assets}
    nothing_new = {raw_assets[r] for r in failed_raws} - synced
    own_layers = {AssetKey(r) for r in failed_raws} | {
        AssetKey(f"{layer}_{name}")
        for name in nothing_new
        for layer in ("staged", "quarantine", "protected", "merged")
    }
    return in_job - built - own_layers - held_back


def _root_message(error: object) -> str:
    """The message of the exception that started it, not Dagster's wrapper around it."""
    while getattr(error, "cause", None) is not None:
        error = error.cause  # type: ignore[attr-defined]
    message = str(getattr(error, "message", "") or "").strip()
    # Dagster keeps "ExceptionClass: text"; people need the text.
    _, _, text = message.partition(": ")
    return " ".join((text or message or "failed").split())
