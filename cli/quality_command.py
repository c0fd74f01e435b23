"""``shuzhi quality``: quality trends per rule, scores, and Data Docs for stewards."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from cli.errors import CliError
from cli.output import print_json, print_table

app = typer.Typer(help="Data quality: results per rule, scores, Data Docs.", no_args_is_help=True)


@app.command("report")
def report(
    name: str = typer.Argument(..., help="dataset name"),
    since: str = typer.Option(None, "--since", help="from this day on (YYYY-MM-DD)"),
    as_json: bool = typer.Option(False, "--json"),
    chart: Path = typer.Option(None, "--chart", help="write a PNG chart of the trend"),
) -> None:
    """Each rule's result per check run (counts only), oldest first."""
    from lakehouse import meta
    from pipelines.hub import Hub
    from quality import results

    hub = Hub.from_env()
    if name not in hub.catalog.datasets:
        raise typer.BadParameter(f"no dataset named {name!r}", param_hint="NAME")
    day = dt.date.fromisoformat(since) if since else None
    with hub.lake() as con:
        meta.ensure_meta(con)
        points = results.trend(con, name, day)
    titles = {r.name: r.title for r in hub.catalog.datasets[name].quality.rules}
    if as_json:
        print_json(
            [
                {**p.__dict__, "at": meta.utc_iso(p.at), "title": titles.get(p.rule, "")}
                for p in points
            ]
        )
    else:
        print_table(
            f"{hub.catalog.datasets[name].title} ({name}) 质量规则结果",
            ["checked at", "rule", "title", "on fail", "ok", "rows", "failing", "share"],
            [
                (
                    meta.utc_iso(p.at.replace(microsecond=0)),
                    p.rule,
                    titles.get(p.rule, ""),
                    p.on_fail,
                    "✓" if p.success else "✗",
                    p.rows_checked,
                    p.failing_rows,
                    f"{p.failing_share:.2%}",
                )
                for p in points
            ],
            caption=None if points else "no check has run yet (shuzhi run)",
        )
    if chart is not None:
        from charts.data import ChartError
        from quality.trend_chart import draw_trend

        try:
            draw_trend(points, titles, hub.catalog.datasets[name].title, chart)
        except ChartError as problem:  # no Chinese font: name the package to install
            raise CliError(str(problem)) from None
        typer.echo(f"chart written to {chart}", err=True)


@app.command("scores")
def scores(
    by: str = typer.Option("dataset", "--by", help="dataset, department or community"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """A score (0-100) per dataset, department or community: rows passing the rules, not
    quarantined, and fresh (see quality/scores.py)."""
    if by not in ("dataset", "department", "community"):
        raise typer.BadParameter("one of dataset, department, community", param_hint="--by")
    from pipelines.hub import Hub
    from quality.scores import scores as compute

    hub = Hub.from_env()
    with hub.lake() as con:
        found = compute(con, hub.catalog, by)
    if as_json:
        print_json([s.as_dict() for s in found])
        return
    print_table(
        f"质量评分（按{ {'dataset': '数据集', 'department': '部门', 'community': '社区'}[by] }）",
        [by, "title", "score", "rows passing", "quarantined", "fresh", "datasets"],
        [
            (
                s.name,
                s.title,
                f"{s.score:.1f}",
                f"{s.rows_passing:.2%}",
                "-" if s.quarantine_share is None else f"{s.quarantine_share:.2%}",
                f"{s.fresh:.0%}",
                s.datasets,
            )
            for s in found
        ],
    )


@app.command("docs")
def docs(
    out: Path = typer.Option(..., "--out", help="folder for the static HTML site"),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Build Great Expectations Data Docs of every dataset's suite and latest results."""
    from pipelines.hub import Hub
    from quality.data_docs import build_data_docs

    index = build_data_docs(Hub.from_env(), out)
    if json_out:
        print_json({"index": str(index)})
        return
    typer.echo(f"Data Docs: {index}")
