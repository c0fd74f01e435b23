"""``shuzhi query``: one read query in a principal's data room."""

from __future__ import annotations

import getpass

import typer

from cli.errors import Refused
from cli.output import print_json, print_table


def query(
    sql: str = typer.Argument(..., help="One read-only SQL statement (DuckDB dialect)."),
    principal: str = typer.Option(..., "--as", help="The principal whose data room to query."),
    purpose: str = typer.Option("", "--purpose", help="Why you need the data (audited)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Run a read query in PRINCIPAL's data room: only its granted rows and columns."""
    from gateway.service import AccessRefused, QueryGateway
    from gateway.statement import StatementRefused
    from pipelines.hub import Hub

    hub = Hub.from_env()
    gateway = QueryGateway(hub.catalog, hub.policies, hub.home.rooms, hub.audit)
    try:
        # The CLI runs on the hub's host: its --as is an operator acting for a principal.
        answer = gateway.query(
            principal, sql, purpose=purpose or None, by=f"operator {getpass.getuser()}"
        )
    except (AccessRefused, StatementRefused) as refusal:
        raise Refused(str(refusal)) from None
    table = answer.result.table
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
            }
        )
        return
    caption = f"{len(rows):,} rows as {principal}" + (
        " (truncated)" if answer.result.truncated else ""
    )
    print_table(None, table.column_names, [list(r.values()) for r in rows], caption=caption)
