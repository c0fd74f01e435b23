"""Editing a copy of the shipped configuration, for the catalogue tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from home.layout import DEFAULT_CONFIG_DIR


def copy_config(tmp_path: Path) -> Path:
    """A copy of the shipped configuration folder, free to edit."""
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    return target


def edit(path: Path, change: Callable[[Any], object]) -> None:
    """Load a YAML file, let ``change`` alter the data in place, and write it back."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def set_column(path: Path, column: str, key: str, value: str) -> None:
    """Set one key of the column named ``column`` in a dataset or product file."""

    def change(data: dict[str, Any]) -> None:
        for col in data["columns"]:
            if col["name"] == column:
                col[key] = value

    edit(path, change)
