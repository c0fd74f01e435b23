"""``shuzhi query``: one read query in a principal's data room."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cli.errors import Refused, naming_known_principals
from cli.output import print_json, print_table

if TYPE_CHECKING:
    from gateway.service import GatewayAnswer
    from pipelines.hub import Hub


def operator_query(
    hub: Hub, principal: str, sql: str, purpose: str, *, download: str | None = None
) -> GatewayAnswer:
    """One statement through the query gateway in PRINCIPAL's room, as the CLI runs it: on
    the hub's host, so --as is an operator acting for a principal; a refusal is Refused."""
    from gateway.service import AccessRefused, QueryGateway
    from gateway.statement import StatementRefused

    gateway = QueryGateway(hub.catalog, hub.policies, hub.home.rooms, hub.audit)
    try:
        return gateway.query(
            principal,
            sql,
            purpose=purpose or None,
            by=f"operator {getpass.getuser()}",
            delivery_kind="download" if download else None,
            delivery_format=download,
        )
    except (AccessRefused, StatementRefused) as refusal:
        with naming_known_principals(hub.policies, principal):
            raise Refused(str(refusal)) from None


def query(
    sql: str = typer.Argument(..., help="One read-only SQL statement (DuckDB dialect)."),
    principal: str = typer.Option(..., "--as", help="The principal whose data room to query."),
    purpose: str = typer.Option(
        "",
        "--purpose",
        help="A purpose your grant accepts: its code or Chinese name (config/purposes.yaml); audited.",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    out: Path | None = typer.Option(
        None, "--out", help="Write the rows to this .csv or .xlsx file instead of printing them."
    ),
) -> None:
    """Run a read query in PRINCIPAL's data room: only its granted rows and columns.

    Rows holding person-level data are a registered, watermarked delivery (audit who-saw,
    audit trace)."""
    from pipelines.hub import Hub

    download = _format_of(out) if out is not None else None
    answer = operator_query(Hub.from_env(), principal, sql, purpose, download=download)
    table = answer.result.table
    if out is not None and download is not None:
        from service.downloads import encode

        out.write_bytes(encode(table, download))
        delivered = f" as delivery {answer.delivery}" if answer.delivery else ""
        print(f"{table.num_rows:,} rows written to {out}{delivered}")
        return
    rows = table.to_pylist()
    if json_out:
        print_json(
            {
                "principal": principal,
                "products": answer.products,
                "grants": answer.grants,
                "columns": table.column_names,
                "rows": rows,
                "truncated": answer.result.truncated,
                "delivery": answer.delivery,
            }
        )
        return
    caption = f"{len(rows):,} rows as {principal}" + (
        " (truncated)" if answer.result.truncated else ""
    )
    print_table(None, table.column_names, [list(r.values()) for r in rows], caption=caption)


def _format_of(out: Path) -> str:
    kind = out.suffix.lower().lstrip(".")
    if kind not in ("csv", "xlsx"):
        raise typer.BadParameter("--out must name a .csv or .xlsx file")
    return kind
