"""File drops: CSV in any common Chinese encoding, Excel workbooks and JSON Lines feeds.

Each file is read from a private snapshot, checked whole before its first batch
(``connectors.csv_drop``, ``connectors.excel_drop``, ``connectors.jsonl_drop``).
"""

from __future__ import annotations

import fnmatch
import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from connectors.batch import SourceBatch
from connectors.config import FileDropSource, expand_home
from connectors.csv_drop import read_csv
from connectors.excel_drop import cell_text, read_excel
from connectors.file_kind import EXCEL_SUFFIXES, check_kind
from connectors.file_snapshot import snapshot
from connectors.jsonl_drop import read_jsonl
from connectors.watermark import Watermark

__all__ = ["BATCH_ROWS", "DropFile", "FileDropConnector", "cell_text", "file_digest"]

BATCH_ROWS = 50_000
JSONL_SUFFIXES = (".jsonl", ".ndjson")
# Files still being written are left for the next run: anything touched more
# recently than this, or named like a partial upload.
SETTLE_SECONDS = 2.0
PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial")


@dataclass(frozen=True)
class DropFile:
    path: Path
    sha256: str
    size: int


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class FileDropConnector:
    def __init__(
        self,
        source: FileDropSource,
        *,
        settle_seconds: float = SETTLE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.source = source
        self.settle_seconds = settle_seconds
        # What "now" is when a file's age is judged (a test sets it, not the machine's speed).
        self.clock = clock
        # A drop says nothing of its own size or types: each file's rows are counted as read.
        self.declared_rows: int | None = None
        self.source_schema: dict[str, str] = {}

    @property
    def folder(self) -> Path:
        return Path(expand_home(self.source.folder))

    def survey(self, processed: set[str] | None = None) -> dict[str, list[DropFile]]:
        """Every matching file in the folder, by state: ready, processed or arriving.

        Arriving files are still being written (touched within the settle time or
        named like a partial upload) and are left for the next run.
        """
        processed = processed or set()
        states: dict[str, list[DropFile]] = {"ready": [], "processed": [], "arriving": []}
        if not self.folder.is_dir():
            return states
        now = self.clock()
        for path in sorted(self.folder.iterdir()):
            if not path.is_file() or path.name.startswith((".", "~$")):
                continue
            partial = path.name.endswith(PARTIAL_SUFFIXES)
            name = path.name.removesuffix(Path(path.name).suffix) if partial else path.name
            if not any(fnmatch.fnmatch(name, pat) for pat in self.source.patterns):
                continue
            stat = path.stat()
            if partial or now - stat.st_mtime < self.settle_seconds:
                states["arriving"].append(DropFile(path=path, sha256="", size=stat.st_size))
                continue
            drop = DropFile(path=path, sha256=file_digest(path), size=stat.st_size)
            states["processed" if drop.sha256 in processed else "ready"].append(drop)
        return states

    def pending(self, processed: set[str] | None = None) -> list[DropFile]:
        """Files ready to read, oldest first, minus those whose content was processed before."""
        return self.survey(processed)["ready"]

    def check(self, processed: set[str] | None = None) -> dict[str, object]:
        states = self.survey(processed)
        return {
            "folder": str(self.folder),
            "folder_exists": self.folder.is_dir(),
            **{f"{state}_files": [f.path.name for f in files] for state, files in states.items()},
        }

    def read(self, *, since: Watermark | None = None) -> Iterator[SourceBatch]:
        for drop in self.pending():
            yield from self.read_file(drop.path, expected_sha256=drop.sha256)

    def read_file(self, path: Path, *, expected_sha256: str | None = None) -> Iterator[SourceBatch]:
        """Batches of one dropped file, read from a private snapshot of it.

        Raises FileChanged (before any batch) when the file changed since the survey saw
        ``expected_sha256`` or while it was copied, and BadSourceFile (before any batch)
        when it cannot be read as a whole: empty, mislabelled, damaged, undecodable,
        formulas without values, a bad header.
        """
        with snapshot(path, expected_sha256=expected_sha256) as snap:
            check_kind(snap.path, path.name)
            if path.suffix.lower() in EXCEL_SUFFIXES:
                yield from read_excel(
                    snap.path,
                    path.name,
                    self.source.sheet,
                    self.source.renames,
                    batch_rows=BATCH_ROWS,
                )
            elif path.suffix.lower() in JSONL_SUFFIXES:
                yield from read_jsonl(
                    snap.path,
                    path.name,
                    self.source.encoding,
                    self.source.renames,
                    batch_rows=BATCH_ROWS,
                )
            else:
                yield from read_csv(
                    snap.path,
                    path.name,
                    self.source.encoding,
                    self.source.renames,
                    batch_rows=BATCH_ROWS,
                )
