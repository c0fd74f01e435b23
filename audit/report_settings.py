"""The thresholds of the access review (``shuzhi audit report``), in one place.

Defaults below; a district changes them in ``config/audit_report.yaml`` (same keys),
validated when the report is made, with errors that name the file and key.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from catalog.errors import ConfigError, load_model

SETTINGS_FILE = "audit_report.yaml"


class ReportSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    # Working hours, in the district's zone: access outside them is a finding.
    zone: str = "Asia/Shanghai"
    work_start: dt.time = dt.time(8, 0)
    work_end: dt.time = dt.time(19, 0)
    workdays: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5])  # ISO: Monday = 1
    # A read of this many rows or more from a product holding L4 columns is a bulk read.
    bulk_rows: int = Field(default=1000, ge=1)
    # This many re-identifications or more by one person in one day is a finding.
    reveals_per_day: int = Field(default=10, ge=1)
    # This many downloads or more by one person within this many minutes is a burst.
    download_burst: int = Field(default=20, ge=2)
    download_burst_minutes: int = Field(default=10, ge=1)
    # Grants ending within this many days of the report's end are "about to expire".
    expiry_days: int = Field(default=30, ge=0)
    # Levels whose columns make a product's reads count as personal-data access.
    personal_levels: list[str] = Field(default_factory=lambda: ["L3", "L4"])
    # Routes whose reads are downloads (a file or a page of rows leaves the hub).
    download_endpoints: list[str] = Field(
        default_factory=lambda: ["GET /api/v1/products/{name}/rows"]
    )

    @model_validator(mode="after")
    def _check(self) -> ReportSettings:
        try:
            ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.zone!r} (e.g. Asia/Shanghai)") from None
        if self.work_end <= self.work_start:
            raise ValueError("work_end must be after work_start")
        if not set(self.workdays) <= set(range(1, 8)):
            raise ValueError("workdays are ISO weekday numbers 1 (Monday) to 7 (Sunday)")
        return self


def load_settings(config_dir: Path | None) -> ReportSettings:
    """The settings of ``config_dir/audit_report.yaml``, or the defaults when there is none."""
    path = config_dir / SETTINGS_FILE if config_dir is not None else None
    if path is None or not path.exists():
        return ReportSettings()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    return load_model(ReportSettings, path, data)
