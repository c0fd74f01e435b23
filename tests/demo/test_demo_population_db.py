from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from demo_generated import GeneratedDemo
from psycopg import sql

from demo import population
from demo.population_db import (
    copy_population_sqlite_to_postgres,
    load_population_postgres,
    read_population_sqlite,
    write_population_sqlite,
)

POSTGRES_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test"

ROWS = [
    (1, "张伟", "440305198503071234", "男", "1985-03-07", "13812345678", "户籍", "011000457",
     "户主", "440399001",
     "440399001002", "440399001002001", "示范区东湖街道翠竹社区桂花路12号3栋2单元501室",
     "2001-05-01", "2026-10-01 09:30:00"),
    (2, "李娜", None, "2", "1990/3/7", "+86 139 1234 5678", "流动", None, None, "440399002",
     "440399002001", "440399002001001", "示范区西岭街道西岭社区人民路1号", "2020-01-02",
     "2026-11-01 10:00:00"),
]  # fmt: skip


def test_sqlite_table_has_the_contract_columns_in_order(tmp_path: Path) -> None:
    path = tmp_path / "population.sqlite"
    assert write_population_sqlite(path, ROWS) == 2
    connection = sqlite3.connect(path)
    try:
        info = connection.execute("PRAGMA table_info(residents)").fetchall()
        indexes = connection.execute("PRAGMA index_list(residents)").fetchall()
    finally:
        connection.close()
    assert tuple(column[1] for column in info) == population.COLUMNS
    assert [column[2] for column in info] == ["INTEGER"] + ["TEXT"] * 14
    assert info[0][5] == 1  # person_id is the primary key
    assert any(index[1] == "residents_updated_at" for index in indexes)
    assert list(read_population_sqlite(path)) == ROWS


def test_sqlite_rewrite_replaces_the_file(tmp_path: Path) -> None:
    path = tmp_path / "population.sqlite"
    write_population_sqlite(path, ROWS)
    write_population_sqlite(path, ROWS[:1])
    assert list(read_population_sqlite(path)) == ROWS[:1]


@pytest.fixture
def schema() -> Iterator[str]:
    name = f"demo_test_{uuid.uuid4().hex[:10]}"
    yield name
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


@pytest.mark.postgres
def test_postgres_copy_has_identical_columns_and_rows(schema: str) -> None:
    assert load_population_postgres(POSTGRES_DSN, schema, ROWS) == 2
    with psycopg.connect(POSTGRES_DSN) as connection:
        columns = connection.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = 'residents' ORDER BY ordinal_position",
            (schema,),
        ).fetchall()
        rows = connection.execute(
            sql.SQL("SELECT * FROM {} ORDER BY person_id").format(
                sql.Identifier(schema, "residents")
            )
        ).fetchall()
    assert tuple(name for name, _ in columns) == population.COLUMNS
    assert [kind for _, kind in columns] == ["integer"] + ["text"] * 14
    assert rows == ROWS


@pytest.mark.postgres
def test_postgres_copy_of_a_generated_registry(small_demo: GeneratedDemo, schema: str) -> None:
    path = small_demo.departments / population.FILE
    expected = list(read_population_sqlite(path))
    assert copy_population_sqlite_to_postgres(path, POSTGRES_DSN, schema) == len(expected)
    # Loading again replaces the table rather than appending to it.
    assert copy_population_sqlite_to_postgres(path, POSTGRES_DSN, schema) == len(expected)
    with psycopg.connect(POSTGRES_DSN) as connection:
        rows = connection.execute(
            sql.SQL("SELECT * FROM {} ORDER BY person_id").format(
                sql.Identifier(schema, "residents")
            )
        ).fetchall()
    assert rows == expected
