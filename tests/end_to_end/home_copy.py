"""A copy of a demo home for a test that changes it (shreds, prunes), the original left
as every other test expects it."""

from __future__ import annotations

import shutil
from pathlib import Path

from encryption.keystore import open_keystore
from lakehouse.catalogue import CATALOGUE_FILE, point_data_path


def copy_home(source: Path, target: Path) -> Path:
    """Copy ``source`` to ``target`` and point the copied lake at its own data folder
    (DuckLake keeps the data path in its catalogue, absolute)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("lake.lock", "*.sock"))
    point_data_path(
        target / "lakehouse" / CATALOGUE_FILE,
        open_keystore(target / "keys"),
        str(target / "lakehouse" / "data") + "/",
    )
    return target
