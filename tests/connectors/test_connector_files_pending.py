"""Which dropped files are ready: settled, complete, matching, not processed before."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from file_drop_fixtures import connector, drop_source, settle

from connectors.files import FileDropConnector, file_digest


def names(conn: FileDropConnector, processed: set[str] | None = None) -> list[str]:
    return [f.path.name for f in conn.pending(processed)]


def test_settled_matching_files_are_pending_with_hash_and_size(tmp_path: Path) -> None:
    path = settle(_touch(tmp_path / "a.csv"))
    [drop] = connector(tmp_path, settle_seconds=2.0).pending()
    assert drop.path == path
    assert drop.size == 4
    assert drop.sha256 == file_digest(path)
    assert len(drop.sha256) == 64


def test_files_newer_than_settle_seconds_wait(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.csv"
    fresh.write_text("x\n", encoding="utf-8")
    old = tmp_path / "old.csv"
    old.write_text("y\n", encoding="utf-8")
    settle(old, age_s=120)
    assert names(connector(tmp_path, settle_seconds=60)) == ["old.csv"]
    assert names(connector(tmp_path, settle_seconds=0)) == ["fresh.csv", "old.csv"]


def test_partial_uploads_hidden_and_lock_files_are_skipped(tmp_path: Path) -> None:
    for name in [
        "a.csv.part",
        "b.csv.tmp",
        "c.xlsx.crdownload",
        "d.csv.partial",
        ".hidden.csv",
        "~$cases.xlsx",
        "ok.csv",
    ]:
        settle(_touch(tmp_path / name))
    assert names(connector(tmp_path)) == ["ok.csv"]


def test_only_configured_patterns_are_read(tmp_path: Path) -> None:
    for name in ["cases.csv", "cases.xlsx", "readme.txt", "cases.json", "cases.CSV.bak"]:
        settle(_touch(tmp_path / name))
    (tmp_path / "sub.csv").mkdir()  # a folder is not a file
    assert names(connector(tmp_path)) == ["cases.csv", "cases.xlsx"]
    assert names(connector(tmp_path, patterns=["cases*.json"])) == ["cases.json"]


def test_content_already_processed_is_skipped_even_under_a_new_name(tmp_path: Path) -> None:
    first = settle(_touch(tmp_path / "a.csv", "same content"))
    settle(_touch(tmp_path / "b.csv", "same content"))
    settle(_touch(tmp_path / "c.csv", "other content"))
    assert names(connector(tmp_path), {file_digest(first)}) == ["c.csv"]


def test_pending_is_oldest_first_by_name_and_missing_folder_is_empty(tmp_path: Path) -> None:
    for name in ["2023-05-02.csv", "2023-05-01.csv"]:
        settle(_touch(tmp_path / name))
    assert names(connector(tmp_path)) == ["2023-05-01.csv", "2023-05-02.csv"]
    assert connector(tmp_path / "absent").pending() == []


def test_read_reads_every_pending_file(tmp_path: Path) -> None:
    settle(_touch(tmp_path / "a.csv", "x\n1\n"))
    settle(_touch(tmp_path / "b.csv", "x\n2\n3\n"))
    batches = list(connector(tmp_path).read())
    assert [(b.origin, b.records.num_rows) for b in batches] == [("a.csv", 1), ("b.csv", 2)]


def test_check_lists_ready_files_and_changes_nothing(tmp_path: Path) -> None:
    path = settle(_touch(tmp_path / "a.csv", "x\n1\n"))
    before = path.stat().st_mtime
    info = connector(tmp_path).check()
    assert info == {
        "folder": str(tmp_path),
        "folder_exists": True,
        "ready_files": ["a.csv"],
        "processed_files": [],
        "arriving_files": [],
    }
    assert path.stat().st_mtime == before


def test_check_tells_new_from_processed_and_arriving_files(tmp_path: Path) -> None:
    done = settle(_touch(tmp_path / "done.csv", "x\n1\n"))
    settle(_touch(tmp_path / "new.csv", "x\n2\n"))
    _touch(tmp_path / "half.csv.part", "x\n")
    _touch(tmp_path / "fresh.csv", "x\n3\n")
    info = connector(tmp_path, settle_seconds=60).check({file_digest(done)})
    assert info["ready_files"] == ["new.csv"]
    assert info["processed_files"] == ["done.csv"]
    assert info["arriving_files"] == ["fresh.csv", "half.csv.part"]


def test_check_of_a_missing_folder_says_so(tmp_path: Path) -> None:
    info = connector(tmp_path / "nowhere").check()
    assert info["folder_exists"] is False
    assert info["ready_files"] == []


def test_folder_expands_shuzhi_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHUZHI_HOME", str(tmp_path))
    drop = tmp_path / "departments" / "drop"
    drop.mkdir(parents=True)
    settle(_touch(drop / "a.csv"))
    source = drop_source(tmp_path).model_copy(update={"folder": "${SHUZHI_HOME}/departments/drop"})
    assert names(FileDropConnector(source, settle_seconds=0)) == ["a.csv"]


def _touch(path: Path, text: str = "x\n1\n") -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_settle_uses_modification_time(tmp_path: Path) -> None:
    path = _touch(tmp_path / "a.csv")
    assert time.time() - path.stat().st_mtime < 60
    assert names(connector(tmp_path, settle_seconds=60)) == []
