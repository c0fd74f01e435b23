"""A backup of the demo home restored at another path opens, answers the same queries,
opens every sealed value and verifies its audit chain; the master key never travels;
a damaged, incomplete or keyless restore stops and leaves nothing half made."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from demo_run import SHUZHI, DemoRun

from home.backup import MANIFEST

QUERY = "SELECT street_code, count(*) AS n FROM street_case_stats GROUP BY 1 ORDER BY 1"


@dataclass
class Restored:
    source: DemoRun
    archive: Path
    home: DemoRun
    backup_json: dict
    restore_json: dict


def _shuzhi(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "SHUZHI_HOME": str(home), "COLUMNS": "200", **env}
    environment.pop("SHUZHI_MASTER_KEY", None)
    return subprocess.run(
        [str(SHUZHI), *args], env=environment, capture_output=True, text=True, timeout=600
    )


def _restore(
    archive: Path, target: Path, key: Path, *extra: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """``shuzhi restore ARCHIVE --home TARGET --master-key-file KEY`` (SHUZHI_HOME: a folder
    beside TARGET, not a hub's home)."""
    args = ("restore", str(archive), "--home", str(target), "--master-key-file", str(key))
    return _shuzhi(target.parent, *args, *extra, **env)


@pytest.fixture(scope="module")
def restored(demo: DemoRun, tmp_path_factory: pytest.TempPathFactory) -> Restored:
    folder = tmp_path_factory.mktemp("backup")
    source = demo.copy(folder / "source")  # the backup is audited in the home it was taken of
    archive = folder / "home.tar"
    made = source.shuzhi("backup", "--out", str(archive), "--json")
    assert made.returncode == 0, made.stderr
    target = folder / "elsewhere" / "home"
    target.parent.mkdir(parents=True)
    done = _restore(archive, target, source.home / "keys" / "master.key", "--json")
    assert done.returncode == 0, done.stderr
    return Restored(
        source, archive, DemoRun(target, "", 0), json.loads(made.stdout), json.loads(done.stdout)
    )


def test_a_restored_home_answers_the_same_query_as_the_original(restored: Restored) -> None:
    for principal in ("street_donghu", "dept_hotline_12345"):
        before = restored.source.query_json(principal, QUERY)
        after = restored.home.query_json(principal, QUERY)
        assert after["rows"] == before["rows"] and after["rows"]


def test_a_restored_home_opens_every_sealed_value_and_its_audit_chain_verifies(
    restored: Restored,
) -> None:
    report = restored.restore_json
    assert report["sealed_values"] > 1000 and report["tables"] > 10 and report["rooms"] > 0
    # The backup's log, every event of it, plus what the restore itself wrote.
    assert report["audit_events"] == restored.backup_json["audit_events"]
    verified = restored.home.shuzhi("audit", "verify", "--json")
    assert verified.returncode == 0, verified.stderr
    result = json.loads(verified.stdout)
    assert result["ok"] and result["events"] > report["audit_events"]
    log = (restored.home.home / "audit" / "audit.log").read_text(encoding="utf-8")
    assert '"kind":"home_restore"' in log.replace(" ", "")
    source_log = (restored.source.home / "audit" / "audit.log").read_text(encoding="utf-8")
    assert '"kind":"home_backup"' in source_log.replace(" ", "")


def test_the_backup_never_holds_the_master_key_the_signing_key_or_the_rooms(
    restored: Restored,
) -> None:
    with tarfile.open(restored.archive) as tar:
        names = tar.getnames()
    assert MANIFEST in names and "lakehouse/catalog.ducklake" in names
    assert "keys/keystore.json" in names and "audit/audit.log" in names
    assert not [n for n in names if n.endswith(("master.key", "audit-signing.key"))]
    assert not [n for n in names if n.startswith(("rooms/", "departments/"))]
    key_text = (restored.source.home / "keys" / "master.key").read_text().strip().encode()
    assert key_text not in restored.archive.read_bytes()
    assert os.stat(restored.archive).st_mode & 0o077 == 0


def test_a_damaged_backup_is_refused_naming_the_file_and_nothing_is_left(
    restored: Restored, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(restored.archive) as tar, tarfile.open(damaged, "w") as out:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "keys/keystore.json":
                data = data.replace(b'"', b"'", 1)
            out.addfile(member, io.BytesIO(data))
    target = tmp_path / "home"
    done = _restore(damaged, target, restored.source.home / "keys" / "master.key")
    assert done.returncode != 0
    assert "keys/keystore.json is damaged" in done.stderr
    assert not target.exists() and not list(tmp_path.glob(".home*"))


def test_a_restore_without_the_master_key_says_how_to_give_it(
    restored: Restored, tmp_path: Path
) -> None:
    done = _shuzhi(tmp_path, "restore", str(restored.archive), "--home", str(tmp_path / "home"))
    assert done.returncode != 0 and "--master-key-file" in done.stderr
    assert not (tmp_path / "home").exists()


def test_a_restore_with_another_hubs_master_key_is_refused_and_leaves_nothing(
    restored: Restored, tmp_path: Path
) -> None:
    from encryption.master_key import create_key_file

    other = tmp_path / "other.key"
    create_key_file(other)
    target = tmp_path / "home"
    done = _restore(restored.archive, target, other)
    assert done.returncode != 0 and "master key" in done.stderr.lower()
    assert not target.exists()


def test_restore_refuses_while_the_hubs_lake_is_set_elsewhere(
    restored: Restored, tmp_path: Path
) -> None:
    key = restored.source.home / "keys" / "master.key"
    done = _restore(
        restored.archive, tmp_path / "home", key, SHUZHI_LAKE_CONFIG=str(tmp_path / "lake.yaml")
    )
    assert done.returncode != 0 and "SHUZHI_LAKE_CONFIG is set" in done.stderr
    assert not (tmp_path / "home").exists()


def test_restore_refuses_a_folder_that_holds_something(restored: Restored, tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "notes.txt").write_text("mine")
    key = restored.source.home / "keys" / "master.key"
    done = _restore(restored.archive, tmp_path / "home", key)
    assert done.returncode != 0 and "is not empty" in done.stderr
    assert (tmp_path / "home" / "notes.txt").read_text() == "mine"


def test_backup_never_overwrites_and_never_writes_into_the_home(restored: Restored) -> None:
    again = restored.source.shuzhi("backup", "--out", str(restored.archive))
    assert again.returncode != 0 and "already exists" in again.stderr
    inside = restored.source.shuzhi("backup", "--out", str(restored.source.home / "b.tar"))
    assert inside.returncode != 0 and "inside the home" in inside.stderr
    assert not (restored.source.home / "b.tar").exists()


def test_a_backup_waits_for_a_sync_and_says_so_when_it_waited_too_long(
    restored: Restored, tmp_path: Path
) -> None:
    from lakehouse.lake_lock import lake_lock

    with lake_lock(restored.source.home / "lakehouse"):
        done = _shuzhi(
            restored.source.home,
            "backup",
            "--out",
            str(tmp_path / "b.tar"),
            SHUZHI_LAKE_WAIT_SECONDS="0.3",
        )
    assert done.returncode != 0 and "the lakehouse is in use" in done.stderr
    assert not (tmp_path / "b.tar").exists() and not list(tmp_path.glob(".b.tar*"))
    shutil.rmtree(tmp_path, ignore_errors=True)
