"""What was read from files, reused for exactly as long as those files are unchanged.

A file's version is what ``stat`` says of it: device, inode, size, modification
and change times. An atomic replace (a new inode), an append or an edit changes
it, and a folder's version changes when a file is added, removed or renamed in
it. What ``stat`` cannot show is a rewrite in place that keeps the size and
lands in the same tick of the file system's clock as the version already seen.
So a file whose times are too recent to rule that out (git calls such entries
"racily clean") is also compared by content, until it is old enough for its
``stat`` to speak for it. A check is therefore a few ``stat`` calls, and never
misses a change: a grant revoked in a file is seen on the very next call.
"""

from __future__ import annotations

import os
import stat as stat_mode
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar, cast

from home.shared_home import home_database, shared_name

T = TypeVar("T")

# Longer than any file system's timestamp granularity (a clock tick of a few
# milliseconds on ext4, xfs or tmpfs; two seconds on FAT).
SETTLED_NS = 3_000_000_000

Stat = tuple[int, int, int, int, int]


@dataclass(frozen=True)
class _Seen:
    stat: Stat | None  # None: there was no such file
    content: bytes | None = None  # kept while the times are too recent for stat alone


def _stat(path: Path) -> tuple[Stat | None, bool, int]:
    """(version, is a folder, last change time) of ``path``; (None, False, 0) when absent.

    A file kept in the shared home database has that database's version number instead.
    """
    shared = shared_name(path)
    if shared is not None:
        number = home_database().version(shared)
        return (None if number is None else (0, 0, 0, number, 0)), False, 0
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None, False, 0
    changed = max(found.st_mtime_ns, found.st_ctime_ns)
    version = (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)
    return version, stat_mode.S_ISDIR(found.st_mode), changed


def _content(path: Path, folder: bool) -> bytes | None:
    try:
        if folder:
            return "\0".join(sorted(os.listdir(path))).encode("utf-8", "surrogateescape")
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def _see(path: Path, now_ns: int) -> _Seen:
    version, folder, changed = _stat(path)
    if version is None or now_ns - changed > SETTLED_NS:
        return _Seen(version)
    return _Seen(version, _content(path, folder))


@dataclass
class FileVersions:
    """The versions of some files and folders, as seen at one moment."""

    seen: dict[Path, _Seen]

    @classmethod
    def of(cls, paths: Iterable[Path]) -> FileVersions:
        now = time.time_ns()
        return cls({Path(path): _see(Path(path), now) for path in paths})

    def unchanged(self) -> bool:
        """Whether every file and folder is still the version seen."""
        now = time.time_ns()
        for path, seen in self.seen.items():
            version, folder, changed = _stat(path)
            if version != seen.stat:
                return False
            if seen.content is None:
                continue
            if _content(path, folder) != seen.content:
                return False
            if now - changed > SETTLED_NS:
                # Read again after the clock moved on: any later change shows in stat.
                self.seen[path] = _Seen(version)
        return True


class Reloading(Generic[T]):
    """A value loaded from files, loaded again as soon as any of them changes.

    ``watched`` names the files (and the folders whose listing matters) at the
    moment of loading; they are looked at before ``load`` runs, so a change made
    while it runs is seen on the next call. A load that fails is tried again on
    the next call, never served from the last good value.
    """

    def __init__(self, watched: Callable[[], Iterable[Path]], load: Callable[[], T]) -> None:
        self._watched = watched
        self._load = load
        self._lock = threading.Lock()
        self._versions: FileVersions | None = None
        self._value: T | None = None

    def get(self) -> T:
        with self._lock:
            if self._versions is not None and self._versions.unchanged():
                return cast(T, self._value)
            self._versions = None
            versions = FileVersions.of(self._watched())
            self._value = self._load()
            self._versions = versions
            return self._value
