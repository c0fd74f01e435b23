"""``shuzhi lake``: housekeeping of the lakehouse itself."""

from __future__ import annotations

import datetime as dt

import typer

app = typer.Typer(
    help="The lakehouse: retention, vacuum of files no snapshot refers to.", no_args_is_help=True
)


@app.command("vacuum")
def vacuum(
    dry_run: bool = typer.Option(False, "--dry-run", help="List the files; delete nothing."),
    older_than_minutes: int = typer.Option(
        60, "--older-than-minutes", min=0, help="Spare files younger than this."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
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
    hub.audit.append(
        "lake_vacuum",
        "shuzhi-cli",
        {"files": len(report.files), "dry_run": dry_run},
    )
    if json_out:
        from cli.output import print_json

        print_json({"dry_run": dry_run, "files": [str(path) for path in report.files]})
        return
    verb = "would delete" if dry_run else "deleted"
    for path in report.files:
        print(f"{verb} {path}")
    print(f"{verb} {len(report.files)} orphaned data file(s)")


@app.command("retention")
def retention(
    dry_run: bool = typer.Option(False, "--dry-run", help="Count the rows; delete nothing."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Count periods up to this day (YYYY-MM-DD); default: today."
    ),
    by: str | None = typer.Option(None, "--by", help="Who is acting (audited)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Delete the rows past each contract's retention from every layer (raw, staged,
    protected, quarantine), rebuild the products and rooms made from them and expire the
    snapshots that still hold them: no time travel leads back. Audited."""
    from cli.errors import CliError
    from cli.output import print_json, print_table
    from pipelines.hub import Hub
    from pipelines.lifecycle_steps import retention_details, retention_step

    try:
        today = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise CliError(f"--as-of {as_of!r} is not a day (YYYY-MM-DD)") from None
    run = retention_step(
        Hub.from_env(),
        _actor(by),
        today=today,
        dry_run=dry_run,
        progress=None if json_out else print,
    )
    if json_out:
        print_json(
            {
                **retention_details(run),
                "datasets": [
                    {
                        "dataset": d.dataset,
                        "keep_days": d.keep_days,
                        "counted_from": d.counted_from,
                        "cutoff": d.cutoff.isoformat(),
                        "rows": d.rows,
                    }
                    for d in run.datasets
                ],
            }
        )
        return
    layers = ("raw", "staged", "protected", "quarantine")
    print_table(
        f"retention as of {run.today.isoformat()}" + (" (dry run)" if dry_run else ""),
        ["dataset", "keep days", "counted from", "before", *layers],
        [
            [d.dataset, d.keep_days, d.counted_from, d.cutoff.isoformat()]
            + [d.rows.get(layer, "-") for layer in layers]
            for d in run.datasets
        ],
        caption=(
            f"{run.rows:,} rows {'would be' if dry_run else ''} deleted".replace("  ", " ")
            + ("" if dry_run else f"; {len(run.rebuilt.products)} products and "
               f"{run.rebuilt.rooms} rooms rebuilt")
        ),
    )  # fmt: skip


def _actor(by: str | None) -> str:
    import getpass

    from audit.free_text import clean_free_text

    return clean_free_text(by) if by else f"operator:{getpass.getuser()}"
