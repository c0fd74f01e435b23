"""``shuzhi audit``: prove the audit log is intact."""

from __future__ import annotations

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
