"""``shuzhi``: the hub's command line."""

from __future__ import annotations

import getpass
import os
import sys

import typer

from audit.operator import set_operator
from cli.errors import one_line
from cli.lazy_group import LazyCommandGroup
from home.permissions import keep_new_files_private

app = typer.Typer(
    name="shuzhi",
    help="Shuzhi (数治): privacy-preserving data sharing for street-level government.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Each command is imported when it runs: cli/command_table.py lists them.
    cls=LazyCommandGroup,
)


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
    """Options of ``shuzhi`` itself, before the command (a Typer app with no command of
    its own becomes a group only through a callback)."""


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
