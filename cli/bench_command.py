"""``shuzhi bench``: the cost of governance, measured side by side with a plain read."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.errors import CliError


def bench(
    scale: float = typer.Option(
        1.0, "--scale", help="1 = 1,000,000 residents, 100,000 enterprises, 1,000,000 cases."
    ),
    stages: str = typer.Option(
        "floor,governed,products,room,query,incremental,pii,crypto,audit",
        "--stages",
        help="Comma-separated stages to report (prerequisites run anyway).",
    ),
    out: Path = typer.Option("bench-out", "--out", help="Folder for data, JSON and chart."),
    seed: int = typer.Option(7, "--seed", help="Seed of the generated district."),
    crypto_values: int = typer.Option(
        200_000,
        "--crypto-values",
        help="Values per synthetic column in the crypto stage (resident IDs, then phones).",
    ),
    api_seconds: float = typer.Option(
        30.0, "--api-seconds", help="Seconds of load on each server in the api stage."
    ),
    audit_events: int = typer.Option(
        1_000_000, "--audit-events", help="Events in the log the audit stage verifies."
    ),
) -> None:
    """Run floor and governed paths on the same generated sources; write JSON, table and chart."""
    if scale <= 0:
        raise CliError("--scale must be greater than 0")
    if crypto_values <= 0:
        raise CliError("--crypto-values must be greater than 0")
    if api_seconds <= 0:
        raise CliError("--api-seconds must be greater than 0")
    if audit_events <= 0:
        raise CliError("--audit-events must be greater than 0")
    from rich.console import Console

    from bench.report import print_report, write_chart
    from bench.run import plan, run_bench

    asked = [s.strip() for s in stages.split(",") if s.strip()]
    try:
        plan(asked)
    except ValueError as problem:
        raise CliError(str(problem)) from None
    console = Console(stderr=True, soft_wrap=True)
    report = run_bench(
        out,
        scale=scale,
        seed=seed,
        asked=asked,
        crypto_values=crypto_values,
        api_seconds=api_seconds,
        audit_events=audit_events,
        say=lambda line: console.print(line, highlight=False),
    )
    report.write_json(out / "bench.json")
    write_chart(report, out / "bench.png")
    print_report(report)
    print(f"wrote {out / 'bench.json'} and {out / 'bench.png'}")
