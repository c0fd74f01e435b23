"""``shuzhi lake``: housekeeping of the lakehouse itself."""

from __future__ import annotations

import datetime as dt

import typer

app = typer.Typer(help="The lakehouse: vacuum files no snapshot refers to.", no_args_is_help=True)


@app.command("vacuum")
def vacuum(
    dry_run: bool = typer.Option(False, "--dry-run", help="List the files; delete nothing."),
    older_than_minutes: int = typer.Option(
        60, "--older-than-minutes", min=0, help="Spare files younger than this."
    ),
) -> None:
    """Delete data files left behind by killed syncs (never while a sync runs)."""
    from lakehouse.vacuum import vacuum as vacuum_lake
    from pipelines.hub import Hub

    hub = Hub.from_env()
    with hub.lake() as con:
        report = vacuum_lake(
            con,
            hub.home.state,
            older_than=dt.timedelta(minutes=older_than_minutes),
            dry_run=dry_run,
        )
    verb = "would delete" if dry_run else "deleted"
    for path in report.files:
        print(f"{verb} {path}")
    print(f"{verb} {len(report.files)} orphaned data file(s)")
    hub.audit.append(
        "lake_vacuum",
        "shuzhi-cli",
        {"files": len(report.files), "dry_run": dry_run},
    )
