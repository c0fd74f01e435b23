"""Helpers for the file-drop tests: sources, settled files, batches flattened."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from connectors.batch import BadSourceFile, RejectedRow, SourceBatch
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


def batches_before_error(
    conn: FileDropConnector, path: Path, *, expected_sha256: str | None = None
) -> tuple[int, Exception]:
    """How many batches came out of ``path`` before reading it raised, and the error."""
    count = 0
    try:
        for _ in conn.read_file(path, expected_sha256=expected_sha256):
            count += 1
    except Exception as err:  # the caller asserts the type
        return count, err
    raise AssertionError(f"{path.name} was read without an error")


def bad_file(conn: FileDropConnector, path: Path) -> BadSourceFile:
    """The BadSourceFile reading ``path`` raises, checked to come before any batch."""
    count, err = batches_before_error(conn, path)
    assert isinstance(err, BadSourceFile), f"{type(err).__name__}: {err}"
    assert count == 0, f"{count} batches of {path.name} were yielded before the error"
    assert err.file_name == path.name
    assert str(err).startswith(f"{path.name}: ")
    return err


def formula_workbook(path: Path, sheet: str = "花名册", cell: str = "D7") -> Path:
    """A workbook as openpyxl writes it: a formula in ``cell`` with no saved value."""
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    ws.append(["姓名", "补贴", "月数", "合计"])
    for row in range(2, 10):
        ws.append([f"居民{row}", 100, 12, 1200])
    ws[cell] = "=B7*C7"
    book.save(path)
    return path
