"""Department files are validated when loaded; each error names the file and the key."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from catalog.errors import ConfigError
from catalog.registry import load_catalog
from home.layout import DEFAULT_CONFIG_DIR

Edit = Callable[[dict], None]


def _load_with(tmp_path: Path, department: str, edit: Edit) -> str:
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    path = config / "departments" / f"{department}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data["sources"][0])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_catalog(config)
    message = str(err.value)
    assert message.startswith(f"{path}: sources.0"), message
    return message


def test_a_password_written_in_the_file_is_refused_without_echoing_it(tmp_path: Path) -> None:
    message = _load_with(
        tmp_path, "public_security", lambda s: s["connection"].update({"password": "Hunter2!"})
    )
    assert "connection" in message and "password_env" in message
    assert "Hunter2!" not in message


def test_a_token_written_in_the_file_is_refused(tmp_path: Path) -> None:
    message = _load_with(
        tmp_path, "market_regulation", lambda s: s["auth"].update({"bearer_token": "abc123secret"})
    )
    assert "bearer_token_env" in message and "abc123secret" not in message


@pytest.mark.parametrize("cron", ["0 25 * * *", "every night", "* * *"])
def test_a_cron_dagster_cannot_run_is_refused(tmp_path: Path, cron: str) -> None:
    message = _load_with(tmp_path, "public_security", lambda s: s["schedule"].update(cron=cron))
    assert "schedule.cron" in message and "not a cron expression" in message


def test_an_unknown_time_zone_is_refused(tmp_path: Path) -> None:
    message = _load_with(
        tmp_path, "public_security", lambda s: s["schedule"].update(timezone="Asia/Beijing")
    )
    assert "schedule.timezone" in message and "Asia/Beijing" in message


def test_an_unknown_encoding_is_refused(tmp_path: Path) -> None:
    message = _load_with(tmp_path, "hotline_12345", lambda s: s.update(encoding="big-five"))
    assert "encoding" in message and "big-five" in message


def test_a_source_name_that_cannot_name_a_job_is_refused(tmp_path: Path) -> None:
    message = _load_with(tmp_path, "civil_affairs", lambda s: s.update(name="民政 roll"))
    assert ".name" in message


def test_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    message = _load_with(tmp_path, "civil_affairs", lambda s: s.update(kind="ftp"))
    assert "'ftp'" in message and "file_drop" in message


def test_a_negative_or_tiny_batch_size_is_refused(tmp_path: Path) -> None:
    message = _load_with(tmp_path, "public_security", lambda s: s.update(batch_rows=10))
    assert "batch_rows" in message
