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
    from pipelines.hub import Hub
    from pipelines.run import run_job

    hub = Hub.from_env()
    hub.keystore  # noqa: B018 -- a missing or wrong master key fails here, before any run starts
    outcome = run_job(hub, job, show_progress=True)
    if not outcome.success:
        raise CliError(f"run {outcome.run_id} failed: " + "; ".join(outcome.failures[:5]))
    print(f"run {outcome.run_id} succeeded")
