"""The home's files are its owner's alone: opening the home tightens what is loose and keeps
what is written afterwards private; the departments' stand-in systems are left as they are."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from home.layout import Home


@pytest.fixture(autouse=True)
def restore_umask() -> Iterator[None]:
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _loose(path: Path, mode: int, text: str | None = None) -> Path:
    if text is None:
        path.mkdir(parents=True, exist_ok=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    path.chmod(mode)
    return path


def test_opening_a_home_tightens_every_loose_file_and_folder(tmp_path: Path) -> None:
    root = _loose(tmp_path / "home", 0o755)
    hub_files = [
        _loose(root / "lakehouse" / "catalog.ducklake", 0o644, "catalogue"),
        _loose(root / "lakehouse" / "data" / "raw" / "t" / "f.parquet", 0o664, "data"),
        _loose(root / "rooms" / ".street_donghu.built.json", 0o644, "{}"),
        _loose(root / "dagster" / "storage" / "runs.db", 0o644, "runs"),
        _loose(root / "state" / "locks" / "sync-x.lock", 0o666, ""),
        _loose(root / "audit" / "audit.log", 0o640, ""),
    ]
    department = _loose(root / "departments" / "civil_affairs" / "roll.xlsx", 0o644, "x")
    outside = _loose(tmp_path / "outside.txt", 0o644, "not the hub's")
    (root / "state" / "link").symlink_to(outside)

    home = Home(root).ensure()

    assert _mode(home.root) == 0o700
    for path in hub_files:
        assert _mode(path) == 0o600, path
        for folder in path.relative_to(root).parents:
            assert _mode(root / folder) == 0o700, folder
    for folder in (home.keys, home.lakehouse, home.rooms, home.audit, home.dagster, home.state):
        assert _mode(folder) == 0o700, folder
    assert _mode(department) == 0o644 and _mode(department.parent) == 0o755  # spared
    assert _mode(outside) == 0o644  # a link is not followed out of the home


def test_what_is_written_after_opening_is_private(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    made = home.rooms / "new.duckdb"
    made.write_bytes(b"room")
    (home.dagster / "history").mkdir()
    assert _mode(made) == 0o600 and _mode(home.dagster / "history") == 0o700
