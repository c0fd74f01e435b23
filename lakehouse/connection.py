"""Open the DuckLake lakehouse: one session per process, shared by every caller in it.

Data files are always written ENCRYPTED and nothing is inlined into the
catalogue: DuckLake keeps inlined rows and per-file min/max statistics in the
catalogue (which is itself encrypted by default, see ``lakehouse.catalogue``).

A catalogue in a DuckDB file admits one process at a time, so a process holds
the lakehouse lock (``lakehouse.lake_lock``) while it has the lake attached.
Within a process the attached lake is shared: a caller that opens the lake
while another caller (an outer block, another thread) has it open gets its own
cursor on the same attachment: its own transactions, no second attach of the
file and no second lock, which would wait for itself.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import duckdb

from encryption.keystore import KeyStore, open_keystore
from home.layout import Home
from home.permissions import keep_new_files_private
from lakehouse.catalogue import LAKE, LakeSettings, attach_lake
from lakehouse.extensions import offline_connection
from lakehouse.lake_lock import lake_lock

__all__ = [
    "LAKE",
    "LakeWriteConflict",
    "is_write_conflict",
    "lake_transaction",
    "open_lake",
    "table_exists",
]


@dataclass
class _Session:
    """The attached lake of this process and how many callers use it."""

    root: duckdb.DuckDBPyConnection
    held: contextlib.ExitStack  # the lakehouse lock, when the catalogue needs one
    pid: int = field(default_factory=os.getpid)
    users: int = 0


_sessions: dict[str, _Session] = {}  # by catalogue
_sessions_guard = threading.Lock()


@contextmanager
def open_lake(
    home: Home,
    *,
    threads: int | None = None,
    keystore: Callable[[], KeyStore] | None = None,
    wait_s: float | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection with the lakehouse attached as ``lake``.

    ``keystore`` gives the key store whose key opens an encrypted catalogue, asked for
    only when one is attached (default: the home's own). ``wait_s`` is how long to wait
    for another process to let the lakehouse go (default: ``lake_lock.wait_limit``).
    Both, and ``threads``, apply when this call attaches the lake, not when it joins a
    session already open in the process.
    """
    settings = LakeSettings.for_home(home)
    with _sessions_guard:
        session = _sessions.get(settings.catalog)
        if session is None or session.pid != os.getpid():  # a forked child starts its own
            session = _open_session(home, settings, threads, keystore, wait_s)
            _sessions[settings.catalog] = session
        session.users += 1
        con = session.root.cursor()
    try:
        yield con
    finally:
        con.close()
        with _sessions_guard:
            session.users -= 1
            if session.users == 0:
                _sessions.pop(settings.catalog, None)
                try:
                    session.root.close()
                finally:
                    session.held.close()


def _open_session(
    home: Home,
    settings: LakeSettings,
    threads: int | None,
    keystore: Callable[[], KeyStore] | None,
    wait_s: float | None,
) -> _Session:
    keep_new_files_private()  # DuckDB gives its catalogue, WAL and Parquet files no mode
    held = contextlib.ExitStack()
    try:
        keys = None
        if settings.catalogue_file is not None:
            # The key store first: a wrong master key stops before the lakehouse is touched.
            keys = keystore() if keystore else open_keystore(home.keys)
            held.enter_context(lake_lock(settings.catalogue_file.parent, wait_s=wait_s))
        config: dict[str, str | bool | int | float] = {
            # Spilled intermediate results stay in the home, and encrypted.
            "temp_directory": str(home.lakehouse / "spill"),
            "temp_file_encryption": settings.catalogue_file is not None,
        }
        if threads:
            config["threads"] = threads
        root = offline_connection(":memory:", **config)
        try:
            attach_lake(root, settings, keys)
        except BaseException:
            root.close()
            raise
    except BaseException:
        held.close()
        raise
    return _Session(root, held)


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ?",
        [LAKE, schema, table],
    ).fetchone()
    return bool(row and row[0])


def lake_tables(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """Every (schema, table) of the lake, in one look (``table_exists`` asks one at a time)."""
    # LAKE is a constant, written in: a bound parameter would import pandas (attach_lake).
    rows = con.execute(
        f"SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = '{LAKE}'"
    ).fetchall()
    return {(str(schema), str(table)) for schema, table in rows}


def add_missing_columns(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, columns: list[tuple[str, str]]
) -> list[str]:
    """Add to an existing lake table the (name, type) columns it lacks (a contract that
    gained a column); returns the names added. Existing rows get NULL."""
    present = {
        row[0]
        for row in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = ? "
            "AND schema_name = ? AND table_name = ?",
            [LAKE, schema, table],
        ).fetchall()
    }
    added = []
    for name, sql_type in columns:
        if name not in present:
            con.execute(
                f'ALTER TABLE {LAKE}.{schema}.{table} ADD COLUMN IF NOT EXISTS "{name}" {sql_type}'
            )
            added.append(name)
    return added


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


def is_write_conflict(error: BaseException) -> bool:
    """Whether ``error`` is a commit DuckLake refused because another process changed the
    same table first (two syncs on one catalogue in PostgreSQL): nothing of it was kept,
    and the same work done again succeeds."""
    if isinstance(error, LakeWriteConflict):
        return True
    if isinstance(error, duckdb.TransactionException):
        return "Transaction conflict" in str(error)
    # Lost a race to create: every step looks before it creates a table or adds a column,
    # so "already exists" means another writer made it between the look and the create.
    return isinstance(error, duckdb.CatalogException) and "already exists" in str(error)


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back; a transaction DuckDB already ended itself is not a second error."""
    with suppress(duckdb.TransactionException):
        con.execute("ROLLBACK")
