"""Schedules and file-drop sensors a department sets run from the start; ``enabled: false``
in the source's YAML leaves them stopped (paired: enabled → RUNNING, disabled → STOPPED)."""

from __future__ import annotations

import shutil

import dagster as dg
import pytest
import yaml

from home.layout import DEFAULT_CONFIG_DIR


@pytest.fixture(scope="module")
def defs(tmp_path_factory: pytest.TempPathFactory) -> dg.Definitions:
    """The demo configuration with one schedule (``mb_cases``) and one file-drop sensor
    (``hl_cases``) switched off; every other source keeps the default."""
    from pipelines.definitions import build_definitions

    config = tmp_path_factory.mktemp("schedules") / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    path = config / "departments" / "hotline_12345.yaml"
    department = yaml.safe_load(path.read_text(encoding="utf-8"))
    for source in department["sources"]:
        if source["name"] == "mb_cases":
            source["schedule"]["enabled"] = False
        if source["name"] == "hl_cases":
            source["sensor"] = {"enabled": False}
    path.write_text(yaml.safe_dump(department, allow_unicode=True), encoding="utf-8")
    return build_definitions(config)


def test_a_schedule_the_department_sets_starts_running(defs: dg.Definitions) -> None:
    schedule = defs.resolve_schedule_def("schedule_hl_cases")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_a_schedule_with_enabled_false_starts_stopped(defs: dg.Definitions) -> None:
    schedule = defs.resolve_schedule_def("schedule_mb_cases")
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED


def test_a_file_drop_sensor_starts_running(defs: dg.Definitions) -> None:
    sensor = defs.resolve_sensor_def("drop_mb_cases")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_a_file_drop_sensor_with_enabled_false_starts_stopped(defs: dg.Definitions) -> None:
    sensor = defs.resolve_sensor_def("drop_hl_cases")
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED


def test_enabled_is_a_yes_or_no() -> None:
    from connectors.config import Schedule

    with pytest.raises(ValueError, match="enabled"):
        Schedule.model_validate({"cron": "0 2 * * *", "enabled": "sometimes"})
