"""``shuzhi backup`` and ``shuzhi restore``: the home as one file, and back at any path."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from cli.output import progress_printer


def backup(
    out: Path = typer.Option(..., "--out", help="The backup file to write (never overwritten)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (progress goes to stderr)."),
) -> None:
    """Write a consistent snapshot of the home (lakehouse, wrapped keys, audit log, state)
    to one file; the master key is never in it."""
    from home.backup import make_backup
    from pipelines.hub import Hub

    hub = Hub.from_env()
    report = make_backup(hub.home, out, progress=progress_printer(json_out))
    hub.audit.append(
        "home_backup",
        f"operator:{getpass.getuser()}",
        {
            "backup": report.archive.name,
            "files": report.files,
            "bytes": report.bytes,
            "audit_events": report.audit_events,
        },
    )
    if json_out:
        from cli.output import print_json

        print_json(
            {
                "backup": str(report.archive),
                "created_at": report.created_at,
                "files": report.files,
                "bytes": report.bytes,
                "audit_events": report.audit_events,
                "audit_head": report.audit_head,
                "left_out": list(report.left_out),
            }
        )
        return
    print(
        f"backup {report.archive}: {report.files:,} files, {report.bytes / 2**20:,.1f} MiB, "
        f"audit log at {report.audit_events:,} events ({report.created_at})"
    )
    print("left out: " + "; ".join(report.left_out))


def restore(
    archive: Path = typer.Argument(..., help="A file written by `shuzhi backup`."),
    home: Path = typer.Option(..., "--home", help="The new home folder (new or empty)."),
    master_key_file: Path | None = typer.Option(
        None,
        "--master-key-file",
        help="The hub's master key file, copied into the new home (0600). Without it the "
        "key comes from SHUZHI_MASTER_KEY or SHUZHI_MASTER_KEY_PROVIDER.",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (progress goes to stderr)."),
) -> None:
    """Restore a backup into a new home at any path, then verify it: the audit chain,
    every table and every sealed value; the rooms are built again."""
    from home.restore import restore_backup

    report = restore_backup(
        archive, home, master_key_file=master_key_file, progress=progress_printer(json_out)
    )
    if json_out:
        from cli.output import print_json

        print_json(
            {
                "home": str(report.home),
                "backup_created_at": report.created_at,
                "files": report.files,
                "audit_events": report.audit_events,
                "checkpoints": report.checkpoints,
                "tables": report.tables,
                "rows": report.rows,
                "sealed_values": report.sealed_values,
                "shredded_values": report.shredded_values,
                "rooms": report.rooms,
            }
        )
        return
    print(
        f"restored {report.home} from the backup of {report.created_at}: {report.tables} tables, "
        f"{report.rows:,} rows, {report.sealed_values:,} sealed values open, audit log "
        f"verifies ({report.audit_events:,} events), {report.rooms} rooms built"
    )
    print(f"use it with: export SHUZHI_HOME={report.home}")
