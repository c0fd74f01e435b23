"""Load DuckDB extensions from the files their Python wheels ship.

Nothing may be downloaded at run time, so every extension comes from a
``duckdb-extension-*`` wheel pinned to the DuckDB version, loaded by path with
autoinstall and autoload switched off.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import duckdb

# extension name → the wheel's package that carries it
_PACKAGES = {
    "ducklake": "duckdb_extension_ducklake",
    "httpfs": "duckdb_extension_httpfs",
    "sqlite_scanner": "duckdb_extension_sqlite_scanner",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
    "mysql_scanner": "duckdb_extension_mysql_scanner",
}

OFFLINE_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


class ExtensionMissing(RuntimeError):
    """An extension's wheel is not installed."""


@cache
def extension_path(name: str) -> Path:
    package = _PACKAGES[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionMissing(
            f"DuckDB extension {name!r} is not installed (pip package {package})"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    folder = root / "extensions" / f"v{duckdb.__version__}"
    files = sorted(folder.glob("*.duckdb_extension"))
    if not files:
        raise ExtensionMissing(
            f"DuckDB extension {name!r}: no build for DuckDB {duckdb.__version__} in {root}"
        )
    return files[0]


def load_extensions(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    for name in names:
        con.execute(f"LOAD '{extension_path(name)}'")


def offline_connection(
    database: str = ":memory:", **config: str | bool | int | float
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that will never try to fetch an extension."""
    merged: dict[str, str | bool | int | float | list[str]] = {**OFFLINE_CONFIG, **config}
    return duckdb.connect(database, config=merged)
