"""``shuzhi audit verify [--against]`` and ``shuzhi audit checkpoint export|rotate-key``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from audit.checkpoints import Checkpointing, checkpoints_path
from audit.log import AuditLog
from audit.signing_key import SIGNING_KEY_ENV

SHUZHI = Path(sys.executable).with_name("shuzhi")


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHUZHI_HOME": str(home)}
    env.pop("SHUZHI_DEBUG", None)
    env.pop(SIGNING_KEY_ENV, None)
    return subprocess.run(
        [str(SHUZHI), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(SIGNING_KEY_ENV, raising=False)
    home = tmp_path / "home"
    log = AuditLog(home / "audit" / "audit.log", Checkpointing(home / "keys", every=5))
    for n in range(23):  # checkpoints at seq 1, 6, 11, 16, 21
        log.append(
            "query",
            "street:a",
            {"principal": "street:a", "purpose": "", "statement": "S", "outcome": "ok", "n": n},
        )
    return home


def test_export_then_verify_against_it(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "kept" / "checkpoints.json"
    out.parent.mkdir()
    exported = _run(home, "audit", "checkpoint", "export", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert "wrote 5 checkpoints, the last at seq 21" in exported.stdout
    document = json.loads(out.read_text("utf-8"))
    assert len(document["public_keys"]) == 1 and len(document["checkpoints"]) == 5

    done = _run(home, "audit", "verify", "--against", str(out))
    assert done.returncode == 0, done.stderr
    assert "23 events" in done.stdout and "5 signed checkpoints, 2 events since the last" in (
        done.stdout
    )


def test_verify_against_the_export_finds_a_tail_cut_with_its_checkpoints(
    home: Path, tmp_path: Path
) -> None:
    out = tmp_path / "checkpoints.json"
    assert _run(home, "audit", "checkpoint", "export", "--out", str(out)).returncode == 0
    log = home / "audit" / "audit.log"
    log.write_text("".join(log.read_text("utf-8").splitlines(keepends=True)[:18]), "utf-8")
    cp = checkpoints_path(log)
    cp.write_text("".join(cp.read_text("utf-8").splitlines(keepends=True)[:4]), "utf-8")

    assert _run(home, "audit", "verify").returncode == 0  # consistent on its own
    done = _run(home, "audit", "verify", "--against", str(out))
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "checkpoint #5 (seq 21) is in the exported copy" in done.stderr
    assert "ends at seq 18" in done.stderr


def test_verify_without_the_export_finds_a_tail_cut(home: Path) -> None:
    log = home / "audit" / "audit.log"
    log.write_text("".join(log.read_text("utf-8").splitlines(keepends=True)[:18]), "utf-8")
    done = _run(home, "audit", "verify")
    assert done.returncode == 1 and "checkpoint #5" in done.stderr


def test_rotate_key_keeps_old_checkpoints_verifiable(home: Path) -> None:
    rotated = _run(home, "audit", "checkpoint", "rotate-key")
    assert rotated.returncode == 0, rotated.stderr
    assert "new audit signing key" in rotated.stdout
    log = AuditLog(home / "audit" / "audit.log", Checkpointing(home / "keys", every=5))
    for n in range(6):
        log.append(
            "query",
            "street:a",
            {"principal": "street:a", "purpose": "", "statement": "S", "outcome": "ok", "n": n},
        )
    done = _run(home, "audit", "verify")
    assert done.returncode == 0, done.stderr
    assert "6 signed checkpoints" in done.stdout
