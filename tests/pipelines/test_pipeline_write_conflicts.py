"""Two departments' steps on one catalogue in PostgreSQL can commit against each other:
DuckLake refuses the second commit of two that changed the same table. Such a step is
tried again (nothing of it was kept); any other failure is not."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import psycopg
import pytest

from lakehouse.connection import LakeWriteConflict, is_write_conflict
from lakehouse.extensions import load_extensions, offline_connection
from pipelines import progress
from pipelines.progress import step

pytestmark = pytest.mark.postgres
ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"


@pytest.fixture
def catalogue_database() -> Iterator[str]:
    name = f"shuzhi_conflict_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN, autocommit=True) as pg:
        pg.execute(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as pg:
            pg.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _writer(database: str, data: Path) -> duckdb.DuckDBPyConnection:
    con = offline_connection(":memory:")
    load_extensions(con, "ducklake", "postgres_scanner")
    con.execute(
        f"ATTACH 'ducklake:postgres:dbname={database} host=127.0.0.1 user=postgres' AS lake "
        f"(DATA_PATH '{data}/')"
    )
    return con


def _refused_commit(database: str, data: Path) -> BaseException:
    """The error of the second of two commits that deleted from the same table."""
    first, second = _writer(database, data), _writer(database, data)
    first.execute("CREATE TABLE lake.ledger AS SELECT range AS n FROM range(10)")
    for con, where in ((first, "n < 3"), (second, "n > 6")):
        con.execute("BEGIN")
        con.execute(f"DELETE FROM lake.ledger WHERE {where}")
    first.execute("COMMIT")
    with pytest.raises(duckdb.Error) as refused:
        second.execute("COMMIT")
    return refused.value


def test_a_commit_refused_for_another_writers_change_is_a_write_conflict(
    catalogue_database: str, tmp_path: Path
) -> None:
    assert is_write_conflict(_refused_commit(catalogue_database, tmp_path))
    assert is_write_conflict(LakeWriteConflict("the lakehouse refused this commit"))


def test_other_errors_are_not_write_conflicts(tmp_path: Path) -> None:
    con = duckdb.connect(":memory:")
    with pytest.raises(duckdb.Error) as other:
        con.execute("COMMIT")  # no transaction open: a transaction error, not a conflict
    assert isinstance(other.value, duckdb.TransactionException)
    assert not is_write_conflict(other.value)
    assert not is_write_conflict(ValueError("Transaction conflict"))


def _step_failing_first_with(error: Exception) -> tuple[dg.AssetsDefinition, list[int]]:
    attempts: list[int] = []

    @dg.asset
    def ledger(context: dg.AssetExecutionContext) -> None:
        with step(context, False, "write the ledger"):
            attempts.append(context.retry_number)
            if len(attempts) == 1:
                raise error

    return ledger, attempts


def test_a_step_whose_commit_was_refused_is_tried_again_and_succeeds(
    monkeypatch: pytest.MonkeyPatch, catalogue_database: str, tmp_path: Path
) -> None:
    monkeypatch.setattr(progress, "CONFLICT_PAUSE_S", 0.3)
    refused = _refused_commit(catalogue_database, tmp_path)
    assert isinstance(refused, Exception)
    asset, attempts = _step_failing_first_with(refused)
    result = dg.materialize([asset], raise_on_error=False)
    assert result.success and attempts == [0, 1]


def test_a_step_that_failed_for_another_reason_is_not_tried_again() -> None:
    asset, attempts = _step_failing_first_with(ValueError("the source is down"))
    result = dg.materialize([asset], raise_on_error=False)
    assert not result.success and attempts == [0]


def test_a_lost_race_to_create_the_same_table_is_a_write_conflict(
    catalogue_database: str, tmp_path: Path
) -> None:
    first, second = _writer(catalogue_database, tmp_path), _writer(catalogue_database, tmp_path)
    first.execute("CREATE TABLE lake.batches (batch_id VARCHAR)")
    with pytest.raises(duckdb.Error) as lost:  # the second looked before the first made it
        second.execute("CREATE TABLE lake.batches (batch_id VARCHAR)")
    assert is_write_conflict(lost.value)
    first.execute("ALTER TABLE lake.batches ADD COLUMN notes VARCHAR")
    with pytest.raises(duckdb.Error) as added:
        second.execute("ALTER TABLE lake.batches ADD COLUMN notes VARCHAR")
    assert is_write_conflict(added.value)


def test_a_missing_table_is_not_a_write_conflict(tmp_path: Path) -> None:
    con = duckdb.connect(":memory:")
    with pytest.raises(duckdb.CatalogException) as missing:
        con.execute("SELECT * FROM nowhere")
    assert not is_write_conflict(missing.value)
