"""``shuzhi audit``: prove the audit log is intact; who saw a person; where a leak came from."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cli.errors import CliError
from cli.output import print_json, print_table

if TYPE_CHECKING:
    from audit.deliveries import Register

app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)

# --- verify and checkpoints (kept together: the proof that nothing was rewritten) -------

checkpoint_app = typer.Typer(
    help="Signed checkpoints of the audit log: export them, rotate their key.",
    no_args_is_help=True,
)
app.add_typer(checkpoint_app, name="checkpoint")


@app.command("verify")
def verify(
    against: Path | None = typer.Option(
        None,
        "--against",
        help="An exported copy of the checkpoints (`audit checkpoint export`) kept elsewhere.",
    ),
    json_out: bool = typer.Option(
        False, "--json", help="Print JSON (a damaged log too, before its error line)."
    ),
) -> None:
    """Exit 0 when every entry is intact, chained, and matches every signed checkpoint."""
    from audit.sealed_verify import verify_sealed
    from audit.signing_key import SigningKeyError, trusted_public_keys
    from audit.verify import signs_of_history
    from home.layout import Home

    home = Home.from_env()
    path = home.audit / "audit.log"
    try:
        keys = trusted_public_keys(home.keys)
    except SigningKeyError as problem:
        raise CliError(str(problem)) from None
    result = verify_sealed(path, keys, against=against)
    history = signs_of_history(home.root)
    if json_out:
        print_json(
            {
                "log": str(path),
                "ok": result.ok and not (result.events == 0 and history),
                "events": result.events,
                "head": result.head_hash,
                "checkpoints": result.checkpoints,
                "unsealed": result.unsealed,
                "against": None if against is None else str(against),
                "problems": result.problems,
                "line": result.line,
                "history": history,
            }
        )
    if not result.ok:
        raise CliError(f"audit log {path} is damaged: {'; '.join(result.problems)}")
    if result.events == 0 and history:
        state = "empty" if path.exists() else "missing"
        raise CliError(
            f"audit log {path} is {state}, but this hub has history ({', '.join(history)}): "
            "the log was removed or replaced; restore it from its backup"
        )
    if json_out:
        return
    checked = f", checked against {against}" if against else ""
    print(
        f"audit log intact: {result.events} events, head {result.head_hash or '-'}; "
        f"{result.checkpoints} signed checkpoints, {result.unsealed} events since the last"
        f"{checked}"
    )


@checkpoint_app.command("export")
def checkpoint_export(
    out: Path = typer.Option(..., "--out", help="File to write (keep it off this hub)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Write every checkpoint and the public keys that signed them, to keep elsewhere."""
    import json

    from audit.checkpoints import checkpoint_lines, checkpoints_path, export_document
    from audit.signing_key import trusted_public_keys
    from home.layout import Home

    home = Home.from_env()
    lines = checkpoint_lines(checkpoints_path(home.audit / "audit.log"))
    document = export_document(lines, trusted_public_keys(home.keys))
    out.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", "utf-8")
    last = document["checkpoints"][-1] if document["checkpoints"] else None
    if json_out:
        print_json(
            {"out": str(out), "checkpoints": len(lines), "last_seq": last["seq"] if last else None}
        )
        return
    upto = f", the last at seq {last['seq']}" if last else ""
    print(f"wrote {len(lines)} checkpoints{upto} to {out}")


@checkpoint_app.command("rotate-key")
def checkpoint_rotate_key(
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Sign new checkpoints with a new key; the old public key stays trusted."""
    from audit.signing_key import SigningKeyError, rotate_signing_key
    from home.layout import Home

    try:
        key = rotate_signing_key(Home.from_env().keys)
    except SigningKeyError as problem:
        raise CliError(str(problem)) from None
    if json_out:
        print_json({"key_id": key.key_id})
        return
    print(f"new audit signing key {key.key_id}; export the checkpoints again to carry its key")


def _register() -> Register:
    from audit.deliveries import register_beside
    from home.layout import Home

    return register_beside(Home.from_env().audit / "audit.log")


def _audit_lookup(details: dict[str, object]) -> None:
    """A look into the register is itself an access to who saw whom: audited."""
    from audit.log import AuditLog
    from home.layout import Home

    AuditLog(Home.from_env().audit / "audit.log").append("delivery_lookup", "shuzhi-cli", details)


@app.command("who-saw")
def who_saw(
    token: str = typer.Argument(..., help="A person token (t<version>_...)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Every delivery that held this person's data: queries, downloads, lists and reveals —
    by whom, for which principal, under which grant, when and with which statement."""
    from encryption.tokens import TOKEN_PATTERN

    token = token.strip()
    if not TOKEN_PATTERN.match(token):
        raise CliError("expected a person token: t<version>_ followed by 26 base32 characters")
    found = _register().of_token(token)
    _audit_lookup({"lookup": "who-saw", "token": token, "deliveries": [d.id for d in found]})
    if json_out:
        print_json({"token": token, "deliveries": [d.summary() for d in found]})
        return
    print_table(
        None,
        ["delivery", "at", "kind", "by", "principal", "grants", "statement", "rows"],
        [
            [
                d.id,
                d.at,
                d.kind + (f" ({d.format})" if d.format else ""),
                d.by or "-",
                d.principal,
                ", ".join(d.grants),
                d.statement,
                len(d.rows),
            ]
            for d in found
        ],
        caption=f"{len(found)} deliveries held {token}",
    )


@app.command("trace")
def trace(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="The leaked file."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Name the delivery a leaked CSV (UTF-8 or GBK), XLSX or pasted text came from, or say
    that no delivery matches. Content alone never names a recipient: only its mark does."""
    from audit.trace import TRACED, trace_file

    result = trace_file(file, _register())
    _audit_lookup(
        {
            "lookup": "trace",
            "verdict": result.verdict,
            "deliveries": [f.delivery.id for f in result.findings],
            "rows_read": result.rows_read,
        }
    )
    if json_out:
        print_json(result.to_dict())
        return
    if result.verdict == TRACED:
        print(f"traced: {file} came from {len(result.findings)} delivery(ies)")
    else:
        print(f"no delivery matches {file}: no valid mark of a registered delivery in it")
    for finding in result.findings:
        d = finding.delivery
        print(
            f"  {d.id} ({finding.confidence} confidence): {d.kind} to {d.principal} "
            f"by {d.by or '-'} at {d.at} under {', '.join(d.grants) or '-'}; "
            f"statement {d.statement!r}; {finding.marked_cells} marked cells, "
            f"{finding.rows_matched} of {result.rows_read} rows are its rows"
        )
    for finding in result.weak:
        print(
            f"  a mark of {finding.delivery.id} in {finding.marked_cells} cells, "
            "but none of its rows: not enough to say the file came from it"
        )
    if result.same_rows:
        ids = ", ".join(f.delivery.id for f in result.same_rows)
        print(f"  the same rows were also delivered in {len(result.same_rows)}: {ids}")
    if result.unknown_marks or result.broken_marks:
        print(
            f"  {result.unknown_marks} marks unknown to this register, "
            f"{result.broken_marks} damaged"
        )


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
    json_out: bool = typer.Option(False, "--json", help="Print JSON: counts and the files written."),
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
    if json_out:
        print_json(
            {
                "events": built["events"],
                "findings": len(built["findings"]),
                "written": [str(path) for path in written],
            }
        )
        return
    print(
        f"{built['events']} events reviewed, {len(built['findings'])} findings; wrote "
        + ", ".join(str(path) for path in written)
    )
