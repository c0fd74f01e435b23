"""``shuzhi access``: ask for a 有条件共享 product, decide, revoke, and explain access."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, cast, get_args

import typer

from cli.errors import CliError, Refused, known_principals, naming_known_principals
from cli.output import print_json, print_table

if TYPE_CHECKING:
    from pipelines.access_steps import AccessOutcome
    from pipelines.hub import Hub
    from policies.models import RowScope

app = typer.Typer(
    help="Access requests (有条件共享): request, approve, deny, revoke, list; explain access.",
    no_args_is_help=True,
)


def _hub() -> Hub:
    from pipelines.access_steps import expire_due
    from pipelines.hub import Hub

    hub = Hub.from_env()
    for outcome in expire_due(hub):
        typer.echo(
            f"{outcome.request.id}: grant for {outcome.request.product} to "
            f"{outcome.request.principal} expired on {outcome.request.until}; room rebuilt",
            err=True,
        )
    return hub


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CliError(f"--until {text!r} is not a date (YYYY-MM-DD)") from None


JSON = typer.Option(False, "--json", help="Print JSON: the request as `access list --json`.")


def _rows(text: str) -> RowScope | None:
    """``--rows`` as typed: one of the grants' row scopes, or None when not given."""
    from policies.models import RowScope

    if not text:
        return None
    known = get_args(RowScope)
    if text not in known:
        raise CliError(f"--rows {text!r} is not a row scope (one of: {', '.join(known)})")
    return cast("RowScope", text)


def _treatments(pairs: list[str]) -> dict[str, str]:
    """``--treat COLUMN=TREATMENT`` (or ``L3=TREATMENT`` for a level), repeatable."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise CliError(
                f"--treat {pair!r} is not COLUMN=TREATMENT (e.g. legal_rep_phone=token, L3=withheld)"
            )
        out[key.strip()] = value.strip()
    return out


def _decide(
    action: str,
    request_id: str,
    steward: str,
    reason: str,
    *,
    rows: RowScope | None = None,
    treatments: dict[str, str] | None = None,
    json_out: bool = False,
) -> AccessOutcome:
    from pipelines.access_steps import decide_request
    from policies.access_requests import AccessRequestRefused, UnknownRequest

    hub = _hub()
    try:
        outcome = decide_request(
            hub,
            action,  # type: ignore[arg-type]
            request_id,
            steward=steward,
            reason=reason,
            rows=rows,
            treatments=treatments,
        )
    except AccessRequestRefused as refusal:
        with naming_known_principals(hub.config_policies, steward):
            raise Refused(str(refusal)) from None
    except UnknownRequest as missing:
        raise CliError(str(missing.args[0])) from None
    request = outcome.request
    if json_out:
        room = outcome.room
        print_json(
            {
                **request.summary(dt.date.today()),
                "room_rebuilt": None if room is None else sorted(room.products),
            }
        )
        return outcome
    line = f"{request.id}: {request.state} by {steward}"
    if request.grant is not None and action == "approve":
        line += f"; grant {request.grant.id} lets {request.principal} see {request.product}"
        line += f" until {request.until}, rows {request.grant.rows}"
    if outcome.room is not None:
        visible = ", ".join(sorted(outcome.room.products)) or "no products"
        line += f"; room of {request.principal} rebuilt ({visible})"
    typer.echo(line)
    return outcome


@app.command("request")
def request(
    product: str = typer.Argument(..., help="The product to ask for."),
    principal: str = typer.Option(..., "--as", help="The principal asking."),
    purpose: str = typer.Option(..., "--purpose", help="Why the data is needed (audited)."),
    until: str = typer.Option(..., "--until", help="Last day of access, YYYY-MM-DD."),
    rows: str = typer.Option(
        "",
        "--rows",
        help="Rows asked for: own_street, own_community, own_jurisdiction or district "
        "(default: your own jurisdiction; district for a department).",
    ),
    json_out: bool = JSON,
) -> None:
    """Ask for PRODUCT for a stated purpose until a date; a steward then decides."""
    from pipelines.access_steps import request_access
    from policies.access_requests import AccessRequestRefused

    hub = _hub()
    try:
        made = request_access(
            hub,
            principal=principal,
            product=product,
            purpose=purpose,
            until=_date(until),
            rows=_rows(rows),
        )
    except AccessRequestRefused as refusal:
        with naming_known_principals(hub.config_policies, principal):
            raise Refused(str(refusal)) from None
    if json_out:
        print_json(made.summary(dt.date.today()))
        return
    typer.echo(
        f"{made.id}: {principal} asks for {product} until {made.until}; "
        f"a steward decides with `shuzhi access approve {made.id}` or `deny`"
    )


@app.command("approve")
def approve(
    request_id: str = typer.Argument(..., help="The request, e.g. req-0001."),
    steward: str = typer.Option(..., "--as", help="The steward deciding."),
    reason: str = typer.Option(..., "--reason", help="Why it is approved (audited)."),
    rows: str = typer.Option(
        "",
        "--rows",
        help="Narrower rows than asked: own_street, own_community, own_jurisdiction "
        "(never wider than the request).",
    ),
    treat: list[str] = typer.Option(
        [],
        "--treat",
        help="A stricter treatment than asked, COLUMN=TREATMENT or L1..L4=TREATMENT "
        "(withheld, token, year_only, masked); repeatable.",
    ),
    json_out: bool = JSON,
) -> None:
    """Approve a request, as asked or narrower: a grant is created and the principal's
    room rebuilt."""
    _decide(
        "approve",
        request_id,
        steward,
        reason,
        rows=_rows(rows),
        treatments=_treatments(treat),
        json_out=json_out,
    )


@app.command("deny")
def deny(
    request_id: str = typer.Argument(..., help="The request, e.g. req-0001."),
    steward: str = typer.Option(..., "--as", help="The steward deciding."),
    reason: str = typer.Option(..., "--reason", help="Why it is denied (audited)."),
    json_out: bool = JSON,
) -> None:
    """Deny a request, with the reason the requester will read."""
    _decide("deny", request_id, steward, reason, json_out=json_out)


@app.command("revoke")
def revoke(
    request_id: str = typer.Argument(..., help="The approved request, e.g. req-0001."),
    steward: str = typer.Option(..., "--as", help="The steward revoking."),
    reason: str = typer.Option(..., "--reason", help="Why it is revoked (audited)."),
    json_out: bool = JSON,
) -> None:
    """Revoke an approved request: its grant ends now and leaves the room at once."""
    _decide("revoke", request_id, steward, reason, json_out=json_out)


@app.command("list")
def list_(
    principal: str = typer.Option(
        "", "--as", help="Only this principal's requests (a steward sees all)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Access requests with their state, until date, who decided and why."""
    hub = _hub()
    today = dt.date.today()
    requests = hub.access_requests.all()
    if principal:
        who = hub.config_policies.principal(principal)
        if who is None:
            raise Refused(
                f"unknown principal {principal!r}; {known_principals(hub.config_policies)}"
            )
        if who.kind != "steward":
            requests = [r for r in requests if r.principal == principal]
    entries = [r.summary(today) for r in requests]
    if json_out:
        print_json(entries)
        return
    print_table(
        "Access requests",
        ["id", "principal", "product", "state", "until", "decided by", "reason"],
        [
            [
                e["id"],
                e["principal"],
                e["product"],
                e["state"],
                e["until"],
                e["decided_by"],
                e["reason"],
            ]
            for e in entries
        ],
        caption=None if entries else "no access requests yet",
    )


@app.command("explain")
def explain(
    product: str = typer.Argument(..., help="The product."),
    principal: str = typer.Option(..., "--as", help="The principal to explain for."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Which rows and columns PRINCIPAL would see of PRODUCT, with which treatment, because
    of which grant or rule; for a denial, every reason. The decision is audited."""
    from audit.free_text import clean_details, clean_free_text
    from policies.explain import explain as explain_access

    hub = _hub()
    found = explain_access(
        principal,
        hub.catalog.products.get(product),
        hub.policies,
        product_name=product,
        requests=hub.access_requests.all(),
    )
    details: dict[str, object] = {
        "principal": principal,
        "product": product,
        "allowed": found.allowed,
        "grants": found.decision.grants,
        "reasons": found.reasons,
        "via": "access explain",
    }
    # The principal and product are as typed, and the reasons may quote them.
    hub.audit.append("decision", clean_free_text(principal), clean_details(details))
    # Nothing to explain about a name that is not there: say so, and exit non-zero
    # (a refusal for the principal, as a query's; not found for the product, as elsewhere).
    if hub.config_policies.principal(principal) is None:
        raise Refused(f"unknown principal {principal!r}; {known_principals(hub.config_policies)}")
    if product not in hub.catalog.products:
        known = ", ".join(sorted(hub.catalog.products))
        raise CliError(f"no product {product!r} in the catalogue (known products: {known})")
    if json_out:
        print_json(found.as_json())
        return
    verdict = "ALLOWED" if found.allowed else "DENIED"
    sharing = f" ({found.sharing})" if found.sharing else ""
    typer.echo(f"{principal} → {product}{sharing}: {verdict}")
    if found.allowed:
        typer.echo(f"rows: {found.rows} — {found.rows_because}")
        print_table(
            None,
            ["column", "level", "treatment", "because"],
            [[c.name, c.level, c.treatment, c.because] for c in found.decision.columns],
        )
        for grant in found.grants:
            accepts = grant["purposes"]
            accepted = ", ".join(accepts) if isinstance(accepts, list) else str(accepts)
            typer.echo(
                f"grant {grant['id']} ({grant['source']}): rows {grant['rows']}, "
                f"valid {grant['valid_from']}..{grant['valid_until']}; "
                f"purpose: {grant['purpose']}; accepts: {accepted}; "
                f"reason: {grant['reason']}"
            )
        return
    for reason in found.reasons:
        typer.echo(f"- {reason}")
    for grant in found.grants:
        state = "valid" if grant["valid_today"] else "not valid today"
        typer.echo(
            f"  grant {grant['id']} ({grant['source']}) covers it, {state}: "
            f"{grant['valid_from']}..{grant['valid_until']}"
        )
    if found.hint:
        typer.echo(found.hint)
