"""Helpers for the file-drop tests: sources, settled files, batches flattened."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from connectors.batch import RejectedRow, SourceBatch
from connectors.config import FileDropSource
from connectors.files import FileDropConnector

HEADER = "工单编号,反映人,诉求内容"


def drop_source(folder: Path, **extra: Any) -> FileDropSource:
    return FileDropSource(
        kind="file_drop", name="drop_test", dataset="cases", folder=str(folder), **extra
    )


def connector(folder: Path, **extra: Any) -> FileDropConnector:
    settle = extra.pop("settle_seconds", 0.0)
    return FileDropConnector(drop_source(folder, **extra), settle_seconds=settle)


def settle(path: Path, age_s: float = 600.0) -> Path:
    """Make a file look as if it was written ``age_s`` seconds ago."""
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def read(conn: FileDropConnector, path: Path) -> list[SourceBatch]:
    return list(conn.read_file(path))


def rows(batches: list[SourceBatch]) -> list[dict[str, Any]]:
    return [r for b in batches for r in b.records.to_pylist()]


def positions(batches: list[SourceBatch]) -> list[str]:
    return [p for b in batches for p in b.positions.to_pylist()]


def rejected(batches: list[SourceBatch]) -> list[RejectedRow]:
    return [r for b in batches for r in b.rejected]
