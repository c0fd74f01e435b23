"""A small hub home built by the real pipeline: the demo district through Dagster, in process."""

from __future__ import annotations

from pathlib import Path

import pytest

from demo.department_apis import serve_department_apis
from demo.generate import generate_district
from demo.sizes import DistrictSize
from encryption.master_key import create_key_file
from home.layout import DEFAULT_CONFIG_DIR, Home
from pipelines.hub import Hub

# The home's own key file and lakehouse, whatever the caller's environment says.
_OVERRIDES = ("SHUZHI_MASTER_KEY", "SHUZHI_LAKE_CATALOG", "SHUZHI_LAKE_DATA_PATH")


def build_pipeline_home(root: Path, *, scale: float = 0.02) -> Hub:
    """Generate the demo district's department systems under ``root`` and run every
    pipeline once (sync, stage, protect, products, rooms), as ``shuzhi demo`` does."""
    home = Home(root.resolve()).ensure()
    create_key_file(home.keys / "master.key")
    hub = Hub(home, DEFAULT_CONFIG_DIR)
    generate_district(home, seed=13, size=DistrictSize.demo(scale), district=hub.catalog.district)
    with pytest.MonkeyPatch.context() as env, serve_department_apis(home) as api_env:
        for name in _OVERRIDES:
            env.delenv(name, raising=False)
        env.setenv("SHUZHI_HOME", str(home.root))  # the department configs name paths in it
        env.setenv("DAGSTER_HOME", str(home.dagster))  # run_refresh points it there too
        for name, value in api_env.items():
            env.setenv(name, value)
        from pipelines.run import run_refresh

        outcome = run_refresh(hub)
    assert outcome.success, outcome.failures
    return hub
