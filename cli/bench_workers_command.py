"""``shuzhi bench-workers``: the whole district refreshed on 1, 2, 4… worker processes."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.errors import CliError


def bench_workers(
    scale: float = typer.Option(
        1.0, "--scale", help="1 = 1,000,000 residents, 100,000 enterprises, 1,000,000 cases."
    ),
    workers: str = typer.Option("1,2,4", "--workers", help="Worker counts, comma-separated."),
    out: Path = typer.Option("bench-out", "--out", help="Folder for data, JSON and chart."),
    seed: int = typer.Option(7, "--seed", help="Seed of the generated district."),
) -> None:
    """Refresh the whole district as Dagster runs it, once per worker count, each on a fresh
    lakehouse (the scaled-out one when SHUZHI_LAKE_CONFIG is set); time and peak memory
    per stage as JSON, a table and a chart."""
    try:
        counts = [int(w) for w in workers.split(",") if w.strip()]
    except ValueError:
        raise CliError(f"--workers {workers!r}: give whole numbers, e.g. 1,2,4") from None
    if not counts or min(counts) < 1:
        raise CliError("--workers: every count must be 1 or more")
    if scale <= 0:
        raise CliError("--scale must be greater than 0")
    import os

    from rich.console import Console

    from bench.run import generate_or_reuse_district
    from bench.workers import table_lines, workers_runs, write_results
    from demo.department_apis import serve_department_apis
    from demo.sizes import DistrictSize
    from encryption.master_key import MASTER_KEY_FILE, create_key_file
    from home.layout import Home, config_dir
    from pipelines.hub import Hub

    console = Console(stderr=True, soft_wrap=True)
    home = Home(out.resolve() / "home").ensure()
    os.environ["SHUZHI_HOME"] = str(home.root)  # source paths say ${SHUZHI_HOME}
    os.environ.pop("SHUZHI_MASTER_KEY", None)
    if not (home.keys / MASTER_KEY_FILE).exists():
        create_key_file(home.keys / MASTER_KEY_FILE)
    hub = Hub(home, config_dir())
    generate_or_reuse_district(hub, seed, DistrictSize.bench(scale), console.print)
    with serve_department_apis(home) as api_env:
        runs = workers_runs(home, counts, api_env, console.print)
    data, chart, every = write_results(runs, out.resolve(), scale)
    for line in table_lines(every):
        print(line)
    console.print(f"wrote {data} and {chart}")
    if not all(r.success for r in runs):
        raise CliError("a run failed; its steps' errors are in Dagster (dagster dev)")
