"""The file-drop sensor: a file is processed once, and a half-written file waits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pytest

from connectors.files import SETTLE_SECONDS
from demo.generate import generate_district
from demo.sizes import DistrictSize
from encryption.master_key import create_key_file
from home.layout import DEFAULT_CONFIG_DIR, Home
from pipelines.hub import Hub
from pipelines.resources import HubResource
from pipelines.schedules import file_drop_sensor, sync_job


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Hub:
    home = Home(tmp_path / "home").ensure()
    monkeypatch.setenv("SHUZHI_HOME", str(home.root))
    create_key_file(home.keys / "master.key")
    hub = Hub(home, DEFAULT_CONFIG_DIR)
    generate_district(home, seed=5, size=DistrictSize.demo(0.02), district=hub.catalog.district)
    return hub


def _fire(hub: Hub, clock: Callable[[], float] = time.time) -> dg.SensorResult:
    source = hub.catalog.sources["hl_cases"]
    dept = hub.catalog.department_of_source(source.name).id
    job = sync_job(source.name, hub.catalog.raw_asset_name(source.name), dept)
    sensor = file_drop_sensor(source, job, clock=clock)  # type: ignore[arg-type]
    resource = HubResource(home=str(hub.home.root), config_dir=str(hub.config))
    context = dg.build_sensor_context(resources={"hub": resource})
    result = sensor(context)
    assert isinstance(result, dg.SensorResult)
    return result


def _skipped(result: dg.SensorResult) -> str | None:
    assert not result.run_requests
    return result.skip_reason.skip_message if result.skip_reason else None


def _drop_folder(hub: Hub) -> Path:
    return hub.home.departments / "hotline_12345" / "drop"


def test_firing_twice_for_the_same_files_asks_for_one_run(hub: Hub) -> None:
    first, second = _fire(hub), _fire(hub)
    assert first.run_requests and second.run_requests
    assert [r.run_key for r in first.run_requests] == [r.run_key for r in second.run_requests]
    assert "cases_2026-09.csv" in first.run_requests[0].tags["files"]


def test_after_the_sync_the_same_files_start_nothing(hub: Hub) -> None:
    from pipelines import steps

    landed = steps.sync_source(hub, "hl_cases")
    assert landed.rows_read > 0
    assert _skipped(_fire(hub)) == "no new finished files"
    again = steps.sync_source(hub, "hl_cases")
    assert again.rows_read == 0  # the ledger skips them even when a sync runs anyway


def test_a_half_written_file_waits_until_it_is_complete(hub: Hub) -> None:
    from pipelines import steps

    steps.sync_source(hub, "hl_cases")
    exported = _drop_folder(hub) / "cases_2026-09.csv"
    partial = _drop_folder(hub) / "cases_2026-12.csv.part"
    partial.write_bytes(exported.read_bytes().replace(b"2026-09", b"2026-12")[:5000])
    assert _skipped(_fire(hub)) == "no new finished files"

    complete = partial.with_name("cases_2026-12.csv")
    partial.write_bytes(exported.read_bytes().replace(b"2026-09", b"2026-12"))
    partial.rename(complete)  # the upload finishes; just written, it is still settling
    # The sensor's clock is the test's: "just written" does not depend on how fast this
    # machine gets from the rename to the sensor's look.
    written = complete.stat().st_mtime
    just_after = written + SETTLE_SECONDS / 2
    assert _skipped(_fire(hub, clock=lambda: just_after)) == "no new finished files"

    settled = written + SETTLE_SECONDS + 60
    [request] = _fire(hub, clock=lambda: settled).run_requests or []
    assert request.tags["files"] == "cases_2026-12.csv"


LAKE_HOLDER = """
import sys
from pathlib import Path
from home.layout import Home
from lakehouse.connection import open_lake
with open_lake(Home(Path(sys.argv[1]))):
    print("holding", flush=True)
    sys.stdin.readline()
"""


def test_while_another_process_has_the_lake_open_the_tick_is_skipped_not_stuck(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys

    # A tick that waited for the lake would wait this long: past the guard below, and
    # the holder lets go only once the tick has come back.
    monkeypatch.setenv("SHUZHI_LAKE_WAIT_SECONDS", "3600")
    holder = subprocess.Popen(
        [sys.executable, "-c", LAKE_HOLDER, str(hub.home.root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    results: list[dg.SensorResult] = []
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        tick = threading.Thread(target=lambda: results.append(_fire(hub)), daemon=True)
        tick.start()
        tick.join(timeout=600)  # a guard against a hang, far beyond any tick's work
        came_back_while_held = not tick.is_alive() and holder.poll() is None
    finally:
        holder.communicate("\n", timeout=30)
    assert came_back_while_held
    [result] = results
    assert _skipped(result) == "the lakehouse is in use; looking again next tick"
    assert _fire(hub).run_requests  # the next tick, with the lake free, asks for the run
