"""Where the DuckLake catalogue lives, and attaching it (with its data path) as ``lake``.

Default: a DuckDB file in the home's lakehouse folder, encrypted with a key
from the key store: DuckLake keeps every data file's encryption key and
per-file statistics in its catalogue, so an unencrypted catalogue beside the
data files would open them all. Scale-out: a PostgreSQL catalogue (and
S3-compatible storage), named in one file by SHUZHI_LAKE_CONFIG
(``lakehouse.lake_config``), or SHUZHI_LAKE_CATALOG / SHUZHI_LAKE_DATA_PATH, with the
same code. A SQLite catalogue is used only when named there
explicitly; it is not encrypted.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from encryption.keystore import KeyStore
from home.layout import Home
from lakehouse.extensions import load_extensions, offline_connection
from lakehouse.lake_config import S3Storage, config_path, load_lake_config

LAKE = "lake"
SCHEMAS = ("raw", "staged", "quarantine", "protected", "products", "meta")
CATALOGUE_FILE = "catalog.ducklake"
LEGACY_CATALOGUE_FILE = "catalog.sqlite"  # unencrypted, made before the catalogue was
CATALOG_ENV = "SHUZHI_LAKE_CATALOG"
DATA_PATH_ENV = "SHUZHI_LAKE_DATA_PATH"
# The DuckDB database that holds DuckLake's metadata tables, attached before the lake.
METADATA = "lake_catalogue"


class LakeCatalogueError(RuntimeError):
    """The catalogue cannot be opened as it is (made by an older version, or keyless)."""


@dataclass(frozen=True)
class LakeSettings:
    catalog: str  # "duckdb:/path/catalog.ducklake" (encrypted), "postgres:..." or "sqlite:..."
    data_path: str
    s3: S3Storage | None = None  # the bucket's settings, when the data files are in one

    @classmethod
    def for_home(cls, home: Home) -> LakeSettings:
        configured = config_path()
        if configured is not None:
            # One file (SHUZHI_LAKE_CONFIG) names the catalogue database and the bucket.
            config = load_lake_config(configured)
            return cls(catalog=config.catalog, data_path=config.data_path, s3=config.s3)
        catalog = os.environ.get(CATALOG_ENV) or _default_catalogue(home)
        data_path = os.environ.get(DATA_PATH_ENV) or str(home.lakehouse / "data") + "/"
        return cls(catalog=catalog, data_path=data_path)

    @property
    def catalogue_file(self) -> Path | None:
        """The DuckDB file of an encrypted catalogue; None for a database server or SQLite."""
        if self.catalog.startswith("duckdb:"):
            return Path(self.catalog.removeprefix("duckdb:"))
        return None


def _default_catalogue(home: Home) -> str:
    current = home.lakehouse / CATALOGUE_FILE
    legacy = home.lakehouse / LEGACY_CATALOGUE_FILE
    if legacy.exists() and not current.exists():
        # A new, empty lake beside the old one would look like every dataset was lost.
        raise LakeCatalogueError(
            f"the lakehouse in {home.lakehouse} was made by an older version of Shuzhi "
            f"(its catalogue {LEGACY_CATALOGUE_FILE} is not encrypted); rebuild it: move the "
            "lakehouse folder aside and sync every source again (shuzhi run)"
        )
    return f"duckdb:{current}"


# The session variable that carries the catalogue's key into its ATTACH, for an instant.
_KEY_VARIABLE = "shuzhi_catalogue_key"


def attach_lake(
    con: duckdb.DuckDBPyConnection, settings: LakeSettings, keystore: KeyStore | None
) -> None:
    """Attach the lakehouse as ``lake`` (its schemas made if new); ``keystore`` is needed for
    an encrypted catalogue only."""
    load_extensions(con, *_extensions_for(settings))
    if settings.s3 is not None:
        _give_s3_credentials(con, settings.s3)
    if "://" not in settings.data_path:
        os.makedirs(settings.data_path, mode=0o700, exist_ok=True)
    catalogue = settings.catalogue_file
    if catalogue is not None:
        if keystore is None:
            raise LakeCatalogueError("the lakehouse catalogue is encrypted: a key store is needed")
        _attach_encrypted_metadata(con, catalogue, keystore)
        options = f"METADATA_CATALOG '{METADATA}', "
        target = f"ducklake:{catalogue}"
    else:
        if settings.catalog.startswith("sqlite:"):
            folder = os.path.dirname(settings.catalog.removeprefix("sqlite:"))
            os.makedirs(folder, mode=0o700, exist_ok=True)
        options, target = "", f"ducklake:{settings.catalog}"
    # No bound parameters on this path: DuckDB's Python client imports pandas to convert
    # any parameter (seconds of start-up for every command that opens the lake).
    con.execute(
        f"ATTACH {_literal(target)} AS {LAKE} "
        f"({options}DATA_PATH {_literal(settings.data_path)}, ENCRYPTED, "
        "DATA_INLINING_ROW_LIMIT 0)"
    )
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {LAKE}.{schema}")


def _attach_encrypted_metadata(
    con: duckdb.DuckDBPyConnection, catalogue: Path, keystore: KeyStore
) -> None:
    os.makedirs(catalogue.parent, mode=0o700, exist_ok=True)
    key = keystore.catalogue_key(create=not catalogue.exists())
    if key is None:
        raise LakeCatalogueError(
            f"the lakehouse catalogue {catalogue} is encrypted under a key that key store "
            f"{keystore.path} does not hold; restore the key store from its backup"
        )
    try:
        # The key never appears in the ATTACH statement: DuckDB echoes statement text in
        # some errors. It goes through a session variable, dropped at once, rather than a
        # bound parameter, which would import pandas (see attach_lake). The variable's
        # statement cannot fail on its text: base64 needs no quoting.
        con.execute(f"SET VARIABLE {_KEY_VARIABLE} = '{base64.b64encode(key).decode('ascii')}'")
        try:
            con.execute(
                f"ATTACH {_literal(str(catalogue))} AS {METADATA} "
                f"(ENCRYPTION_KEY getvariable('{_KEY_VARIABLE}'))"
            )
        finally:
            con.execute(f"RESET VARIABLE {_KEY_VARIABLE}")
    except duckdb.Error as error:
        if "encryption key" not in str(error).lower():
            raise
        raise LakeCatalogueError(
            f"the lakehouse catalogue {catalogue} does not open with the key in key store "
            f"{keystore.path} (a key store from another hub or another backup?)"
        ) from None


def point_data_path(catalogue: Path, keystore: KeyStore, data_path: str) -> None:
    """Make the encrypted catalogue's persisted data path ``data_path``: DuckLake refuses to
    attach a catalogue whose data path is another (a home restored or copied elsewhere)."""
    con = offline_connection(":memory:")
    try:
        load_extensions(con, "httpfs")  # the crypto that writes an encrypted database
        _attach_encrypted_metadata(con, catalogue, keystore)
        con.execute(
            f"UPDATE {METADATA}.ducklake_metadata SET value = {_literal(data_path)} "
            "WHERE key = 'data_path'"
        )
        con.execute(f"DETACH {METADATA}")
    finally:
        con.close()


def _give_s3_credentials(con: duckdb.DuckDBPyConnection, s3: S3Storage) -> None:
    try:
        con.execute(s3.secret_sql())
    except duckdb.Error as error:
        # DuckDB may quote the statement, which holds the keys: say only what failed.
        raise LakeCatalogueError(
            f"the credentials for bucket {s3.bucket} were refused by DuckDB "
            f"({type(error).__name__})"
        ) from None


def _extensions_for(settings: LakeSettings) -> list[str]:
    # httpfs carries the crypto that encrypted Parquet writes need.
    names = ["ducklake", "httpfs"]
    if settings.catalog.startswith("sqlite:"):
        names.append("sqlite_scanner")
    elif settings.catalog.startswith("postgres:"):
        names.append("postgres_scanner")
    return names


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
