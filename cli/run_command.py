"""``shuzhi run``: run the pipeline now, recorded in the home's Dagster instance."""

from __future__ import annotations

import contextlib
from dataclasses import asdict

import typer

from cli.errors import CliError
from cli.output import print_json, stdout_kept_for_json


def run(
    job: str = typer.Option(
        "refresh_district",
        "--job",
        help="Dagster job: refresh_district (everything) or sync_<source> (one source onward).",
    ),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        help="Worker processes for the steps: 1 runs them here; more runs that many at once, "
        "each in a process of its own, and takes a run up again if a worker dies.",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (progress stays on stderr)."),
) -> None:
    """Run a pipeline job once, showing each step; fails if any step or blocking check fails."""
    from pipelines.hub import Hub
    from pipelines.run import run_job

    hub = Hub.from_env()
    hub.keystore  # noqa: B018 -- a missing or wrong master key fails here, before any run starts
    with stdout_kept_for_json() if json_out else contextlib.nullcontext():
        outcome = run_job(hub, job, show_progress=True, workers=workers)
    if json_out:  # a failed run too, before its one line on stderr
        print_json({"job": job, **asdict(outcome)})
    if not outcome.success:
        raise CliError(f"run {outcome.run_id} failed: " + "; ".join(outcome.failures[:5]))
    if not json_out:
        print(f"run {outcome.run_id} succeeded")
