"""The hub's files are its owner's alone: files 0600, folders 0700.

DuckDB, DuckLake and Dagster create their files (catalogue, WAL, Parquet, run
storage) with no mode of their own, so the process's umask decides: every
entry point of the hub sets it first (the command line, loading the Dagster
graph, opening the home, making a ``Hub``, opening the lake). Files made before
that, or by a process that never ran our code (``dagster dev``'s webserver and
daemon), are tightened by :func:`tighten_tree` whenever the home is opened.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077


def keep_new_files_private() -> None:
    """From now on this process creates files 0600 and folders 0700 (at most)."""
    os.umask(PRIVATE_UMASK)


def tighten_tree(root: Path, *, spare: tuple[Path, ...] = ()) -> None:
    """Take every permission of group and others from ``root`` and everything under it,
    except the folders in ``spare`` (and what they hold). Symbolic links are not followed."""
    spared = {os.path.abspath(p) for p in spare}
    _tighten(str(root))
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if os.path.abspath(os.path.join(folder, d)) not in spared]
        for name in (*dirs, *files):
            _tighten(os.path.join(folder, name))


def _tighten(path: str) -> None:
    # Gone already (a WAL checkpointed away, a room swapped in) or not ours: nothing to do.
    with contextlib.suppress(FileNotFoundError, PermissionError):
        info = os.lstat(path)
        if not stat.S_ISLNK(info.st_mode) and info.st_mode & PRIVATE_UMASK:
            os.chmod(path, stat.S_IMODE(info.st_mode) & ~PRIVATE_UMASK)
