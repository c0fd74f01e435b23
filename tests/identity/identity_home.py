"""A hub for identity tests: a new home with a master key, the demo's principals."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from encryption.master_key import MASTER_KEY_FILE, PROVIDER_ENV, create_key_file
from home.layout import DEFAULT_CONFIG_DIR, Home
from pipelines.hub import Hub

PASSWORD = "correct horse battery"
TEST_NAME = "欧阳测试"  # a name the stored-data scan knows: it must never be found in clear


def new_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, identity_yaml: str = "") -> Hub:
    monkeypatch.delenv("SHUZHI_MASTER_KEY", raising=False)
    monkeypatch.delenv(PROVIDER_ENV, raising=False)
    home = Home(tmp_path / "home").ensure()
    create_key_file(home.keys / MASTER_KEY_FILE)
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    (config / "identity.yaml").write_text(identity_yaml, encoding="utf-8")
    return Hub(home, config)
