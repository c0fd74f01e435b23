"""``shuzhi backup``: one consistent snapshot of a hub's home in one tar file.

What it holds, each part taken under the lock its writers take, so no part is caught
half-written and the parts agree with each other:

- the lakehouse: its catalogue (an encrypted DuckDB file, with its write-ahead log if
  any) and every data file (encrypted Parquet), under the lake lock, which every
  process that opens the lake holds while it has it open;
- the key store as it is (data and token keys wrapped by the master key) and the audit
  signing keys' public halves, under the key store's lock, taken inside the lake's, so
  every key a sealed value of the snapshot needs is in it;
- the audit log and its signed checkpoints, under the log's lock;
- the hub's state (users, access requests, the connectors' ledgers) and Dagster's run
  history and schedule state (its SQLite files copied with SQLite's backup API).

What it never holds: the master key (a backup without it opens nothing; the restorer
brings it), the audit signing key (a restored hub signs with a new one; the old key's
public half stays trusted, so old checkpoints still verify), the rooms (built again from
the lakehouse on restore), the demo's simulated department systems and sign-ins,
lock files and spill files. ``shuzhi-backup.json`` in the archive lists every file with
its size and SHA-256, and the audit log's length and head at the snapshot.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import io
import json
import os
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from home.layout import Home
from home.private_files import exclusive_lock
from home.shared_home import HOME_DATABASE_ENV

BACKUP_FORMAT = 1
MANIFEST = "shuzhi-backup.json"
# Home-relative files never taken, whatever folder they are in.
_NEVER = ("master.key", "audit-signing.key")
_SKIPPED_SUFFIXES = (".lock", ".tmp", ".sock")
_KEYS = ("keystore.json", "audit-signing-public.json")
LEFT_OUT = (
    "keys/master.key and the audit signing key (never in a backup)",
    "rooms/ (built again on restore)",
    "departments/ (the demo's department systems)",
    "dagster/storage/ (step output logs)",
)


class BackupError(RuntimeError):
    """A backup cannot be made or restored as asked (one line, naming the file)."""


@dataclass
class BackupReport:
    archive: Path
    created_at: str
    files: int = 0
    bytes: int = 0
    audit_events: int = 0
    audit_head: str | None = None
    left_out: tuple[str, ...] = ()


Progress = Callable[[str], None]


def make_backup(home: Home, out: Path, *, progress: Progress | None = None) -> BackupReport:
    """Write ``out`` (a new tar file, 0600) with a consistent snapshot of ``home``."""
    from lakehouse.catalogue import CATALOGUE_FILE, LakeSettings
    from lakehouse.lake_lock import lake_lock

    say = progress or (lambda _line: None)
    out = Path(out).resolve()
    _check_target(home, out)
    if os.environ.get(HOME_DATABASE_ENV, "").strip():
        raise BackupError(
            f"the home's people, keys and audit log are in the home database ({HOME_DATABASE_ENV}):"
            " back it up with pg_dump, with the lakehouse's catalogue database and its bucket"
            " (deploy/README.md, Backups)"
        )
    settings = LakeSettings.for_home(home)
    catalogue = settings.catalogue_file
    default_data = str(home.lakehouse / "data") + "/"
    if catalogue is None or settings.data_path != default_data:
        raise BackupError(
            "the lakehouse is not in the home (SHUZHI_LAKE_CATALOG or SHUZHI_LAKE_DATA_PATH "
            "is set): back up its catalogue database and bucket with their own tools, "
            "then the home's keys, audit and state"
        )
    if not catalogue.exists():
        raise BackupError(f"{home.root} holds no lakehouse ({catalogue} is missing)")
    report = BackupReport(
        out, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), left_out=LEFT_OUT
    )
    listed: list[dict[str, Any]] = []
    partial = out.with_name(f".{out.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
            add = _Adder(tar, home.root, listed, report)
            with lake_lock(catalogue.parent):
                say("lakehouse locked: no sync writes until the snapshot is taken")
                with exclusive_lock(home.keys / "keystore.json.lock"):
                    for name in _KEYS:
                        add.file(home.keys / name, required=name == "keystore.json")
                say(f"keys: {', '.join(_KEYS)} (the master key stays out)")
                add.file(catalogue, required=True)
                add.file(catalogue.with_name(CATALOGUE_FILE + ".wal"), required=False)
                data = sorted(p for p in (home.lakehouse / "data").rglob("*") if p.is_file())
                for index, path in enumerate(data, 1):
                    add.file(path, required=True)
                    if index % 500 == 0:
                        say(f"lakehouse: {index:,} of {len(data):,} data files")
                say(f"lakehouse: catalogue and {len(data):,} data files")
                with _audit_read_lock(home.audit / "audit.log"):
                    for name in ("audit.log", "audit.checkpoints"):
                        add.file(home.audit / name, required=False)
                    report.audit_events, report.audit_head = _audit_head(home.audit / "audit.log")
                say(f"audit log: {report.audit_events:,} events")
            for path in _tree(home.state):
                add.file(path, required=False)
            for path in _dagster_files(home.dagster):
                if path.suffix == ".db":
                    add.sqlite(path)
                else:
                    add.file(path, required=False)
            say("state and Dagster history")
            manifest = {
                "format": BACKUP_FORMAT,
                "created_at": report.created_at,
                "shuzhi": _version(),
                "audit": {"events": report.audit_events, "head": report.audit_head},
                "files": listed,
                "left_out": list(report.left_out),
            }
            add.bytes(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return report


class _Adder:
    """Adds files to the archive under their home-relative names, and lists them."""

    def __init__(
        self, tar: tarfile.TarFile, root: Path, listed: list[dict[str, Any]], report: BackupReport
    ) -> None:
        self.tar, self.root, self.listed, self.report = tar, root, listed, report

    def file(self, path: Path, *, required: bool) -> None:
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            if required:
                raise BackupError(f"{path} is missing: the home is incomplete") from None
            return
        with handle:
            size = os.fstat(handle.fileno()).st_size
            self._add(path.relative_to(self.root).as_posix(), handle, size)

    def sqlite(self, path: Path) -> None:
        """A SQLite database as of one instant, even while Dagster writes to it."""
        with tempfile.TemporaryDirectory(dir=self.root / "state") as folder:
            copy = Path(folder) / "copy.db"
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            target = sqlite3.connect(copy)
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
            with copy.open("rb") as handle:
                self._add(path.relative_to(self.root).as_posix(), handle, copy.stat().st_size)

    def bytes(self, name: str, content: bytes) -> None:
        self._add(name, io.BytesIO(content), len(content), listed=False)

    def _add(self, name: str, handle: Any, size: int, *, listed: bool = True) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode = size, 0o600
        info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
        digest = _HashingReader(handle, size)
        self.tar.addfile(info, digest)
        if listed:
            self.listed.append({"path": name, "bytes": size, "sha256": digest.hexdigest()})
            self.report.files += 1
            self.report.bytes += size


class _HashingReader(io.RawIOBase):
    """Reads exactly ``size`` bytes of ``handle`` (a file that grows is cut where it was
    measured), hashing what it hands on."""

    def __init__(self, handle: Any, size: int) -> None:
        self.handle, self.left, self.hash = handle, size, hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        chunk = self.handle.read(n) if n else b""
        if len(chunk) < n:
            raise BackupError("a file shrank while it was being backed up")
        self.left -= len(chunk)
        self.hash.update(chunk)
        return bytes(chunk)

    def hexdigest(self) -> str:
        return self.hash.hexdigest()


def _check_target(home: Home, out: Path) -> None:
    if out.exists():
        raise BackupError(f"{out} already exists; a backup never overwrites a file")
    if home.root in out.parents:
        raise BackupError(f"{out} is inside the home {home.root}; write the backup elsewhere")
    if not out.parent.is_dir():
        raise BackupError(f"{out.parent} is not a folder")


@contextlib.contextmanager
def _audit_read_lock(log: Path) -> Iterator[None]:
    """The lock the audit log's writers take (exclusive) held shared: no append runs."""
    try:
        fd = os.open(log, os.O_RDONLY)
    except FileNotFoundError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def _audit_head(log: Path) -> tuple[int, str | None]:
    """Events in the log and the hash of its last line (the chain's head)."""
    from audit.verify import verify

    if not log.exists():
        return 0, None
    result = verify(log)
    return result.events, result.head_hash


def _tree(folder: Path) -> Iterator[Path]:
    """The files of a state folder worth keeping: not locks, temporary or spill files."""
    if not folder.exists():
        return
    for parent, folders, files in os.walk(folder):
        folders[:] = sorted(
            f for f in folders if f != "locks" and not f.startswith(("validate-", "tmp"))
        )
        for name in sorted(files):
            if name.endswith(_SKIPPED_SUFFIXES) or name in _NEVER or name.startswith("."):
                continue
            yield Path(parent) / name


def _dagster_files(folder: Path) -> Iterator[Path]:
    """Dagster's files but its step-output logs (``storage/``)."""
    for path in _tree(folder):
        if path.relative_to(folder).parts[0] != "storage":
            yield path


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("shuzhi")
    except PackageNotFoundError:
        return "unknown"
