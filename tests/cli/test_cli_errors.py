"""The command line answers every failure with one clear line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from home.layout import DEFAULT_CONFIG_DIR

SHUZHI = Path(sys.executable).with_name("shuzhi")


def _run(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "SHUZHI_HOME": str(home), **env}
    full_env.pop("SHUZHI_DEBUG", None)
    return subprocess.run(
        [str(SHUZHI), *args], env=full_env, capture_output=True, text=True, timeout=120, check=False
    )


def test_help_lists_the_contract_commands(tmp_path: Path) -> None:
    done = _run(tmp_path, "--help")
    assert done.returncode == 0
    for command in ("demo", "catalog", "principals", "query", "audit"):
        assert command in done.stdout


def test_broken_config_is_one_line_naming_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    path = config / "principals.yaml"
    path.write_text(path.read_text().replace("kind: reviewer", "kind: auditor"))
    done = _run(tmp_path / "home", "principals", "list", SHUZHI_CONFIG=str(config))
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert f"{path}: principals.9.kind" in done.stderr


def test_audit_verify_on_a_new_home_is_ok(tmp_path: Path) -> None:
    done = _run(tmp_path, "audit", "verify")
    assert done.returncode == 0
    assert "0 events" in done.stdout


def test_audit_verify_refuses_a_missing_or_emptied_log_on_a_hub_with_history(
    tmp_path: Path,
) -> None:
    (tmp_path / "keys").mkdir(parents=True)
    (tmp_path / "keys" / "keystore.json").write_text("{}", encoding="utf-8")
    missing = _run(tmp_path, "audit", "verify")
    assert missing.returncode == 1
    assert "is missing, but this hub has history (key store)" in missing.stderr
    (tmp_path / "audit").mkdir()
    (tmp_path / "audit" / "audit.log").write_text("", encoding="utf-8")
    emptied = _run(tmp_path, "audit", "verify")
    assert emptied.returncode == 1 and "is empty, but this hub has history" in emptied.stderr


def test_query_before_any_pipeline_run_is_refused_clearly(tmp_path: Path) -> None:
    done = _run(tmp_path, "query", "--as", "street_donghu", "select * from street_case_stats")
    assert done.returncode == 2
    assert done.stderr.startswith("refused: ") and "no data room" in done.stderr


def test_bad_demo_scale_is_a_usage_error(tmp_path: Path) -> None:
    done = _run(tmp_path, "demo", "--scale", "0")
    assert done.returncode == 1
    assert done.stderr.strip() == "error: --scale must be greater than 0"


def _usage_error(done: subprocess.CompletedProcess[str], message: str) -> None:
    """click's usage message on stderr, exit 2, and none of the 'unexpected' wrapping."""
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Usage: shuzhi" in done.stderr and f"Error: {message}" in done.stderr
    assert "unexpected" not in done.stderr and "Traceback" not in done.stderr


def test_a_mistyped_command_is_a_usage_error(tmp_path: Path) -> None:
    _usage_error(_run(tmp_path, "querry"), "No such command 'querry'")


def test_a_missing_option_is_a_usage_error(tmp_path: Path) -> None:
    done = _run(tmp_path, "access", "approve", "req-0001", "--as", "steward_district")
    _usage_error(done, "Missing option '--reason'")


def test_an_unknown_option_is_a_usage_error(tmp_path: Path) -> None:
    _usage_error(_run(tmp_path, "--bogus"), "No such option: --bogus")


def test_a_group_without_its_subcommand_shows_its_help_and_exits_2(tmp_path: Path) -> None:
    done = _run(tmp_path, "catalog")
    assert done.returncode == 2
    assert "Usage: shuzhi catalog" in done.stdout + done.stderr and "unexpected" not in done.stderr


def test_version_prints_the_version_and_exits_0(tmp_path: Path) -> None:
    from importlib.metadata import version

    done = _run(tmp_path, "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"shuzhi {version('shuzhi')}\n"


def test_audit_verify_json_says_ok_or_what_is_wrong(tmp_path: Path) -> None:
    import json

    done = _run(tmp_path, "audit", "verify", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) | {"log": None} == {
        "log": None,
        "ok": True,
        "events": 0,
        "head": None,
        "checkpoints": 0,
        "unsealed": 0,
        "against": None,
        "problems": [],
        "line": None,
        "history": [],
    }
    (tmp_path / "keys").mkdir(parents=True)
    (tmp_path / "keys" / "keystore.json").write_text("{}", encoding="utf-8")
    missing = _run(tmp_path, "audit", "verify", "--json")
    assert missing.returncode == 1 and "has history (key store)" in missing.stderr
    found = json.loads(missing.stdout)
    assert found["ok"] is False and found["history"] == ["key store"]
