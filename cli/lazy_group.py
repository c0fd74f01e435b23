"""The root command group, which imports a command's module only when that command runs.

Importing every command module up front made ``shuzhi --help`` pay for all of them.
Here the listing comes from cli/command_table.py; a command is imported and built,
through Typer exactly as ``app.command(name)`` / ``app.add_typer(sub, name=name)`` did,
only when ``get_command`` is asked for it outside the root's own help page.
"""

from __future__ import annotations

import importlib
from difflib import get_close_matches
from typing import Any

import typer
from typer._click.exceptions import UsageError  # Typer vendors click and exports no UsageError
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command_from_info, get_group_from_info

from cli.command_table import COMMANDS, CommandEntry


def load_command(name: str, entry: CommandEntry, group: TyperGroup) -> Any:
    """The click command of ``entry``, built as when it was registered on the root app."""
    target = getattr(importlib.import_module(entry.module), entry.attribute)
    registered = typer.Typer()
    if isinstance(target, typer.Typer):
        registered.add_typer(target, name=name)
        return get_group_from_info(
            registered.registered_groups[0],
            pretty_exceptions_short=registered.pretty_exceptions_short,
            suggest_commands=group.suggest_commands,
            rich_markup_mode=group.rich_markup_mode,
        )
    registered.command(name)(target)
    return get_command_from_info(
        registered.registered_commands[0],
        pretty_exceptions_short=registered.pretty_exceptions_short,
        rich_markup_mode=group.rich_markup_mode,
    )


class LazyCommandGroup(TyperGroup):
    """``shuzhi``: commands from cli/command_table.py, each imported on first use."""

    _listing = False  # True while the root prints its own help page

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(name for name in COMMANDS if name not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        loaded = self.commands.get(cmd_name)
        if loaded is not None:
            return loaded
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        if self._listing:
            # The help page needs a name and a line, not the command's imports.
            return TyperCommand(cmd_name, help=entry.help)
        command = load_command(cmd_name, entry, self)
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except UsageError as error:
            # Typer suggests a name for a typo from the commands built so far; when those
            # gave none, the suggestion comes from the whole table, worded as Typer words it.
            if self.suggest_commands and args and not get_close_matches(args[0], self.commands):
                matches = get_close_matches(args[0], self.list_commands(ctx))
                if matches:
                    names = ", ".join(f"{match!r}" for match in matches)
                    error.message = f"{error.message.rstrip('.')}. Did you mean {names}?"
            raise
