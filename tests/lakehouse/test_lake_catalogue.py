"""Which catalogue the lake opens, and that its key shows nowhere.

Default: an encrypted DuckDB file keyed from the key store. A home that only has the
unencrypted catalogue of an older version is refused, not shadowed by a new empty
lake. SQLite (named explicitly) and PostgreSQL catalogues keep working.
"""

from __future__ import annotations

import base64
import logging
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from lake_fixtures import OpenLake, temp_lake

from encryption.keystore import KeyStoreError
from encryption.master_key import create_key_file, resolve_master_key
from encryption.master_rotation import rotate_master_key
from home.layout import Home
from lakehouse.catalogue import (
    CATALOG_ENV,
    CATALOGUE_FILE,
    LEGACY_CATALOGUE_FILE,
    LakeCatalogueError,
)
from lakehouse.connection import open_lake
from pipelines.hub import Hub

PG_DSN = "host=127.0.0.1 port=5432 user=postgres"


@pytest.fixture
def lake(tmp_path: Path) -> Iterator[OpenLake]:
    with temp_lake(tmp_path / "home") as opened:
        opened.con.execute("CREATE TABLE lake.protected.rolls AS SELECT '最低生活保障' AS category")
    yield opened


def _category(home: Home) -> str:
    with open_lake(home, wait_s=0) as con:
        row = con.execute("SELECT category FROM lake.protected.rolls").fetchone()
    assert row is not None
    return str(row[0])


def test_a_home_with_only_the_old_unencrypted_catalogue_is_refused(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    create_key_file(home.keys / "master.key")
    sqlite3.connect(home.lakehouse / LEGACY_CATALOGUE_FILE).close()
    with pytest.raises(LakeCatalogueError) as refused, open_lake(home):
        pass
    message = str(refused.value)
    assert "older version" in message and "rebuild" in message and "sync every source" in message
    assert not (home.lakehouse / CATALOGUE_FILE).exists()  # no new, empty lake beside it


def test_the_catalogue_key_shows_in_no_listing_log_or_error(
    lake: OpenLake, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    key = lake.keystore.catalogue_key(create=False)
    assert key is not None
    forms = (base64.b64encode(key).decode(), key.hex())
    with caplog.at_level(logging.DEBUG), open_lake(lake.home, wait_s=0) as con:
        listings = [
            con.execute(f"SELECT * FROM {view}()").fetchall()
            for view in ("duckdb_databases", "duckdb_settings", "duckdb_secrets")
        ]
    seen = repr(listings) + caplog.text
    assert "catalog.ducklake" in seen  # the listings were really read
    assert not any(form in seen for form in forms)

    # A key store whose catalogue key is another one: the refusal names neither key.
    other = Home(tmp_path / "other").ensure()
    create_key_file(other.keys / "master.key")
    from encryption.keystore import open_keystore

    stranger = open_keystore(other.keys)
    wrong = stranger.catalogue_key(create=True)
    assert wrong is not None
    with (
        pytest.raises(LakeCatalogueError) as refused,
        open_lake(lake.home, keystore=lambda: stranger, wait_s=0),
    ):
        pass
    text = repr(refused.value) + str(refused.value.__cause__) + str(refused.value.__context__)
    for form in (*forms, base64.b64encode(wrong).decode(), wrong.hex()):
        assert form not in text


def test_a_master_key_rotation_keeps_the_catalogue_open_without_rewriting_it(
    lake: OpenLake,
) -> None:
    before = (lake.home.lakehouse / CATALOGUE_FILE).read_bytes()
    key = lake.keystore.catalogue_key(create=False)
    assert rotate_master_key(lake.home.keys, resolve_master_key(lake.home.keys)) > 0
    assert (lake.home.lakehouse / CATALOGUE_FILE).read_bytes() == before
    from encryption.keystore import open_keystore

    assert open_keystore(lake.home.keys).catalogue_key(create=False) == key
    assert _category(lake.home) == "最低生活保障"


def test_a_missing_key_store_beside_a_catalogue_is_refused_not_remade(lake: OpenLake) -> None:
    lake.keystore.path.rename(lake.keystore.path.with_suffix(".away"))
    hub = Hub(lake.home)
    with pytest.raises(KeyStoreError, match="restore it from its backup"), hub.lake():
        pass
    assert not lake.keystore.path.exists()


def test_a_sqlite_catalogue_named_explicitly_still_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = Home(tmp_path / "home").ensure()
    monkeypatch.setenv(CATALOG_ENV, f"sqlite:{home.lakehouse / 'explicit.sqlite'}")
    with open_lake(home) as con:  # no key store needed, none made
        con.execute("CREATE TABLE lake.protected.rolls AS SELECT '最低生活保障' AS category")
    assert _category(home) == "最低生活保障"
    assert not (home.keys / "keystore.json").exists()
    assert not (home.lakehouse / CATALOGUE_FILE).exists()


@pytest.mark.postgres
def test_a_postgres_catalogue_still_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    name = f"lake_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{PG_DSN} dbname=test", autocommit=True) as pg:
        pg.execute(f'CREATE DATABASE "{name}"')
    try:
        home = Home(tmp_path / "home").ensure()
        monkeypatch.setenv(CATALOG_ENV, f"postgres:{PG_DSN} dbname={name}")
        with open_lake(home) as con:
            con.execute("CREATE TABLE lake.protected.rolls AS SELECT '最低生活保障' AS category")
        with open_lake(home) as outer, open_lake(home) as inner:  # shared in one process too
            assert inner.execute("SELECT count(*) FROM lake.protected.rolls").fetchone() == (1,)
            assert outer.execute("SELECT category FROM lake.protected.rolls").fetchone() == (
                "最低生活保障",
            )
        assert not (home.lakehouse / CATALOGUE_FILE).exists()
    finally:
        with psycopg.connect(f"{PG_DSN} dbname=test", autocommit=True) as pg:
            pg.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
