"""Shared helpers for the connector tests: real databases and sources built in code."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pymysql

from connectors.batch import RejectedRow, SourceBatch
from connectors.config import SqlSource
from connectors.watermark import Watermark

PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
MARIADB = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": "", "database": "test"}
SECRET = "hunter2-secret"


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def sql_source(dialect: str, table: str, connection: dict[str, Any], **extra: Any) -> SqlSource:
    return SqlSource.model_validate(
        {
            "kind": "sql",
            "name": f"test_{dialect}",
            "dataset": "people",
            "dialect": dialect,
            "connection": connection,
            "table": table,
            "primary_key": extra.pop("primary_key", ["id"]),
            **extra,
        }
    )


def sqlite_db(path: Path, ddl: str, rows: Sequence[Sequence[object]], table: str) -> Path:
    """A SQLite file with one table filled with ``rows``."""
    with sqlite3.connect(path) as con:
        con.execute(ddl)
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    return path


@contextmanager
def postgres_schema() -> Iterator[psycopg.Connection[Any]]:
    """A fresh schema (the connection's search_path) dropped afterwards."""
    schema = unique_name("shuzhi_test")
    with psycopg.connect(PG_DSN, autocommit=True) as con:
        con.execute(f'CREATE SCHEMA "{schema}"')
        con.execute(f'SET search_path TO "{schema}"')
        try:
            yield con
        finally:
            con.execute(f'DROP SCHEMA "{schema}" CASCADE')


def schema_of(con: psycopg.Connection[Any]) -> str:
    row = con.execute("SELECT current_schema()").fetchone()
    assert row is not None
    return str(row[0])


@contextmanager
def mariadb_table(ddl_columns: str) -> Iterator[tuple[pymysql.connections.Connection, str]]:
    """A uniquely named table in the test database, dropped afterwards."""
    table = unique_name("shuzhi_test")
    con = pymysql.connect(**MARIADB, autocommit=True, charset="utf8mb4")
    try:
        with con.cursor() as cur:
            cur.execute(f"CREATE TABLE `{table}` ({ddl_columns}) CHARACTER SET utf8mb4")
        yield con, table
    finally:
        with con.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS `{table}`")
        con.close()


def all_rows(batches: list[SourceBatch]) -> list[dict[str, Any]]:
    return [row for b in batches for row in b.records.to_pylist()]


def all_positions(batches: list[SourceBatch]) -> list[str]:
    return [p for b in batches for p in b.positions.to_pylist()]


def mariadb_insert_permissive(
    con: pymysql.connections.Connection, table: str, rows: Sequence[Sequence[object]]
) -> None:
    """Insert rows as an old department system would: zero dates allowed (sql_mode '')."""
    with con.cursor() as cur:
        cur.execute("SET SESSION sql_mode = ''")
        marks = ", ".join(["%s"] * len(rows[0]))
        cur.executemany(f"INSERT INTO `{table}` VALUES ({marks})", rows)


def all_rejected(batches: list[SourceBatch]) -> list[RejectedRow]:
    return [r for b in batches for r in b.rejected]


def rejected_by_position(batches: list[SourceBatch]) -> dict[str, RejectedRow]:
    return {r.position: r for r in all_rejected(batches)}


def top_watermark(batches: list[SourceBatch]) -> Watermark | None:
    marks = [b.watermark for b in batches if b.watermark is not None]
    return max(marks) if marks else None
