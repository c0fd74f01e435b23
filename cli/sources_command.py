"""``shuzhi sources``: the department sources, their syncs and their state."""

from __future__ import annotations

import typer

from cli.errors import CliError, Refused, naming_known_principals
from cli.output import print_json, print_table

app = typer.Typer(
    help="Department sources: list, check, sync, batches, accept.", no_args_is_help=True
)


def _source_or_fail(hub: object, name: str) -> object:
    from pipelines.hub import Hub

    assert isinstance(hub, Hub)
    sources = hub.catalog.sources
    if name not in sources:
        known = ", ".join(sorted(sources))
        raise CliError(f"no source named {name!r}; configured sources: {known}")
    return sources[name]


@app.command("list")
def list_(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Sources with kind, schedule, last sync, watermark, rows last run, status and freshness
    (过期 when the last sync is older than the dataset's update.freshness_hours)."""
    from pipelines.hub import Hub
    from pipelines.source_status import source_statuses

    statuses = source_statuses(Hub.from_env())
    if json_out:
        print_json([s.as_dict() for s in statuses])
        return
    print_table(
        "Sources",
        [
            "source",
            "department",
            "kind",
            "schedule",
            "last sync",
            "watermark",
            "rows last run",
            "loaded",
            "quarantined",
            "status",
            "freshness",
        ],
        [
            [
                s.source,
                s.department,
                s.kind,
                s.schedule,
                s.last_sync or "never",
                s.watermark or "-",
                "-" if s.rows_read is None else f"{s.rows_read:,}",
                "-" if s.rows_loaded is None else f"{s.rows_loaded:,}",
                "-" if s.rows_quarantined is None else f"{s.rows_quarantined:,}",
                s.status,
                s.freshness_label,
            ]
            for s in statuses
        ],
    )


@app.command("batches")
def batches(
    name: str = typer.Argument(..., help="Source name (see `shuzhi sources list`)."),
    limit: int = typer.Option(20, "--limit", min=1, help="How many batches, newest first."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The source's committed batches: read = loaded + quarantined, per batch."""
    from lakehouse.raw_landing import quarantined_file_line
    from pipelines.hub import Hub
    from pipelines.source_status import batch_history

    hub = Hub.from_env()
    _source_or_fail(hub, name)
    history = batch_history(hub, name, limit)
    if json_out:
        print_json([b.as_dict() for b in history])
        return
    marks = {True: "✓", False: "✗", None: "not staged"}
    print_table(
        f"Batches of {name} (newest first)",
        [
            "batch",
            "mode",
            "finished",
            "source said",
            "read",
            "loaded",
            "quarantined",
            "reconciles",
            "watermark",
        ],
        [
            [
                b.batch_id,
                b.mode,
                b.finished_at,
                "-" if b.declared_rows is None else f"{b.declared_rows:,}",
                f"{b.rows_read:,}",
                "-" if b.rows_loaded is None else f"{b.rows_loaded:,}",
                "-" if b.rows_quarantined is None else f"{b.rows_quarantined:,}",
                marks[b.holds],
                b.watermark or "-",
            ]
            for b in history
        ],
    )
    for b in history:
        for file_name, why in b.files_quarantined:
            print(f"{b.batch_id}: {quarantined_file_line(file_name, why)}")
        for note in b.notes:
            print(f"{b.batch_id}: {note}")


@app.command("check")
def check(
    name: str = typer.Argument(..., help="Source name (see `shuzhi sources list`)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Connect to the source and report what it holds. Changes nothing."""
    from connectors.factory import connector_for
    from connectors.files import FileDropConnector
    from lakehouse import meta
    from pipelines.hub import Hub

    hub = Hub.from_env()
    source = _source_or_fail(hub, name)
    connector = connector_for(source)  # type: ignore[arg-type]
    if isinstance(connector, FileDropConnector):
        with hub.lake() as con:
            done = meta.processed_files(con, name)
        report = connector.check(done)
    else:
        report = connector.check()
    found = {"source": name, "kind": source.kind, **report}  # type: ignore[attr-defined]
    if json_out:
        print_json(found)
        return
    for key, value in found.items():
        shown = ", ".join(map(str, value)) or "-" if isinstance(value, list) else value
        print(f"{key}: {'-' if shown is None else shown}")


@app.command("sync")
def sync(
    name: str = typer.Argument(..., help="Source name (see `shuzhi sources list`)."),
    full: bool = typer.Option(False, "--full", help="Ignore the watermark: read everything."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (progress stays on stderr)."),
) -> None:
    """Sync one source now: land it raw, then standardise it, showing progress."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from lakehouse.raw_landing import quarantined_file_line
    from pipelines import steps
    from pipelines.hub import Hub

    hub = Hub.from_env()
    source = _source_or_fail(hub, name)
    dataset = source.dataset  # type: ignore[attr-defined]
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
        console=Console(stderr=True),  # stdout carries the result lines only
    ) as bar:
        reading = bar.add_task(f"sync {name}", total=None)
        result = steps.sync_source(hub, name, full=full, progress=lambda n: bar.advance(reading, n))
        bar.update(reading, total=result.rows_read, completed=result.rows_read)
        staging = bar.add_task(f"standardise {dataset}", total=result.rows_raw or None)
        staged = steps.stage_dataset(hub, dataset, progress=lambda n: bar.advance(staging, n))
    steps.record_cli_materializations(hub, name, result, staged)
    if json_out:
        print_json(
            {
                "source": name,
                "dataset": dataset,
                "batch_id": result.batch_id,
                "mode": result.mode,
                "rows_read": result.rows_read,
                "watermark": str(result.watermark) if result.watermark else None,
                "files_quarantined": [
                    {"file": file_name, "reason": why}
                    for file_name, why in result.files_quarantined
                ],
                "notes": result.notes,
                "staged": [
                    {
                        "batch_id": s.batch_id,
                        "rows_read": s.rows_read,
                        "rows_loaded": s.rows_loaded,
                        "rows_quarantined": s.rows_quarantined,
                    }
                    for s in staged
                ],
            }
        )
        return
    for file_name, why in result.files_quarantined:
        print(quarantined_file_line(file_name, why))
    for note in result.notes:
        print(f"note: {note}")
    for stage_result in staged:
        print(
            f"batch {stage_result.batch_id}: read {stage_result.rows_read:,} = loaded "
            f"{stage_result.rows_loaded:,} + quarantined {stage_result.rows_quarantined:,}"
        )
    if not staged:
        print(f"batch {result.batch_id}: nothing new to stage")
    print(
        "products and data rooms refresh on the next pipeline run: "
        f"`shuzhi run --job sync_{name}`, or its schedule"
    )


@app.command("accept")
def accept(
    name: str = typer.Argument(..., help="Source name (see `shuzhi sources list`)."),
    change: str = typer.Option(
        ...,
        "--change",
        help="What to accept: shrink (a smaller full sync) or schema (a column that changed type).",
    ),
    principal: str = typer.Option(..., "--as", help="The dataset's steward (principal id)."),
    reason: str = typer.Option(..., "--reason", help="Why the change is real (audited)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Accept, for the next sync only, a change the sync refused: audited, steward only."""
    from pipelines.hub import Hub
    from pipelines.source_actions import accept_source_change
    from policies.steward_actions import StewardActionRefused

    hub = Hub.from_env()
    _source_or_fail(hub, name)
    try:
        recorded = accept_source_change(hub, name, change, principal, reason)
    except StewardActionRefused as refusal:
        with naming_known_principals(hub.config_policies, principal):
            raise Refused(str(refusal)) from None
    except ValueError as problem:
        raise CliError(str(problem)) from None
    if json_out:
        print_json({"source": name, "change": change, "by": principal, "recorded": recorded})
        return
    print(f"{name}: the next sync may commit the {change} ({principal}: {recorded})")
