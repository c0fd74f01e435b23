"""``shuzhi api clients``: client systems (API registration) on the hub host."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from cli.errors import CliError, Refused
from cli.output import print_table
from cli.users_command import operator

app = typer.Typer(help="The HTTP API's client systems.", no_args_is_help=True)
clients = typer.Typer(
    help="Client systems: register, approve, list, rotate, revoke.", no_args_is_help=True
)
app.add_typer(clients, name="clients")


def _refusals() -> tuple[type[Exception], ...]:
    from identity.clients import ClientRefused
    from policies.client_approval import ClientApprovalRefused

    return (ClientRefused, ClientApprovalRefused)


@contextmanager
def _client_errors() -> Iterator[None]:
    """A refusal is a refusal (exit 2); an unknown client id an error (exit 1)."""
    from identity.clients import UnknownClient

    try:
        yield
    except _refusals() as refusal:
        raise Refused(str(refusal)) from None
    except UnknownClient as missing:
        raise CliError(str(missing.args[0])) from None


def _print_key(key: str) -> None:
    typer.echo("key (shown once, store it now):", err=True)
    typer.echo(key)


@clients.command("register")
def register(
    principal: str = typer.Option(..., "--principal", help="The principal it acts for."),
    name: str = typer.Option(..., "--name", help="The system's name."),
    scopes: str = typer.Option(..., "--scopes", help="Comma-separated, e.g. products:read,query."),
) -> None:
    """Register a client system; it waits for a steward's approval."""
    from identity.clients import register_client
    from pipelines.hub import Hub

    wanted = [s.strip() for s in scopes.split(",") if s.strip()]
    with _client_errors():
        client = register_client(
            Hub.from_env(), principal=principal, name=name, scopes=wanted, requested_by=operator()
        )
    typer.echo(
        f"{client.id}: pending for {principal} ({', '.join(client.scopes)}); a steward approves "
        f"with `shuzhi api clients approve {client.id} --as STEWARD --reason ...`"
    )


@clients.command("approve")
def approve(
    client_id: str = typer.Argument(..., help="The client, e.g. c-0001."),
    steward: str = typer.Option(..., "--as", help="The steward principal approving."),
    reason: str = typer.Option(..., "--reason", help="Why (audited)."),
    expires_days: int = typer.Option(365, "--expires-days", help="Days the key is valid."),
) -> None:
    """Approve a client: its key is printed once, never again."""
    import getpass

    from identity.clients import approve_client
    from identity.models import Identity
    from pipelines.hub import Hub

    approver = Identity("operator", getpass.getuser(), steward, "cli")
    with _client_errors():
        issued = approve_client(
            Hub.from_env(), client_id, approver=approver, reason=reason, expires_days=expires_days
        )
    until = issued.expires_at.isoformat(timespec="minutes")
    typer.echo(f"{client_id}: approved; key valid until {until}")
    _print_key(issued.key)


@clients.command("list")
def list_(
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Client systems with their principal, scopes, state and key expiry."""
    from identity.clients import all_clients
    from identity.users import utc_now
    from pipelines.hub import Hub

    now = utc_now()
    found = all_clients(Hub.from_env())
    if json_out:
        from cli.output import print_json

        print_json(
            [
                {
                    "id": c.id,
                    "principal": c.principal,
                    "name": c.name,
                    "scopes": list(c.scopes),
                    "state": c.state,
                    "live_keys": len(c.live_keys(now)),
                    "expires_at": max((k.expires_at for k in c.live_keys(now)), default=None),
                }
                for c in found
            ]
        )
        return
    rows = []
    for c in found:
        live = c.live_keys(now)
        until = max(k.expires_at for k in live).strftime("%Y-%m-%d") if live else ""
        rows.append([c.id, c.principal, c.name, ",".join(c.scopes), c.state, len(live), until])
    print_table(
        "Client systems",
        ["id", "principal", "name", "scopes", "state", "live keys", "until"],
        rows,
        caption=None if found else "no client systems yet (`shuzhi api clients register`)",
    )


@clients.command("rotate")
def rotate(
    client_id: str = typer.Argument(..., help="The client, e.g. c-0001."),
    overlap_hours: int = typer.Option(24, "--overlap-hours", help="Old key stays valid this long."),
    expires_days: int = typer.Option(365, "--expires-days", help="Days the new key is valid."),
) -> None:
    """A new key, printed once; the old one stays valid for the overlap."""
    from identity.clients import rotate_client_key
    from pipelines.hub import Hub

    with _client_errors():
        issued = rotate_client_key(
            Hub.from_env(),
            client_id,
            actor=operator(),
            overlap_hours=overlap_hours,
            expires_days=expires_days,
        )
    typer.echo(f"{client_id}: new key; old keys valid {overlap_hours} h more")
    _print_key(issued.key)


@clients.command("revoke")
def revoke(
    client_id: str = typer.Argument(..., help="The client, e.g. c-0001."),
    reason: str = typer.Option(..., "--reason", help="Why (audited)."),
) -> None:
    """Revoke a client: every key it holds is refused from now on."""
    from identity.clients import revoke_client
    from pipelines.hub import Hub

    with _client_errors():
        revoke_client(Hub.from_env(), client_id, actor=operator(), reason=reason)
    typer.echo(f"{client_id}: revoked")


@app.command("usage")
def usage(
    since: str = typer.Option("", "--since", help="First day to show, YYYY-MM-DD."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Calls, rows, bytes, errors and latency per day, caller, principal and product."""
    import datetime as dt

    from cli.output import print_json
    from metering.api_usage import load_pending, usage_report
    from pipelines.hub import Hub

    try:
        first = dt.date.fromisoformat(since) if since else None
    except ValueError:
        raise CliError(f"--since {since!r} is not a date like 2026-12-01") from None
    hub = Hub.from_env()
    with hub.lake() as con:
        load_pending(con, hub.home.state)  # what the service recorded since the last look
        rows = usage_report(con, since=first)
    if json_out:
        print_json({"usage": rows})
        return
    columns = ["day", "caller", "principal", "product", "calls", "rows", "bytes", "errors",
               "p50_ms", "p95_ms"]  # fmt: skip
    print_table(
        "API usage", columns, [[row[c] for c in columns] for row in rows],
        caption=f"{len(rows)} lines" + (f" since {first}" if first else ""),
    )  # fmt: skip
