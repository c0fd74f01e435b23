"""``shuzhi query``: one read query in a principal's data room."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING

import typer

from cli.errors import Refused
from cli.output import print_json, print_table

if TYPE_CHECKING:
    from gateway.service import GatewayAnswer
    from pipelines.hub import Hub


def operator_query(hub: Hub, principal: str, sql: str, purpose: str) -> GatewayAnswer:
    """One statement through the query gateway in PRINCIPAL's room, as the CLI runs it: on
    the hub's host, so --as is an operator acting for a principal; a refusal is Refused."""
    from gateway.service import AccessRefused, QueryGateway
    from gateway.statement import StatementRefused

    gateway = QueryGateway(hub.catalog, hub.policies, hub.home.rooms, hub.audit)
    try:
        return gateway.query(
            principal, sql, purpose=purpose or None, by=f"operator {getpass.getuser()}"
        )
    except (AccessRefused, StatementRefused) as refusal:
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
) -> None:
    """Run a read query in PRINCIPAL's data room: only its granted rows and columns."""
    from pipelines.hub import Hub

    answer = operator_query(Hub.from_env(), principal, sql, purpose)
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
