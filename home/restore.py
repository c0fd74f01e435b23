"""``shuzhi restore``: a backup (``home.backup``) made into a working home at a new path.

In order, stopping at the first problem with a message that names it:

1. the archive's manifest is read and every member checked against it: a regular file
   whose name stays inside the home, the size and SHA-256 the manifest lists, none
   missing, none extra; it is unpacked into a new folder beside the target and moved
   into place only when all of it checked out;
2. the master key, which no backup holds, comes from the restorer (the hub's usual
   provider, or ``--master-key-file``, copied in 0600) and must unwrap the key store;
3. the lakehouse catalogue is pointed at the new home's data folder (DuckLake keeps its
   data path in the catalogue, and refuses a catalogue whose path is elsewhere);
4. it is verified: the audit chain and its signed checkpoints, the event count and head
   the manifest recorded, every table of the lake read through, and every sealed value
   opened (a crypto-shredded one counts as shredded, as it should);
5. the rooms are built again from the lakehouse, and the restore is audited in the
   restored log.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import stat
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from home.backup import BACKUP_FORMAT, MANIFEST, BackupError
from home.layout import Home

Progress = Callable[[str], None]


@dataclass
class RestoreReport:
    home: Path
    created_at: str
    files: int = 0
    audit_events: int = 0
    checkpoints: int = 0
    tables: int = 0
    rows: int = 0
    sealed_values: int = 0
    shredded_values: int = 0
    rooms: int = 0
    problems: list[str] = field(default_factory=list)


def restore_backup(
    archive: Path,
    target: Path,
    *,
    master_key_file: Path | None = None,
    progress: Progress | None = None,
) -> RestoreReport:
    """Unpack ``archive`` into the new home ``target``, re-point and verify it."""
    say = progress or (lambda _line: None)
    archive, target = Path(archive).resolve(), Path(target).resolve()
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty; restore into a new folder")
    if not archive.is_file():
        raise BackupError(f"{archive} is not a file")
    _refuse_lake_elsewhere()
    key_text = _master_key_text(master_key_file)
    staging = target.with_name(f".{target.name}.restoring")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(mode=0o700, parents=True)
    try:
        manifest = _unpack(archive, staging, say)
        if key_text is not None:
            _write_key_file(staging / "keys" / "master.key", key_text)
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    home = Home(target).ensure()
    report = RestoreReport(target, str(manifest["created_at"]), files=len(manifest["files"]))
    try:
        _repoint_lake(home)
        say(f"lakehouse catalogue points at {home.lakehouse / 'data'}")
        _verify(home, manifest, report, say)
        if report.problems:
            raise BackupError(
                f"the restored home {target} does not verify: " + "; ".join(report.problems)
            )
        _rebuild_rooms(home, report, say)
    except BaseException:
        # A home that does not verify is not left to be used by mistake.
        shutil.rmtree(target, ignore_errors=True)
        raise
    _audit_restore(home, archive, report)
    return report


def _refuse_lake_elsewhere() -> None:
    """A backup holds a lakehouse in the home; with the variables that send the hub's lake
    elsewhere set, the restored home would be verified against that other lake."""
    from lakehouse.catalogue import CATALOG_ENV, DATA_PATH_ENV
    from lakehouse.lake_config import CONFIG_ENV

    named = [v for v in (CONFIG_ENV, CATALOG_ENV, DATA_PATH_ENV) if os.environ.get(v, "").strip()]
    if named:
        raise BackupError(
            f"{', '.join(named)} is set, so the hub's lakehouse is not in its home; a backup "
            "restores a home with its own lakehouse: unset it for the restore"
        )


def _master_key_text(master_key_file: Path | None) -> str | None:
    """The key file's text to copy into the new home; None when the hub's own provider
    (an environment variable or a KMS) gives the key."""
    from encryption.master_key import (
        MASTER_KEY_ENV,
        PROVIDER_ENV,
        FileMasterKey,
    )

    if master_key_file is not None:
        key = FileMasterKey(Path(master_key_file)).load()  # refuses a readable-by-others file
        return base64.b64encode(key).decode("ascii")
    if os.environ.get(PROVIDER_ENV, "").strip() or os.environ.get(MASTER_KEY_ENV, "").strip():
        return None
    raise BackupError(
        "a backup holds no master key: give the hub's key file with --master-key-file, "
        f"or set {MASTER_KEY_ENV} (or {PROVIDER_ENV})"
    )


def _write_key_file(path: Path, text: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text + "\n")


def _unpack(archive: Path, folder: Path, say: Progress) -> dict[str, Any]:
    try:
        tar = tarfile.open(archive, mode="r:*")  # noqa: SIM115 - closed by the with below
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{archive} is not a Shuzhi backup: {error}") from None
    with tar:
        members = {m.name: m for m in tar.getmembers()}
        if MANIFEST not in members:
            raise BackupError(f"{archive} is not a Shuzhi backup: it has no {MANIFEST}")
        manifest_file = tar.extractfile(members[MANIFEST])
        assert manifest_file is not None
        try:
            manifest = json.loads(manifest_file.read())
        except ValueError:
            raise BackupError(f"{archive}: {MANIFEST} is not valid JSON") from None
        if manifest.get("format") != BACKUP_FORMAT:
            raise BackupError(
                f"{archive} is a backup of format {manifest.get('format')!r}; "
                f"this Shuzhi restores format {BACKUP_FORMAT}"
            )
        expected = {f["path"]: f for f in manifest["files"]}
        extra = sorted(set(members) - set(expected) - {MANIFEST})
        missing = sorted(set(expected) - set(members))
        if extra or missing:
            named = (extra or missing)[0]
            raise BackupError(
                f"{archive} does not match its manifest: {named} is "
                + ("not listed in it" if extra else "listed but not in the archive")
            )
        for index, (name, listed) in enumerate(sorted(expected.items()), 1):
            member = members[name]
            if not member.isreg() or name.startswith("/") or ".." in Path(name).parts:
                raise BackupError(f"{archive}: {name} is not a file inside the home")
            _extract_checked(tar, member, folder / name, listed, archive)
            if index % 500 == 0:
                say(f"unpacked {index:,} of {len(expected):,} files")
        say(f"unpacked and checked {len(expected):,} files")
        return manifest


def _extract_checked(
    tar: tarfile.TarFile, member: tarfile.TarInfo, path: Path, listed: dict[str, Any], archive: Path
) -> None:
    source = tar.extractfile(member)
    assert source is not None
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if size != listed["bytes"] or digest.hexdigest() != listed["sha256"]:
        raise BackupError(f"{archive}: {member.name} is damaged (its SHA-256 or size differs)")
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


def _repoint_lake(home: Home) -> None:
    """Set the restored catalogue's data path to the new home's data folder."""
    from encryption.keystore import open_keystore
    from lakehouse.catalogue import CATALOGUE_FILE, point_data_path

    point_data_path(
        home.lakehouse / CATALOGUE_FILE,
        open_keystore(home.keys),
        str(home.lakehouse / "data") + "/",
    )


def _verify(home: Home, manifest: dict[str, Any], report: RestoreReport, say: Progress) -> None:
    from audit.sealed_verify import verify_sealed
    from audit.signing_key import trusted_public_keys

    log = home.audit / "audit.log"
    result = verify_sealed(log, trusted_public_keys(home.keys))
    report.audit_events, report.checkpoints = result.events, result.checkpoints
    recorded = manifest.get("audit", {})
    if not result.ok:
        report.problems.append(f"audit log: {'; '.join(result.problems)}")
    elif (result.events, result.head_hash) != (recorded.get("events"), recorded.get("head")):
        report.problems.append(
            f"audit log has {result.events} events, the backup recorded {recorded.get('events')}"
        )
    say(f"audit log verifies: {result.events:,} events, {result.checkpoints} signed checkpoints")
    _verify_lake(home, report, say)


def _verify_lake(home: Home, report: RestoreReport, say: Progress) -> None:
    from encryption.field_cipher import TamperedValueError, open_column
    from encryption.keystore import KeyStoreError
    from pipelines.hub import Hub
    from protection.sealed_columns import sealed_columns

    hub = Hub(home)
    with hub.lake() as con:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'lake' "
            "ORDER BY 1, 2"
        ).fetchall()
        for schema, table in tables:
            counted = con.execute(f'SELECT count(*) FROM lake."{schema}"."{table}"').fetchone()
            report.rows += counted[0] if counted else 0
        report.tables = len(tables)
        say(f"lakehouse reads: {report.tables} tables, {report.rows:,} rows")
        for column in sealed_columns(con, hub.catalog):
            reader = (
                con.cursor()
                .execute(
                    f'SELECT "{column.column}" FROM lake."{column.schema}"."{column.table}" '
                    f'WHERE "{column.column}" IS NOT NULL'
                )
                .fetch_record_batch(100_000)
            )
            for batch in reader:
                sealed = batch.column(0)
                try:
                    opened = open_column(
                        sealed,
                        dataset=column.dataset,
                        column=column.key_column,
                        keystore=hub.keystore,
                        shredded="null",
                    )
                except (TamperedValueError, KeyStoreError) as error:
                    report.problems.append(f"{column.where}: {error}")
                    break
                report.sealed_values += len(sealed)
                report.shredded_values += opened.null_count
    if report.problems:
        return
    say(
        f"every sealed value opens: {report.sealed_values:,} values"
        + (f" ({report.shredded_values:,} crypto-shredded)" if report.shredded_values else "")
    )


def _rebuild_rooms(home: Home, report: RestoreReport, say: Progress) -> None:
    from pipelines.hub import Hub
    from pipelines.room_steps import build_rooms_step

    report.rooms = len(build_rooms_step(Hub(home)))
    say(f"rooms built again: {report.rooms}")


def _audit_restore(home: Home, archive: Path, report: RestoreReport) -> None:
    import getpass

    from pipelines.hub import Hub

    Hub(home).audit.append(
        "home_restore",
        f"operator:{getpass.getuser()}",
        {
            "backup": archive.name,
            "backup_created_at": report.created_at,
            "files": report.files,
            "audit_events": report.audit_events,
            "sealed_values": report.sealed_values,
            "rooms": report.rooms,
        },
    )
