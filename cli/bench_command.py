"""``shuzhi bench``: the cost of governance, measured side by side with a plain read."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.errors import CliError


def bench(
    scale: str = typer.Option(
        "1",
        "--scale",
        help="1 = 1,000,000 residents, 100,000 enterprises, 1,000,000 cases. Several, "
        "comma-separated (0.1,1,3), run one after another and compare peak memory.",
    ),
    stages: str = typer.Option(
        "floor,dlt,governed,products,room,query,incremental,pii,crypto,audit,startup",
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
    startup_runs: int = typer.Option(
        10, "--startup-runs", help="New processes per command in the startup stage."
    ),
    baseline: Path | None = typer.Option(
        None,
        "--baseline",
        help="An earlier bench.json (e.g. bench/results/…): print before/after and chart it.",
        exists=True,
        dir_okay=False,
    ),
) -> None:
    """Run floor and governed paths on the same generated sources; write JSON, table and chart."""
    try:
        scales = [float(s) for s in scale.split(",") if s.strip()]
    except ValueError:
        raise CliError(f"--scale {scale!r}: give numbers, e.g. 1 or 0.1,1,3") from None
    if not scales or min(scales) <= 0:
        raise CliError("--scale must be greater than 0")
    if crypto_values <= 0:
        raise CliError("--crypto-values must be greater than 0")
    if api_seconds <= 0:
        raise CliError("--api-seconds must be greater than 0")
    if audit_events <= 0:
        raise CliError("--audit-events must be greater than 0")
    if startup_runs <= 0:
        raise CliError("--startup-runs must be greater than 0")
    from rich.console import Console

    from bench.report import print_report, write_chart
    from bench.run import plan, run_bench

    asked = [s.strip() for s in stages.split(",") if s.strip()]
    try:
        plan(asked)
    except ValueError as problem:
        raise CliError(str(problem)) from None
    if len(scales) > 1:
        # Each scale in a process of its own: peak memory is the process's, and a scale run
        # after another would carry what the earlier one left allocated.
        written = [
            _scale_apart(
                one, out / f"scale-{one:g}", stages, seed, crypto_values, api_seconds,
                audit_events, startup_runs, baseline,
            )
            for one in scales
        ]  # fmt: skip
        _memory(written, out)
        return
    console = Console(stderr=True, soft_wrap=True)
    (one,) = scales
    report = run_bench(
        out,
        scale=one,
        seed=seed,
        asked=asked,
        crypto_values=crypto_values,
        api_seconds=api_seconds,
        audit_events=audit_events,
        startup_runs=startup_runs,
        say=lambda line: console.print(line, highlight=False),
    )
    report.write_json(out / "bench.json")
    write_chart(report, out / "bench.png")
    print_report(report)
    print(f"wrote {out / 'bench.json'} and {out / 'bench.png'}")
    if baseline is not None:
        _compare(baseline, out)


def _scale_apart(
    scale: float,
    folder: Path,
    stages: str,
    seed: int,
    crypto_values: int,
    api_seconds: float,
    audit_events: int,
    startup_runs: int,
    baseline: Path | None,
) -> Path:
    """``shuzhi bench`` for one scale as a new process; its bench.json."""
    import subprocess
    import sys

    command = [
        sys.executable, "-c", "from cli.main import run; run()", "bench",
        "--scale", f"{scale:g}", "--stages", stages, "--out", str(folder), "--seed", str(seed),
        "--crypto-values", str(crypto_values), "--api-seconds", str(api_seconds),
        "--audit-events", str(audit_events), "--startup-runs", str(startup_runs),
        *(["--baseline", str(baseline)] if baseline is not None else []),
    ]  # fmt: skip
    done = subprocess.run(command, check=False)
    if done.returncode != 0:
        raise CliError(f"bench at scale {scale:g} failed (exit {done.returncode})")
    return folder / "bench.json"


def _compare(baseline: Path, folder: Path) -> None:
    from bench.compare import load, print_comparison, write_comparison_chart

    before, after = load(baseline), load(folder / "bench.json")
    print_comparison(before, after)
    write_comparison_chart(before, after, folder / "bench-compare.png")
    print(f"wrote {folder / 'bench-compare.png'}")


def _memory(runs: list[Path], out: Path) -> None:
    import json

    from bench.compare import load, memory_by_scale, write_memory_chart
    from cli.output import print_table

    memory = memory_by_scale([load(p) for p in runs])
    (out / "memory.json").write_text(json.dumps(memory, indent=2), encoding="utf-8")
    write_memory_chart(memory, out / "memory.png")
    print_table(
        "Peak memory per scale (governed stages)",
        ["scale", "peak MiB"],
        [[scale, mb] for scale, mb in memory["peak_rss_mb"].items()],
        caption=f"spread {memory['spread']:.0%} (flat: ≤ 15%) · under 2 GiB: {memory['under_limit']}",
    )
    print(f"wrote {out / 'memory.json'} and {out / 'memory.png'}")
