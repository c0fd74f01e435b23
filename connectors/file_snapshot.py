"""Private snapshots of dropped files: read a copy that cannot change under the reader."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from connectors.batch import FileChanged

COPY_CHUNK = 1 << 20


@dataclass(frozen=True)
class Snapshot:
    path: Path  # the private copy, with the original file name
    sha256: str
    size: int


@contextmanager
def snapshot(path: Path, *, expected_sha256: str | None = None) -> Iterator[Snapshot]:
    """Copy ``path`` into a private temporary folder (0700, the file 0600) while hashing it.

    Raises FileChanged when the file vanished, when its size or modification time moved
    during the copy, or when the copy's digest is not ``expected_sha256`` (the digest the
    survey saw). The copy is deleted on the way out, also on error.
    """
    folder = Path(tempfile.mkdtemp(prefix="shuzhi-drop-"))
    try:
        copy = folder / path.name
        try:
            before = path.stat()
            digest = hashlib.sha256()
            size = 0
            fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with path.open("rb") as source, os.fdopen(fd, "wb") as target:
                for chunk in iter(lambda: source.read(COPY_CHUNK), b""):
                    digest.update(chunk)
                    target.write(chunk)
                    size += len(chunk)
            after = path.stat()
        except FileNotFoundError:
            raise FileChanged(path.name, "the file disappeared") from None
        moved = (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns)
        if moved or size != after.st_size:
            raise FileChanged(path.name, "its size or modification time moved during the copy")
        sha256 = digest.hexdigest()
        if expected_sha256 is not None and sha256 != expected_sha256:
            raise FileChanged(
                path.name,
                f"content is sha256 {sha256[:12]}…, the survey saw {expected_sha256[:12]}…",
            )
        yield Snapshot(path=copy, sha256=sha256, size=size)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
