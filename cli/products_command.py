"""``shuzhi products``: data products as their users read them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from cli.errors import CliError

app = typer.Typer(help="Data products as their users read them.", no_args_is_help=True)


@app.callback()
def products() -> None:
    """Data products as their users read them."""


@app.command("chart")
def chart(
    name: str = typer.Argument(..., help="The product to draw (see shuzhi catalog list)."),
    principal: str = typer.Option(..., "--as", help="The principal whose data room to draw from."),
    out: Path = typer.Option(..., "--out", help="The file to write: NAME.png or NAME.html."),
    purpose: str = typer.Option(
        "",
        "--purpose",
        help="A purpose your grant accepts: code or Chinese name (config/purposes.yaml); audited.",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Draw product NAME from PRINCIPAL's data room, as its contract's chart block says.

    The chart's one query goes through the query gateway like `shuzhi query --as`:
    the policy engine decides, the access is an audit event, and blank (withheld)
    cells stay blank in the chart.
    """
    from charts.data import ChartError, chart_data, chart_sql
    from charts.files import chart_format, write_chart
    from charts.fonts import cjk_family
    from cli.query_command import operator_query
    from pipelines.hub import Hub

    try:
        # Everything that can fail without the data is checked before the room is read,
        # so a bad file name or a missing font costs no audited access.
        chart_format(out)
        family = cjk_family()
        hub = Hub.from_env()
        product = hub.catalog.products.get(name)
        if product is None:
            raise CliError(f"no product named {name!r}; shuzhi catalog list shows the products")
        sql = chart_sql(product)
    except ChartError as problem:
        raise CliError(str(problem)) from None
    answer = operator_query(hub, principal, sql, purpose)
    who = hub.policies.principal(principal)
    room = f"{who.name if who else principal}（{principal}）的数据室"
    data = chart_data(
        product,
        answer.result.table,
        subtitle=f"{room} · {dt.date.today().isoformat()}",
        truncated=answer.result.truncated,
    )
    try:
        write_chart(data, out, family)
    except ChartError as problem:
        raise CliError(str(problem)) from None
    if json_out:
        from cli.output import print_json

        print_json(
            {"out": str(out), "product": name, "principal": principal, "grants": answer.grants}
        )
        return
    typer.echo(f"wrote {out}: {product.title} ({name}) from {principal}'s data room")
