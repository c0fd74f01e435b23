"""``shuzhi``: the hub's command line."""

from __future__ import annotations

import getpass
import os
import sys

import typer

from audit.log import set_operator
from cli import (
    access_command,
    api_command,
    audit_command,
    bench_command,
    cases_command,
    catalog_command,
    demo_command,
    keys_command,
    lake_command,
    pii_command,
    principals_command,
    products_command,
    quality_command,
    query_command,
    reveal_command,
    run_command,
    serve_command,
    sources_command,
    users_command,
)
from cli.errors import one_line
from home.permissions import keep_new_files_private

app = typer.Typer(
    name="shuzhi",
    help="Shuzhi (数治): privacy-preserving data sharing for street-level government.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("demo")(demo_command.demo)
app.command("query")(query_command.query)
app.command("reveal")(reveal_command.reveal)
app.command("run")(run_command.run)
app.command("bench")(bench_command.bench)
app.command("serve")(serve_command.serve)
app.add_typer(catalog_command.app, name="catalog")
app.add_typer(quality_command.app, name="quality")
app.add_typer(principals_command.app, name="principals")
app.add_typer(products_command.app, name="products")
app.add_typer(audit_command.app, name="audit")
app.add_typer(sources_command.app, name="sources")
app.add_typer(cases_command.app, name="cases")
app.add_typer(pii_command.app, name="pii")
app.add_typer(keys_command.app, name="keys")
app.add_typer(access_command.app, name="access")
app.add_typer(lake_command.app, name="lake")
app.add_typer(users_command.app, name="users")
app.add_typer(api_command.app, name="api")


def _print_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        typer.echo(f"shuzhi {version('shuzhi')}")
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(
        False,
        "--version",
        is_eager=True,
        callback=_print_version,
        help="Print the version and exit.",
    ),
) -> None:
    """Options of ``shuzhi`` itself, before the command."""


def run() -> None:
    """Console entry point: every failure becomes one clear line on stderr."""
    keep_new_files_private()  # before any command writes into the home
    # --as on the hub host is an operator acting for a principal: every event says so.
    set_operator(getpass.getuser())
    try:
        # Without standalone mode, click returns (not raises) a command's typer.Exit code.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        print("aborted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:
        # Typer 0.29 bundles its own click: the installed click's classes never match.
        from typer._click.exceptions import ClickException, NoArgsIsHelpError

        if isinstance(exc, ClickException):
            # A usage error (typo, missing option) shows click's usage message, exit 2;
            # a group without its command has already printed its help (rich does).
            if not isinstance(exc, NoArgsIsHelpError) or exc.format_message():
                exc.show()
            sys.exit(exc.exit_code)
        if os.environ.get("SHUZHI_DEBUG"):
            raise
        line, code = one_line(exc)
        print(line, file=sys.stderr)
        sys.exit(code)


if __name__ == "__main__":
    run()
