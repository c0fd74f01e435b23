"""Running ``shuzhi`` as a user would, on a copy of the demo configuration."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from home.layout import DEFAULT_CONFIG_DIR

SHUZHI = Path(sys.executable).with_name("shuzhi")
Shuzhi = Callable[..., subprocess.CompletedProcess[str]]


def demo_config(config: Path) -> Path:
    """Copy the demo configuration to ``config``, its grants valid whatever today is."""
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    grants = config / "grants.yaml"
    text = grants.read_text(encoding="utf-8")
    text = text.replace("valid_from: 2026-01-01", "valid_from: 2000-01-01")
    grants.write_text(text.replace("valid_until: 2027-12-31", "valid_until: 2099-12-31"))
    return config


def shuzhi_in(
    home: Path, config: Path, timeout: float, extra_env: dict[str, str] | None = None
) -> Shuzhi:
    """Run ``shuzhi`` with this home and configuration, and none of the caller's overrides."""
    env = {**os.environ, "SHUZHI_HOME": str(home), "SHUZHI_CONFIG": str(config)}
    env.update(extra_env or {})
    env["COLUMNS"] = "200"
    for name in (
        "SHUZHI_DEBUG",
        "SHUZHI_MASTER_KEY",
        "SHUZHI_LAKE_CATALOG",
        "SHUZHI_LAKE_DATA_PATH",
    ):
        env.pop(name, None)

    def shuzhi(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SHUZHI), *args],
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return shuzhi
