"""A small generated district shared by the demo tests (generated once per session)."""

from __future__ import annotations

import pytest
from demo_generated import SMALL, GeneratedDemo

from catalog.district import District, load_district
from demo.generate import generate_district
from home.layout import Home, config_dir


@pytest.fixture(scope="session")
def district() -> District:
    return load_district(config_dir())


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory, district: District) -> GeneratedDemo:
    home = Home(tmp_path_factory.mktemp("demo-home"))
    manifest = generate_district(home, seed=7, size=SMALL, district=district)
    return GeneratedDemo(home, manifest)
