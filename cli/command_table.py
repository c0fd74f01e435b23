"""Every ``shuzhi`` command: where it lives and its one-line help, without importing it.

``shuzhi --help`` lists the commands from this table, and only the command that runs
is imported (cli/lazy_group.py), so a command pays for its own imports alone. A new
command is added here; tests/cli/test_cli_startup.py checks that each line's help is
the first paragraph of the command's own help and that the table names every module.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommandEntry:
    """``module:attribute`` is a command function, or a Typer app of subcommands."""

    module: str
    attribute: str
    help: str  # the first paragraph of the command's help, as ``shuzhi --help`` shows it


# In the order ``shuzhi --help`` lists them.
COMMANDS: dict[str, CommandEntry] = {
    "demo": CommandEntry(
        "cli.demo_command",
        "demo",
        "Build a demo district of 3 streets and its department systems (cases from five\n"
        "channels), then run every pipeline.",
    ),
    "query": CommandEntry(
        "cli.query_command",
        "query",
        "Run a read query in PRINCIPAL's data room: only its granted rows and columns.",
    ),
    "reveal": CommandEntry(
        "cli.reveal_command",
        "reveal",
        "Open the granted sealed columns of DATASET's rows whose token is TOKEN.",
    ),
    "run": CommandEntry(
        "cli.run_command",
        "run",
        "Run a pipeline job once, showing each step; fails if any step or blocking check fails.",
    ),
    "bench": CommandEntry(
        "cli.bench_command",
        "bench",
        "Run floor and governed paths on the same generated sources; write JSON, table and chart.",
    ),
    "bench-workers": CommandEntry(
        "cli.bench_workers_command",
        "bench_workers",
        "Refresh the whole district as Dagster runs it, once per worker count, each on a fresh\n"
        "lakehouse (the scaled-out one when SHUZHI_LAKE_CONFIG is set); time and peak memory\n"
        "per stage as JSON, a table and a chart.",
    ),
    "serve": CommandEntry(
        "cli.serve_command",
        "serve",
        "Serve the pages at http://HOST:PORT/ and the API at /api/v1 (OpenAPI at\n"
        "/api/v1/openapi.json).",
    ),
    "backup": CommandEntry(
        "cli.backup_command",
        "backup",
        "Write a consistent snapshot of the home (lakehouse, wrapped keys, audit log, state)\n"
        "to one file; the master key is never in it.",
    ),
    "restore": CommandEntry(
        "cli.backup_command",
        "restore",
        "Restore a backup into a new home at any path, then verify it: the audit chain,\n"
        "every table and every sealed value; the rooms are built again.",
    ),
    "catalog": CommandEntry(
        "cli.catalog_command", "app", "The catalogue of datasets and products."
    ),
    "quality": CommandEntry(
        "cli.quality_command", "app", "Data quality: results per rule, scores, Data Docs."
    ),
    "principals": CommandEntry(
        "cli.principals_command",
        "app",
        "Principals: street offices, departments, stewards, reviewers.",
    ),
    "products": CommandEntry(
        "cli.products_command", "app", "Data products as their users read them."
    ),
    "audit": CommandEntry("cli.audit_command", "app", "The hash-chained audit log."),
    "sources": CommandEntry(
        "cli.sources_command", "app", "Department sources: list, check, sync, batches, accept."
    ),
    "cases": CommandEntry(
        "cli.cases_command", "app", "Cases merged from several channels: explain, split, merge."
    ),
    "pii": CommandEntry("cli.pii_command", "app", "Personal-data detection (offline, Presidio)."),
    "keys": CommandEntry("cli.keys_command", "app", "Data, token and master keys."),
    "access": CommandEntry(
        "cli.access_command",
        "app",
        "Access requests (有条件共享): request, approve, deny, revoke, list; explain access.",
    ),
    "lake": CommandEntry(
        "cli.lake_command",
        "app",
        "The lakehouse: retention, vacuum of files no snapshot refers to.",
    ),
    "users": CommandEntry(
        "cli.users_command", "app", "People who sign in: add, list, disable, reset."
    ),
    "api": CommandEntry("cli.api_command", "app", "The HTTP API's client systems."),
}
