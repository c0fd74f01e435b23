"""Start-up: each command imports what it needs and no more; help reads as before.

Facts only, no timings: which heavy libraries a command has imported when it exits,
and that the lazily loaded commands (cli/lazy_group.py) show every help page exactly
as the same commands registered up front.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import typer
import typer.main
from typer.testing import CliRunner

from cli.command_table import COMMANDS
from cli.lazy_group import load_command
from cli.main import _options, app

# Libraries that take seconds to import under load, and the commands that need them.
HEAVY = frozenset(
    {
        "pandas",
        "great_expectations",
        "dagster",
        "presidio_analyzer",
        "jieba",
        "fastapi",
        "starlette",
        "uvicorn",
        "playwright",
        "matplotlib",
    }
)
# Runs shuzhi in-process and, at exit, prints every top-level module it imported.
_WRAPPER = """
import atexit, json, sys
atexit.register(lambda: print("IMPORTED " + json.dumps(sorted(sys.modules)), file=sys.stderr))
sys.argv = ["shuzhi", *sys.argv[1:]]
from cli.main import run
run()
"""


def _imports(home: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    env = {**os.environ, "SHUZHI_HOME": str(home), "COLUMNS": "200"}
    env.pop("SHUZHI_DEBUG", None)
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    line = next(ln for ln in done.stderr.splitlines() if ln.startswith("IMPORTED "))
    return done, set(json.loads(line.removeprefix("IMPORTED ")))


def _tops(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_help_imports_no_command_and_no_library_beyond_typer(tmp_path: Path) -> None:
    done, modules = _imports(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    assert "catalog" in done.stdout and "query" in done.stdout
    assert not _tops(modules) & (
        HEAVY | {"sqlglot", "cryptography", "numpy", "pyarrow", "duckdb", "pydantic"}
    )
    assert not {m for m in modules if m.startswith("cli.") and m.endswith("_command")}


def test_catalog_list_imports_neither_pandas_nor_dagster(demo: Any) -> None:
    done, modules = _imports(demo.home, "catalog", "list", "--json")
    assert done.returncode == 0, done.stderr
    assert {entry["name"] for entry in json.loads(done.stdout)} >= {"street_case_stats"}
    # DuckDB's client imports pandas, numpy and pyarrow for any bound parameter.
    assert not _tops(modules) & (HEAVY | {"sqlglot", "numpy", "pyarrow"})
    assert "cli.query_command" not in modules  # only the command that runs is imported


def test_a_query_imports_no_library_it_does_not_use(demo: Any) -> None:
    done, modules = _imports(
        demo.home,
        "query",
        "--as",
        "street_donghu",
        "--purpose",
        "street_governance",
        "--json",
        # An alias: the audited shape names it name_a. A placeholder with a digit (name1)
        # sent every such shape through the personal-data recognizers (Presidio, jieba).
        "select count(*) as cases from street_case_stats",
    )
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)["rows"]
    assert row["cases"] > 0
    assert not _tops(modules) & HEAVY
    assert "sqlglot" in _tops(modules)  # the statement check, which a query does need


def test_the_table_lists_every_command_module_with_its_own_first_line() -> None:
    modules = {path.stem for path in Path("cli").glob("*_command.py")}
    assert {entry.module.removeprefix("cli.") for entry in COMMANDS.values()} == modules
    root = typer.main.get_command(app)
    for name, entry in COMMANDS.items():
        command = load_command(name, entry, root)  # type: ignore[arg-type]
        own = inspect.cleandoc(command.short_help or command.help or "").split("\n\n")[0]
        assert entry.help == own, name


def _eager_app() -> typer.Typer:
    """The same commands registered up front, as cli/main.py did before they were lazy."""
    eager = typer.Typer(
        name="shuzhi",
        help="Shuzhi (数治): privacy-preserving data sharing for street-level government.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    eager.callback()(_options)  # shuzhi's own options (--version), as on the lazy app
    for name, entry in COMMANDS.items():
        target = getattr(__import__(entry.module, fromlist=[entry.attribute]), entry.attribute)
        if isinstance(target, typer.Typer):
            eager.add_typer(target, name=name)
        else:
            eager.command(name)(target)
    return eager


def _help_pages(application: typer.Typer) -> dict[tuple[str, ...], str]:
    """``--help`` of every command and subcommand path, by path."""
    runner = CliRunner()
    env = {"COLUMNS": "120", "TERM": "dumb"}
    pages: dict[tuple[str, ...], str] = {}

    def walk(path: tuple[str, ...], command: Any, ctx: Any) -> None:
        done = runner.invoke(application, [*path, "--help"], env=env)
        assert done.exit_code == 0, (path, done.output)
        pages[path] = done.output
        if hasattr(command, "list_commands"):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                walk((*path, name), sub, typer.Context(sub, info_name=name, parent=ctx))

    root = typer.main.get_command(application)
    walk((), root, typer.Context(root, info_name="shuzhi"))
    return pages


def test_every_help_page_reads_as_with_the_commands_registered_up_front() -> None:
    lazy, eager = _help_pages(app), _help_pages(_eager_app())
    assert sorted(lazy) == sorted(eager)
    assert len(lazy) > len(COMMANDS)  # the subcommands' pages too
    for path, page in eager.items():
        assert lazy[path] == page, path


def test_a_mistyped_command_is_answered_with_the_right_name() -> None:
    runner = CliRunner()
    assert "Did you mean 'catalog'?" in runner.invoke(app, ["catalg", "list"]).output
    assert "Did you mean 'list'?" in runner.invoke(app, ["catalog", "lst"]).output
    assert "Did you mean" not in runner.invoke(app, ["nope"]).output
