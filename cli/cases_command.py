"""``shuzhi cases``: why channel records are one case, and a steward's overrides of it."""

from __future__ import annotations

import typer

from cli.errors import CliError, Refused, naming_known_principals
from cli.output import print_json, print_table

app = typer.Typer(
    help="Cases merged from several channels: explain, split, merge.", no_args_is_help=True
)
DATASET_HELP = "The dataset whose records are merged (its contract has a merge: rule)."


@app.command("explain")
def explain(
    ident: str = typer.Argument(..., help="A case id (C-…) or a record id (<source>:<case no>)."),
    dataset: str = typer.Option("cases", "--dataset", help=DATASET_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The case's records, the rule and evidence of every link, and the steward's overrides."""
    from case_merge.explain import UnknownCase, explain_case
    from pipelines.hub import Hub

    hub = Hub.from_env()
    if dataset not in hub.catalog.datasets:
        raise CliError(f"no dataset named {dataset!r}")
    try:
        with hub.lake() as con:
            found = explain_case(con, hub.catalog.datasets[dataset], ident)
    except (UnknownCase, ValueError) as problem:
        raise CliError(str(problem)) from None
    if json_out:
        print_json(found.as_dict())
        return
    shown = [k for k in found.records[0] if k not in ("record_id", "source")]
    print_table(
        f"Case {found.case_id}: {len(found.records)} channel record(s)",
        ["record", "source", *shown],
        [[r["record_id"], r["source"], *(str(r[k] or "-") for k in shown)] for r in found.records],
    )
    if found.links:
        print_table(
            "Links (tokens compared, never values)",
            [
                "record",
                "linked to",
                "rule",
                "same token",
                "hours apart",
                "text similarity",
                "override",
            ],
            [
                [
                    link["record_id"],
                    link["linked_to"],
                    link["rule"],
                    link["same_token"] or "-",
                    "-" if link["gap_hours"] is None else f"{link['gap_hours']:g}",
                    "-" if link["similarity"] is None else f"{link['similarity']:.3f}",
                    link["override_id"] or "-",
                ]
                for link in found.links
            ],
        )
    for override in found.overrides:
        print(
            f"override {override.override_id}: {override.action} {', '.join(override.records)} "
            f"by {override.steward} at {override.made_at}: {override.reason}"
        )
    rules = "; ".join(
        f"{r['name']}: same {r['same']} within {r['within_hours']:g} h, text ≥ {r['min_similarity']:g}"
        for r in found.rules
    )
    print(f"rules: {rules}")


def _override(
    action: str, dataset: str, records: list[str], principal: str, reason: str, json_out: bool
) -> None:
    from case_merge.steward import UnknownRecord, merge_records, split_record
    from pipelines.hub import Hub
    from policies.steward_actions import StewardActionRefused

    hub = Hub.from_env()
    try:
        if action == "split":
            override, result = split_record(hub, dataset, records[0], principal, reason)
        else:
            override, result = merge_records(
                hub, dataset, records[0], records[1], principal, reason
            )
    except StewardActionRefused as refusal:
        with naming_known_principals(hub.config_policies, principal):
            raise Refused(str(refusal)) from None
    except (UnknownRecord, ValueError) as problem:
        raise CliError(str(problem)) from None
    if json_out:
        print_json(
            {
                "override": override.override_id,
                "action": action,
                "records": records,
                "by": principal,
                "reason": override.reason,
                "made_at": override.made_at,
                "merged_records": result.merged_records,
                "merged_cases": result.merged_cases,
            }
        )
        return
    print(
        f"{override.override_id}: {action} {', '.join(records)} ({principal}: {override.reason}); "
        f"applied now and at every merge: {result.merged_records:,} records merged into "
        f"{result.merged_cases:,} cases"
    )
    print("products and data rooms refresh on the next pipeline run: `shuzhi run`")


@app.command("split")
def split(
    record: str = typer.Argument(..., help="The record to take out of its case."),
    principal: str = typer.Option(..., "--as", help="The dataset's steward (principal id)."),
    reason: str = typer.Option(..., "--reason", help="Why these are not one case (audited)."),
    dataset: str = typer.Option("cases", "--dataset", help=DATASET_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Take a record out of the case it was merged into: steward only, audited, kept."""
    _override("split", dataset, [record], principal, reason, json_out)


@app.command("merge")
def merge(
    first: str = typer.Argument(..., help="A record id."),
    second: str = typer.Argument(..., help="Another record id, of the same incident."),
    principal: str = typer.Option(..., "--as", help="The dataset's steward (principal id)."),
    reason: str = typer.Option(..., "--reason", help="Why these are one case (audited)."),
    dataset: str = typer.Option("cases", "--dataset", help=DATASET_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Force two records into one case: steward only, audited, kept."""
    _override("merge", dataset, [first, second], principal, reason, json_out)
