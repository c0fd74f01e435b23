"""Open the DuckLake lakehouse.

Default: a SQLite catalogue and a local data folder under the home, so that
several Dagster processes can write at once. Scale-out: a PostgreSQL catalogue
and S3-compatible storage, set by SHUZHI_LAKE_CATALOG / SHUZHI_LAKE_DATA_PATH,
with the same code. Data files are always written ENCRYPTED and nothing is
inlined into the catalogue: DuckLake keeps inlined rows and per-file min/max
statistics in the catalogue in plaintext.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

import duckdb

from home.layout import Home
from lakehouse.extensions import load_extensions, offline_connection

LAKE = "lake"
SCHEMAS = ("raw", "staged", "quarantine", "protected", "products", "meta")


@dataclass(frozen=True)
class LakeSettings:
    catalog: str  # DuckLake metadata catalogue, e.g. "sqlite:/path/catalog.sqlite"
    data_path: str

    @classmethod
    def for_home(cls, home: Home) -> LakeSettings:
        catalog = os.environ.get("SHUZHI_LAKE_CATALOG") or (
            f"sqlite:{home.lakehouse / 'catalog.sqlite'}"
        )
        data_path = os.environ.get("SHUZHI_LAKE_DATA_PATH") or str(home.lakehouse / "data") + "/"
        return cls(catalog=catalog, data_path=data_path)


def _extensions_for(settings: LakeSettings) -> list[str]:
    # httpfs carries the crypto that encrypted Parquet writes need.
    names = ["ducklake", "httpfs"]
    if settings.catalog.startswith("sqlite:"):
        names.append("sqlite_scanner")
    elif settings.catalog.startswith("postgres:"):
        names.append("postgres_scanner")
    return names


def attach_lake(con: duckdb.DuckDBPyConnection, settings: LakeSettings) -> None:
    load_extensions(con, *_extensions_for(settings))
    if settings.catalog.startswith("sqlite:"):
        path = settings.catalog.removeprefix("sqlite:")
        os.makedirs(os.path.dirname(path), exist_ok=True)
    if "://" not in settings.data_path:
        os.makedirs(settings.data_path, exist_ok=True)
    con.execute(
        f"ATTACH 'ducklake:{settings.catalog}' AS {LAKE} "
        "(DATA_PATH ?, ENCRYPTED, DATA_INLINING_ROW_LIMIT 0)",
        [settings.data_path],
    )
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {LAKE}.{schema}")


@contextmanager
def open_lake(home: Home, *, threads: int | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh in-memory DuckDB session with the lakehouse attached as ``lake``."""
    con = offline_connection(threads=threads) if threads else offline_connection()
    try:
        attach_lake(con, LakeSettings.for_home(home))
        yield con
    finally:
        con.close()


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ?",
        [LAKE, schema, table],
    ).fetchone()
    return bool(row and row[0])


@contextmanager
def lake_transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One DuckLake transaction: committed when the block ends, rolled back when it raises
    (a killed process never commits, so readers see all of the block or none of it)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        _rollback(con)
        raise
    try:
        con.execute("COMMIT")
    except duckdb.Error as conflict:
        _rollback(con)
        raise LakeWriteConflict(
            "the lakehouse refused this commit, nothing of it was kept: "
            f"{str(conflict).splitlines()[0]}"
        ) from None


class LakeWriteConflict(RuntimeError):
    """A commit the lakehouse refused (another writer changed the same tables)."""


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back; a transaction DuckDB already ended itself is not a second error."""
    with suppress(duckdb.TransactionException):
        con.execute("ROLLBACK")
