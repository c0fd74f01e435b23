"""``shuzhi audit``: prove the audit log is intact."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.errors import CliError

app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


@app.command("verify")
def verify() -> None:
    """Exit 0 when every entry is intact and chained to the one before it."""
    from audit.verify import signs_of_history
    from audit.verify import verify as verify_log
    from home.layout import Home

    home = Home.from_env()
    path = home.audit / "audit.log"
    result = verify_log(path)
    if not result.ok:
        raise CliError(f"audit log {path} is damaged: {result.problem}")
    history = signs_of_history(home.root)
    if result.events == 0 and history:
        state = "empty" if path.exists() else "missing"
        raise CliError(
            f"audit log {path} is {state}, but this hub has history ({', '.join(history)}): "
            "the log was removed or replaced; restore it from its backup"
        )
    print(f"audit log intact: {result.events} events, head {result.head_hash or '-'}")


def _many(values: list[str] | None) -> tuple[str, ...]:
    """Repeated options and comma-separated values alike: --kind query,reveal --kind api."""
    return tuple(
        part.strip() for value in values or [] for part in value.split(",") if part.strip()
    )


@app.command("search")
def search(
    person: list[str] = typer.Option(None, "--person", help="The person or operator behind the call (user id or login)."),
    client: list[str] = typer.Option(None, "--client", help="The API client behind the call."),
    principal: list[str] = typer.Option(None, "--principal", help="The principal whose grants applied."),
    dataset: list[str] = typer.Option(None, "--dataset", help="A dataset (re-identifications)."),
    product: list[str] = typer.Option(None, "--product", help="A product read, requested or built."),
    token: list[str] = typer.Option(None, "--token", help="A person token (t<version>_...)."),
    purpose: list[str] = typer.Option(None, "--purpose", help="Text or code in the stated purpose."),
    grant: list[str] = typer.Option(None, "--grant", help="A grant id the event names."),
    outcome: list[str] = typer.Option(None, "--outcome", help="answered, refused, failed, stopped, revealed…"),
    kind: list[str] = typer.Option(None, "--kind", help="Event kind: query, reveal, api, grant…"),
    since: str = typer.Option("", "--since", help="From this ISO date or datetime (zone: Asia/Shanghai unless given)."),
    until: str = typer.Option("", "--until", help="Up to this ISO date (inclusive) or datetime (exclusive)."),
    limit: int = typer.Option(0, "--limit", min=0, help="Only the last N matches (0: all)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON: the events as written."),
) -> None:  # fmt: skip
    """Find audit events: who saw what, for whom, why, under which grant, and how it ended."""
    from audit.log import AuditLog
    from audit.search import (
        SUMMARY_COLUMNS,
        AuditQuery,
        SearchError,
        parse_time,
        summary_row,
    )
    from audit.search import search as search_log
    from cli.output import print_json, print_table
    from home.layout import Home

    try:
        query = AuditQuery(
            persons=_many(person),
            clients=_many(client),
            principals=_many(principal),
            datasets=_many(dataset),
            products=_many(product),
            tokens=_many(token),
            purposes=_many(purpose),
            grants=_many(grant),
            outcomes=_many(outcome),
            kinds=_many(kind),
            since=parse_time(since) if since else None,
            until=parse_time(until, end=True) if until else None,
        )
    except SearchError as error:
        raise CliError(str(error)) from None
    log = AuditLog(Home.from_env().audit / "audit.log")
    result = search_log(log.events(), query, limit=limit or None)
    if json_out:
        print_json({"matched": result.matched, "events": [e.__dict__ for e in result.events]})
        return
    caption = f"{result.matched} matching events" + (
        f", the last {len(result.events)} shown" if len(result.events) < result.matched else ""
    )
    print_table(None, SUMMARY_COLUMNS, [summary_row(e) for e in result.events], caption=caption)


@app.command("report")
def report(
    since: str = typer.Option(..., "--since", help="Start: ISO date or datetime (zone: Asia/Shanghai unless given)."),
    until: str = typer.Option("", "--until", help="End: ISO date (inclusive) or datetime; default now."),
    out: Path = typer.Option(..., "--out", help="Folder for report.json, report.html and the PNG charts."),
) -> None:  # fmt: skip
    """The access review of a period: personal data accessed per principal and purpose,
    grants about to expire or unused, unusual access with the events behind each finding.
    Thresholds: config/audit_report.yaml (defaults in audit/report_settings.py)."""
    import datetime as dt

    from audit.report import Period, build_report
    from audit.report_files import write_report
    from audit.report_settings import load_settings
    from audit.search import SearchError, parse_time
    from pipelines.hub import Hub

    hub = Hub.from_env()
    settings = load_settings(hub.config)
    try:
        period = Period(
            since=parse_time(since, zone=settings.zone),
            until=parse_time(until, end=True, zone=settings.zone) if until else dt.datetime.now(dt.UTC),
        )  # fmt: skip
    except SearchError as error:
        raise CliError(str(error)) from None
    if period.until <= period.since:
        raise CliError("--until must be after --since")
    levels: dict[str, set[str]] = {
        name: {str(column.level) for column in product.columns}
        for name, product in hub.catalog.products.items()
    }
    built = build_report(hub.audit.events(), period, hub.policies, levels, settings)
    written = write_report(built, out)
    print(
        f"{built['events']} events reviewed, {len(built['findings'])} findings; wrote "
        + ", ".join(str(path) for path in written)
    )
