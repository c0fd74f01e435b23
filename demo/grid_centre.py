"""The grid centre's database: the inspectors' app events and the dispatch system's log.

The demo writes it as SQLite (``hotline_12345/grid_centre.sqlite``); the same tables
can be copied into PostgreSQL or MariaDB, which is where a district's grid centre
usually keeps them (the hub reads all three through one connector).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg
import pymysql
from psycopg import sql

FILE = "hotline_12345/grid_centre.sqlite"
EVENTS = "grid_events"
DISPATCH = "dispatch_log"
EVENT_COLUMNS = (
    ("event_no", "VARCHAR(32) PRIMARY KEY"),
    ("found_at", "TEXT"),
    ("event_type", "TEXT"),
    ("details", "TEXT"),
    ("place", "TEXT"),
    ("community", "TEXT"),
    ("inspector", "TEXT"),
    ("inspector_phone", "TEXT"),
    ("handled_by", "TEXT"),
    ("due_on", "TEXT"),
    ("transfer_count", "INTEGER"),
    ("closed_at", "TEXT"),
    ("updated_at", "VARCHAR(32)"),  # the change column the hub reads by
)
DISPATCH_COLUMNS = (
    ("log_id", "INTEGER PRIMARY KEY"),  # increases with every hand-over logged
    ("channel", "TEXT"),
    ("case_no", "TEXT"),
    ("seq", "INTEGER"),
    ("from_dept", "TEXT"),
    ("to_dept", "TEXT"),
    ("transferred_at", "TEXT"),
    ("reason", "TEXT"),
    ("returned", "TEXT"),
)
TABLES = {EVENTS: EVENT_COLUMNS, DISPATCH: DISPATCH_COLUMNS}
_BATCH = 5_000


class GridCentreDb:
    """Writes both tables of a new SQLite file, in batches, as rows arrive."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        self._con = sqlite3.connect(path, isolation_level=None)
        # A freshly built file: no journal; the same rows give the same bytes.
        self._con.execute("PRAGMA journal_mode=OFF")
        self._con.execute("PRAGMA synchronous=OFF")
        for table, columns in TABLES.items():
            listed = ", ".join(f"{name} {kind}" for name, kind in columns)
            self._con.execute(f"CREATE TABLE {table} ({listed})")
        self._pending: dict[str, list[Sequence[Any]]] = {table: [] for table in TABLES}
        self.rows = dict.fromkeys(TABLES, 0)

    def add(self, table: str, row: Sequence[Any]) -> None:
        self._pending[table].append(row)
        self.rows[table] += 1
        if len(self._pending[table]) >= _BATCH:
            self._flush(table)

    def _flush(self, table: str) -> None:
        rows = self._pending[table]
        if rows:
            marks = ", ".join("?" for _ in TABLES[table])
            self._con.execute("BEGIN")
            self._con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
            self._con.execute("COMMIT")
            self._pending[table] = []

    def close(self) -> None:
        for table in TABLES:
            self._flush(table)
        self._con.execute(f"CREATE INDEX {EVENTS}_updated_at ON {EVENTS} (updated_at)")
        self._con.close()

    def __enter__(self) -> GridCentreDb:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def read_table(path: Path, table: str) -> Iterator[tuple[Any, ...]]:
    """Every row of one table of the SQLite file, in key order."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        key = TABLES[table][0][0]
        names = ", ".join(name for name, _ in TABLES[table])
        cursor = con.execute(f"SELECT {names} FROM {table} ORDER BY {key}")
        while batch := cursor.fetchmany(_BATCH):
            yield from batch
    finally:
        con.close()


def copy_to_postgres(sqlite_path: Path, dsn: str, schema: str) -> dict[str, int]:
    """(Re)create both tables in ``schema`` of a PostgreSQL database and copy the rows."""
    copied = {}
    with psycopg.connect(dsn) as con:
        con.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        for table, columns in TABLES.items():
            target = sql.Identifier(schema, table)
            listed = sql.SQL(", ").join(
                sql.SQL(" ").join((sql.Identifier(name), sql.SQL(kind))) for name, kind in columns
            )
            con.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(target))
            con.execute(sql.SQL("CREATE TABLE {} ({})").format(target, listed))
            names = sql.SQL(", ").join(sql.Identifier(name) for name, _ in columns)
            copied[table] = 0
            with con.cursor() as cursor:
                statement = sql.SQL("COPY {} ({}) FROM STDIN").format(target, names)
                with cursor.copy(statement) as copy:
                    for row in read_table(sqlite_path, table):
                        copy.write_row(row)
                        copied[table] += 1
    return copied


def copy_to_mariadb(
    sqlite_path: Path, connection: dict[str, Any], prefix: str = ""
) -> dict[str, int]:
    """(Re)create both tables (named ``prefix`` + table) in a MariaDB/MySQL database."""
    copied = {}
    con = pymysql.connect(**connection, autocommit=True, charset="utf8mb4")
    try:
        with con.cursor() as cursor:
            for table, columns in TABLES.items():
                target = f"`{prefix}{table}`"
                listed = ", ".join(f"`{name}` {kind}" for name, kind in columns)
                cursor.execute(f"DROP TABLE IF EXISTS {target}")
                cursor.execute(f"CREATE TABLE {target} ({listed}) CHARACTER SET utf8mb4")
                marks = ", ".join("%s" for _ in columns)
                rows = list(read_table(sqlite_path, table))
                for start in range(0, len(rows), _BATCH):
                    cursor.executemany(
                        f"INSERT INTO {target} VALUES ({marks})", rows[start : start + _BATCH]
                    )
                copied[table] = len(rows)
    finally:
        con.close()
    return copied
