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


@app.callback()
def _root() -> None:
    # A Typer app with no command of its own becomes a group only through a callback.
    pass


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
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if os.environ.get("SHUZHI_DEBUG"):
            raise
        line, code = one_line(exc)
        print(line, file=sys.stderr)
        sys.exit(code)


if __name__ == "__main__":
    run()
