"""Reuse of what was read from files: loaded once while unchanged, again on any change."""

import os
from pathlib import Path

import pytest

import home.file_versions as file_versions
from home.file_versions import SETTLED_NS, FileVersions, Reloading

HOUR_NS = 3600 * 10**9


class _Counted:
    """A loader that reads a file and counts how often it ran."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.loads = 0

    def __call__(self) -> str:
        self.loads += 1
        return self.path.read_text("utf-8") if self.path.exists() else "<none>"


@pytest.fixture
def grants(tmp_path: Path) -> Path:
    path = tmp_path / "grants.yaml"
    path.write_text("grants: [g-1, g-2]\n", "utf-8")
    return path


def _age(path: Path, ns: int = HOUR_NS) -> None:
    """Make the file's modification time ``ns`` older (its change time moves on)."""
    mtime = os.stat(path).st_mtime_ns - ns
    os.utime(path, ns=(mtime, mtime))


def test_a_value_is_loaded_once_while_its_files_are_unchanged(grants: Path) -> None:
    load = _Counted(grants)
    value = Reloading(lambda: [grants], load)
    assert [value.get() for _ in range(5)] == ["grants: [g-1, g-2]\n"] * 5
    assert load.loads == 1


def test_an_atomic_replace_is_seen_on_the_next_get(grants: Path) -> None:
    load = _Counted(grants)
    value = Reloading(lambda: [grants], load)
    value.get()
    fresh = grants.with_name("grants.yaml.new")
    fresh.write_text("grants: [g-1, g-3]\n", "utf-8")  # the same size, a new inode
    os.replace(fresh, grants)
    assert value.get() == "grants: [g-1, g-3]\n"


def test_a_same_size_rewrite_in_place_right_after_loading_is_seen(
    grants: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On a file system whose clock ticks coarsely, stat shows nothing: content decides.
    frozen = file_versions._stat(grants)
    monkeypatch.setattr(file_versions, "_stat", lambda path: frozen)
    load = _Counted(grants)
    value = Reloading(lambda: [grants], load)
    value.get()
    with open(grants, "r+b") as handle:
        handle.write(b"grants: [g-1, g-9]\n")
    assert value.get() == "grants: [g-1, g-9]\n"
    assert load.loads == 2


def test_a_rewrite_in_place_that_puts_back_the_old_times_is_seen(grants: Path) -> None:
    _age(grants)  # settled: stat alone speaks for it
    load = _Counted(grants)
    value = Reloading(lambda: [grants], load)
    value.get()
    before = os.stat(grants)
    with open(grants, "r+b") as handle:
        handle.write(b"grants: [g-1, g-9]\n")
    os.utime(grants, ns=(before.st_atime_ns, before.st_mtime_ns))  # the change time still moves
    assert value.get() == "grants: [g-1, g-9]\n"


def test_a_file_that_appears_or_goes_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "access_requests.json"
    load = _Counted(path)
    value = Reloading(lambda: [path], load)
    assert value.get() == "<none>"
    path.write_text("{}", "utf-8")
    assert value.get() == "{}"
    path.unlink()
    assert value.get() == "<none>"


def test_a_file_added_to_a_watched_folder_is_seen(tmp_path: Path) -> None:
    folder = tmp_path / "products"
    folder.mkdir()
    (folder / "a.yaml").write_text("a", "utf-8")
    _age(folder)

    def names() -> list[str]:
        return sorted(p.name for p in folder.iterdir())

    value = Reloading(lambda: [folder, *sorted(folder.iterdir())], names)
    assert value.get() == ["a.yaml"]
    (folder / "b.yaml").write_text("b", "utf-8")
    assert value.get() == ["a.yaml", "b.yaml"]
    (folder / "a.yaml").unlink()
    assert value.get() == ["b.yaml"]


def test_a_failed_load_is_tried_again_and_never_answered_from_the_last_value(
    grants: Path,
) -> None:
    def strict() -> str:
        text = grants.read_text("utf-8")
        if "broken" in text:
            raise ValueError("grants.yaml: not valid YAML")
        return text

    value = Reloading(lambda: [grants], strict)
    assert value.get() == "grants: [g-1, g-2]\n"
    grants.write_text("broken: [\n", "utf-8")
    for _ in range(2):
        with pytest.raises(ValueError, match="not valid YAML"):
            value.get()
    grants.write_text("grants: [g-1]\n", "utf-8")
    assert value.get() == "grants: [g-1]\n"


def test_a_recent_file_is_compared_by_content_until_it_settles(
    grants: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = FileVersions.of([grants])
    assert versions.seen[grants].content == grants.read_bytes()  # too recent for stat alone
    assert versions.unchanged()
    assert versions.seen[grants].content is not None

    later = os.stat(grants).st_ctime_ns + SETTLED_NS + 10**9
    monkeypatch.setattr(file_versions.time, "time_ns", lambda: later)
    assert versions.unchanged()
    assert versions.seen[grants].content is None  # read again after the clock moved on

    grants.write_text("grants: [g-1, g-2, g-3]\n", "utf-8")
    assert not versions.unchanged()
