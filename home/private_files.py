"""Small state files only the hub's owner may read: atomic JSON writes and an exclusive lock.

Used for the key store and the access requests: a reader sees the old file or
the new one, never half of one, and concurrent writers take turns. A file that
every server shares (``home.shared_home``) is read, written and locked in the
home database instead when one is set.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from home.shared_home import home_database, locked_name, shared_name


def write_private_json(path: Path, data: Any) -> None:
    """Replace ``path`` atomically with ``data`` as JSON, mode 0600, synced to disk."""
    name = shared_name(path)
    if name is not None:
        home_database().write(name, _json_bytes(data))
        return
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(_json_bytes(data).decode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    fsync_directory(path.parent)


def read_private_bytes(path: Path) -> bytes:
    """The file's bytes (FileNotFoundError when there is none), from the home database
    when it is a shared file."""
    name = shared_name(path)
    if name is None:
        return Path(path).read_bytes()
    body = home_database().read(name)
    if body is None:
        raise FileNotFoundError(f"{name} is not in the shared home database yet")
    return body


def private_file_exists(path: Path) -> bool:
    name = shared_name(path)
    return Path(path).exists() if name is None else home_database().version(name) is not None


def _json_bytes(data: Any) -> bytes:
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    return text.encode("utf-8")


def fsync_directory(folder: Path) -> None:
    """Make a rename in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def exclusive_lock(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive flock on ``lock_path`` (created 0600) for the block."""
    name = locked_name(lock_path)
    if name is not None:
        with home_database().lock(name):
            yield
        return
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the flock
