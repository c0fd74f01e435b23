"""``shuzhi keys``: the key hierarchy — status, rotation, retirement, crypto-shredding."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from cli.errors import CliError
from cli.output import print_json, print_table, progress_printer

app = typer.Typer(help="Data, token and master keys.", no_args_is_help=True)

BY = typer.Option(None, "--by", help="Who is acting (audited); default: the login name.")
JSON = typer.Option(False, "--json", help="Print JSON (progress goes to stderr).")


def _actor(by: str | None) -> str:
    """Who acts, as the audit log names them: a typed name or number becomes its tag."""
    from audit.free_text import clean_free_text

    return clean_free_text(by) if by else f"operator:{getpass.getuser()}"


def _datasets(dataset: list[str] | None) -> set[str] | None:
    return set(dataset) if dataset else None


@app.command("status")
def status(
    dataset: str | None = typer.Option(None, "--dataset", help="Only this dataset's keys."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Every key with its versions, and how many values in the lake each version sealed."""
    from pipelines.hub import Hub
    from pipelines.key_steps import key_status

    rows = key_status(Hub.from_env(), dataset)
    if json_out:
        print_json(
            [
                {
                    "kind": r.kind,
                    "name": r.name,
                    "current": r.current,
                    "held": list(r.held),
                    "destroyed": list(r.destroyed),
                    "note": r.note,
                    "values": {str(k): v for k, v in r.values.items()},
                }
                for r in rows
            ]
        )
        return
    print_table(
        "keys",
        ["kind", "key", "current", "held", "destroyed", "values per version", "note"],
        [
            [
                r.kind,
                r.name,
                r.current,
                ", ".join(f"v{v}" for v in r.held),
                ", ".join(f"v{v}" for v in r.destroyed),
                ", ".join(f"v{k}: {n:,}" for k, n in sorted(r.values.items(), key=str)),
                r.note,
            ]
            for r in rows
        ],
    )


@app.command("rotate")
def rotate(
    dataset: list[str] = typer.Option(None, "--dataset", help="Rotate only these datasets."),
    master: bool = typer.Option(False, "--master", help="Rotate the master key instead."),
    new_key_file: Path | None = typer.Option(
        None, "--new-key-file", help="With --master: re-wrap under this key (env/KMS providers)."
    ),
    by: str | None = BY,
    json_out: bool = JSON,
) -> None:
    """New data key versions and every value re-encrypted (or, with --master, every key
    re-wrapped). Readers keep working; a stopped rotation completes when run again."""
    from pipelines.hub import Hub
    from pipelines.key_steps import rotate_keys_step, rotate_master_step

    hub = Hub.from_env()
    if master:
        if dataset:
            raise CliError("--master re-wraps every key; it takes no --dataset")
        count = rotate_master_step(hub, _actor(by), new_key_file)
        if json_out:
            print_json({"master_key_rotated": True, "keys_rewrapped": count})
            return
        print(f"master key rotated: {count} keys re-wrapped; no data rewritten")
        return
    if new_key_file is not None:
        raise CliError("--new-key-file goes with --master")
    report = rotate_keys_step(
        hub, _actor(by), _datasets(dataset), progress=progress_printer(json_out)
    )
    if json_out:
        print_json(
            {
                "keys": [
                    {"dataset": ds, "column": col, "current": version}
                    for (ds, col), version in report.targets.items()
                ],
                "rows_reencrypted": report.rows,
                "tables": [t.__dict__ for t in report.tables],
            }
        )
        return
    print(
        f"{len(report.targets)} data keys rotated, {report.rows:,} rows re-encrypted; "
        "old versions stay readable until `shuzhi keys retire`"
    )


@app.command("retire")
def retire(
    dataset: list[str] = typer.Option(None, "--dataset", help="Only these datasets."),
    by: str | None = BY,
    json_out: bool = JSON,
) -> None:
    """Destroy old data key versions that no value in the lake uses any more (and, without
    --dataset, old token key versions no token uses; their old→new maps stay)."""
    from pipelines.hub import Hub
    from pipelines.key_steps import retire_keys_step

    outcomes = retire_keys_step(Hub.from_env(), _actor(by), _datasets(dataset))
    if json_out:
        print_json([o.__dict__ for o in outcomes])
        return
    print_table(
        "old key versions",
        ["key", "version", "outcome"],
        [
            [
                o.key,
                f"v{o.version}",
                "retired" if o.retired else f"kept: {o.values_left:,} values still use it",
            ]
            for o in outcomes
        ],
        caption=f"{sum(o.retired for o in outcomes)} retired",
    )


@app.command("shred")
def shred(
    dataset: str = typer.Option(..., "--dataset", help="The dataset whose keys to destroy."),
    reason: str = typer.Option(..., "--reason", help="Why (kept in the key store and audit)."),
    yes: bool = typer.Option(False, "--yes", help="Confirm: the values become unrecoverable."),
    by: str | None = BY,
    json_out: bool = JSON,
) -> None:
    """Crypto-shredding: unlink DATASET's rows from their people (tokens and identifying
    columns emptied in every layer; products and rooms rebuilt; older snapshots expired),
    then destroy every data key of DATASET, so its sealed values are gone from every copy
    (lake files, backups). Key store backups must follow."""
    from pipelines.hub import Hub
    from pipelines.key_steps import shred_step

    if not yes:
        raise CliError(f"shredding {dataset} cannot be undone; add --yes to confirm")
    destroyed = shred_step(
        Hub.from_env(), _actor(by), dataset, reason, progress=progress_printer(json_out)
    )
    versions = sum(len(v) for v in destroyed.values())
    if json_out:
        print_json({"dataset": dataset, "destroyed": destroyed, "key_versions": versions})
        return
    print(f"{dataset}: {versions} key versions of {len(destroyed)} columns destroyed")


@app.command("rotate-tokens")
def rotate_tokens(
    domain: str = typer.Option(..., "--domain", help="Identifier domain, e.g. resident_id."),
    apply: bool = typer.Option(False, "--apply", help="Carry out the plan."),
    by: str | None = BY,
    json_out: bool = JSON,
) -> None:
    """Plan (default) or apply a token key rotation: every token column of the domain
    moves at once, an old→new map is kept in lake.meta.token_maps, products and rooms
    are rebuilt."""
    from pipelines.hub import Hub
    from pipelines.key_steps import apply_tokens_step, plan_tokens_step

    hub = Hub.from_env()
    if apply:
        result = apply_tokens_step(hub, _actor(by), domain, progress=progress_printer(json_out))
        if json_out:
            print_json(
                {
                    "domain": domain,
                    "applied": True,
                    "version": result.plan.to_version,
                    "rows_changed": result.rows_changed,
                    "tokens_mapped": result.tokens_mapped,
                }
            )
            return
        print(
            f"{domain}: tokens now v{result.plan.to_version}; {result.tokens_mapped:,} old "
            "tokens mapped in lake.meta.token_maps"
        )
        return
    plan = plan_tokens_step(hub, _actor(by), domain)
    if json_out:
        print_json(
            {
                "domain": domain,
                "applied": False,
                "current": plan.current,
                "to_version": plan.to_version,
                "columns": [
                    {"column": loc.column.where, "rows": loc.rows, "to_change": loc.to_change}
                    for loc in plan.locations
                ],
                "products": plan.products,
            }
        )
        return
    print_table(
        f"token rotation plan: {domain} v{plan.current} → v{plan.to_version}",
        ["column", "rows with tokens", "rows to change"],
        [[loc.column.where, loc.rows, loc.to_change] for loc in plan.locations],
        caption=(
            f"then rebuilt: products {', '.join(plan.products) or '-'} and every room. "
            f"Apply with: shuzhi keys rotate-tokens --domain {domain} --apply"
        ),
    )
