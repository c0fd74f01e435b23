"""``shuzhi reveal``: re-identify the rows behind a token, under a reveal grant (audited)."""

from __future__ import annotations

import typer

from cli.errors import CliError, Refused, naming_known_principals
from cli.output import print_json, print_table


def reveal(
    dataset: str = typer.Argument(..., help="The dataset to look in, e.g. assistance."),
    token: str = typer.Argument(..., help="The token to re-identify (t<version>_...)."),
    principal: str = typer.Option(..., "--as", help="The principal asking."),
    purpose: str = typer.Option(
        "",
        "--purpose",
        help="A purpose the reveal grant accepts: code or Chinese name (config/purposes.yaml); audited.",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Open the granted sealed columns of DATASET's rows whose token is TOKEN.

    Only under a reveal grant for PRINCIPAL, and only its rows (own street or
    community unless the grant is district-wide). Every attempt is audited.
    """
    from encryption.keystore import KeyStoreError
    from encryption.master_key import MasterKeyError
    from pipelines.hub import Hub
    from protection.reveal import RevealFailed, RevealRefused, audit_unanswerable
    from protection.reveal import reveal as reveal_rows

    hub = Hub.from_env()
    try:
        keystore = hub.keystore
    except (MasterKeyError, KeyStoreError) as error:
        audit_unanswerable(
            hub.audit,
            principal=principal,
            dataset=dataset,
            token=token,
            purpose=purpose,
            reason=f"{type(error).__name__}: {error}",
        )
        raise
    with hub.lake() as con, naming_known_principals(hub.policies, principal):
        try:
            result = reveal_rows(
                con,
                principal=principal,
                dataset=dataset,
                token=token,
                purpose=purpose,
                datasets=hub.catalog.datasets,
                policies=hub.policies,
                keystore=keystore,
                audit=hub.audit,
            )
        except RevealRefused as refusal:
            raise Refused(str(refusal)) from None
        except RevealFailed as failure:
            raise CliError(str(failure)) from None
    decision = result.decision
    if json_out:
        print_json(
            {
                "principal": result.principal,
                "dataset": result.dataset,
                "token": result.token,
                "grant": result.grant,
                "rows_of": decision.row_filter.description if decision.row_filter else "district",
                "revealed": result.revealed,
                "columns": result.columns,
                "rows": result.rows,
                "count": result.count,
            }
        )
        return
    caption = (
        f"{result.count} row{'s' if result.count != 1 else ''} of {result.dataset} "
        f"revealed to {result.principal} under {result.grant} (audited)"
    )
    print_table(
        None, result.columns, [[row[c] for c in result.columns] for row in result.rows], caption
    )
