"""``shuzhi principals``: who can ask the hub for data."""

from __future__ import annotations

import typer

from cli.output import print_json, print_table

app = typer.Typer(
    help="Principals: street offices, departments, stewards, reviewers.", no_args_is_help=True
)


@app.command("list")
def list_(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Principals with their kind and jurisdiction."""
    from home.layout import config_dir
    from policies.loader import load_policies

    principals = load_policies(config_dir()).principals
    entries = [
        {
            "id": p.id,
            "kind": p.kind,
            "name": p.name,
            "jurisdiction": p.jurisdiction,
            "street": p.street,
            "community": p.community,
            "department": p.department,
        }
        for p in principals
    ]
    if json_out:
        print_json(entries)
        return
    print_table(
        "Principals",
        ["id", "kind", "name", "jurisdiction"],
        [[e["id"], e["kind"], e["name"], e["jurisdiction"]] for e in entries],
    )
