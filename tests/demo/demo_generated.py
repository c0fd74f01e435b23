"""The small district the demo tests share (see conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from demo.manifest import DemoManifest
from demo.sizes import DistrictSize
from home.layout import Home

SMALL = DistrictSize.demo(0.05)


@dataclass(frozen=True)
class GeneratedDemo:
    home: Home
    manifest: DemoManifest

    @property
    def departments(self) -> Path:
        return self.home.departments
