"""A copy of a demo home for a test that changes it (shreds, prunes), the original left
as every other test expects it."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

from encryption.keystore import open_keystore
from lakehouse.catalogue import CATALOGUE_FILE
from lakehouse.extensions import load_extensions, offline_connection


def copy_home(source: Path, target: Path) -> Path:
    """Copy ``source`` to ``target`` and point the copied lake at its own data folder
    (DuckLake keeps the data path in its catalogue, absolute)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("lake.lock", "*.sock"))
    catalogue = target / "lakehouse" / CATALOGUE_FILE
    key = open_keystore(target / "keys").catalogue_key(create=False)
    assert key is not None
    con = offline_connection(":memory:")
    load_extensions(con, "httpfs")  # the crypto that writes an encrypted database
    try:
        con.execute(
            f"ATTACH '{catalogue}' AS meta_copy (ENCRYPTION_KEY ?)",
            [base64.b64encode(key).decode("ascii")],
        )
        con.execute(
            "UPDATE meta_copy.ducklake_metadata SET value = ? WHERE key = 'data_path'",
            [str(target / "lakehouse" / "data") + "/"],
        )
    finally:
        con.close()
    return target
