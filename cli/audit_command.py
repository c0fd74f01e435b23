"""``shuzhi audit``: prove the audit log is intact."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.errors import CliError

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
    if not result.ok:
        raise CliError(f"audit log {path} is damaged: {'; '.join(result.problems)}")
    history = signs_of_history(home.root)
    if result.events == 0 and history:
        state = "empty" if path.exists() else "missing"
        raise CliError(
            f"audit log {path} is {state}, but this hub has history ({', '.join(history)}): "
            "the log was removed or replaced; restore it from its backup"
        )
    checked = f", checked against {against}" if against else ""
    print(
        f"audit log intact: {result.events} events, head {result.head_hash or '-'}; "
        f"{result.checkpoints} signed checkpoints, {result.unsealed} events since the last"
        f"{checked}"
    )


@checkpoint_app.command("export")
def checkpoint_export(
    out: Path = typer.Option(..., "--out", help="File to write (keep it off this hub)."),
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
    upto = f", the last at seq {last['seq']}" if last else ""
    print(f"wrote {len(lines)} checkpoints{upto} to {out}")


@checkpoint_app.command("rotate-key")
def checkpoint_rotate_key() -> None:
    """Sign new checkpoints with a new key; the old public key stays trusted."""
    from audit.signing_key import SigningKeyError, rotate_signing_key
    from home.layout import Home

    try:
        key = rotate_signing_key(Home.from_env().keys)
    except SigningKeyError as problem:
        raise CliError(str(problem)) from None
    print(f"new audit signing key {key.key_id}; export the checkpoints again to carry its key")
