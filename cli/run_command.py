"""``shuzhi run``: run the pipeline now, recorded in the home's Dagster instance."""

from __future__ import annotations

import typer

from cli.errors import CliError


def run(
    job: str = typer.Option(
        "refresh_district",
        "--job",
        help="Dagster job: refresh_district (everything) or sync_<source> (one source onward).",
    ),
) -> None:
    """Run a pipeline job once, showing each step; fails if any step or blocking check fails."""
    from pipelines.definitions import build_definitions
    from pipelines.hub import Hub
    from pipelines.run import run_job

    hub = Hub.from_env()
    jobs = sorted(j.name for j in build_definitions(hub.config).resolve_all_job_defs())
    jobs = [name for name in jobs if not name.startswith("__")]
    if job not in jobs:
        raise CliError(f"no job named {job!r}; jobs: {', '.join(jobs)}")
    outcome = run_job(hub, job, show_progress=True)
    if not outcome.success:
        raise CliError(f"run {outcome.run_id} failed: " + "; ".join(outcome.failures[:5]))
    print(f"run {outcome.run_id} succeeded")
