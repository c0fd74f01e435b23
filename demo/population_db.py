"""The population registry as a real SQL database: SQLite file, or a PostgreSQL schema."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from demo.population import COLUMNS
from demo.sqlite_tables import BATCH, column_types, write_sqlite_table

TABLE = "residents"


def _column_types() -> list[tuple[str, str]]:
    """person_id is the monotonic key; every other column is TEXT, as in the department's system."""
    return column_types(COLUMNS, "person_id")


def write_population_sqlite(path: Path, rows: Iterable[Sequence[Any]]) -> int:
    """Write ``rows`` (in COLUMNS order) as table ``residents`` of a new SQLite file."""
    return write_sqlite_table(path, TABLE, COLUMNS, rows, key="person_id", indexed=["updated_at"])


def upsert_population_sqlite(path: Path, rows: Iterable[Sequence[Any]]) -> None:
    """Insert or replace ``rows`` (by person_id) in ``residents``, creating the table if
    needed: a registry that changes between syncs, as the department's does."""
    definitions = ", ".join(f"{column} {kind}" for column, kind in _column_types())
    marks = ", ".join("?" for _ in COLUMNS)
    with sqlite3.connect(path) as connection:
        connection.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ({definitions})")
        connection.executemany(f"INSERT OR REPLACE INTO {TABLE} VALUES ({marks})", list(rows))
    connection.close()


def read_population_sqlite(path: Path) -> Iterator[tuple[Any, ...]]:
    """Every row of ``residents`` in person_id order, read in batches."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        cursor = connection.execute(f"SELECT {', '.join(COLUMNS)} FROM {TABLE} ORDER BY person_id")
        while batch := cursor.fetchmany(BATCH):
            yield from batch
    finally:
        connection.close()


def load_population_postgres(dsn: str, schema: str, rows: Iterable[Sequence[Any]]) -> int:
    """(Re)create ``schema.residents`` in PostgreSQL and COPY ``rows`` into it."""
    table = sql.Identifier(schema, TABLE)
    definitions = sql.SQL(", ").join(
        sql.SQL(" ").join((sql.Identifier(column), sql.SQL(kind)))
        for column, kind in _column_types()
    )
    columns = sql.SQL(", ").join(sql.Identifier(column) for column in COLUMNS)
    written = 0
    with psycopg.connect(dsn) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        connection.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
        connection.execute(sql.SQL("CREATE TABLE {} ({})").format(table, definitions))
        with connection.cursor() as cursor:
            copy_statement = sql.SQL("COPY {} ({}) FROM STDIN").format(table, columns)
            with cursor.copy(copy_statement) as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
        connection.execute(sql.SQL("CREATE INDEX ON {} (updated_at)").format(table))
    return written


def copy_population_sqlite_to_postgres(sqlite_path: Path, dsn: str, schema: str) -> int:
    """Serve the generated registry from PostgreSQL too (the replica the hub may read)."""
    return load_population_postgres(dsn, schema, read_population_sqlite(sqlite_path))
