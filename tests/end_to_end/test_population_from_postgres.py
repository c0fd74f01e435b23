"""The demo population registry served from the real PostgreSQL reconciles like SQLite."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import psycopg
import pytest

from catalog.registry import load_catalog
from connectors.config import SqlSource
from demo.generate import generate_district
from demo.population_db import copy_population_sqlite_to_postgres
from demo.sizes import DistrictSize
from encryption.keystore import open_keystore
from encryption.master_key import create_key_file
from home.layout import DEFAULT_CONFIG_DIR, Home
from lakehouse.connection import open_lake
from lakehouse.raw_landing import land
from quality.staging import identity_columns, stage

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test"


def test_population_from_postgres_loads_and_quarantines_exactly_as_planted(
    tmp_path: Path,
) -> None:
    home = Home(tmp_path / "home").ensure()
    create_key_file(home.keys / "master.key")
    size = DistrictSize(residents=600, enterprises=50, cases=50, assistance=50)
    manifest = generate_district(home, seed=3, size=size)
    schema = f"ps_{uuid.uuid4().hex[:10]}"
    copy_population_sqlite_to_postgres(
        home.departments / "public_security" / "population.sqlite", DSN, schema
    )
    catalog = load_catalog(DEFAULT_CONFIG_DIR)
    source = SqlSource.model_validate(
        {
            "kind": "sql",
            "name": "ps_population_pg",
            "dataset": "population",
            "dialect": "postgres",
            "table": "residents",
            "primary_key": ["person_id"],
            "connection": {
                "host": "127.0.0.1",
                "port": 5432,
                "user": "postgres",
                "database": "test",
                "schema": schema,
            },
            "batch_rows": 250,
        }
    )
    try:
        with open_lake(home) as con:
            keystore = open_keystore(home.keys)
            contract = catalog.datasets["population"]
            synced = land(con, source, contract, keystore)
            staged = stage(
                con,
                contract,
                catalog.district,
                keystore,
                synced.batch_id,
                replace=True,
                identity=identity_columns(contract, list(source.primary_key)),
                today=dt.date(2026, 11, 22),
            )
    finally:
        with psycopg.connect(DSN, autocommit=True) as pg:
            pg.execute(f'DROP SCHEMA "{schema}" CASCADE')
    planted = (
        manifest.sources["population"]
        if "population" in manifest.sources
        else next(m for m in manifest.sources.values() if m.dataset == "population")
    )
    assert synced.rows_read == planted.rows_written == 600
    assert staged.rows_loaded == planted.expected_loaded
    assert staged.rows_quarantined == planted.expected_quarantined
