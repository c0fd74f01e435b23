"""A department system that is down fails its own sync, clearly; the others go on."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from demo.generate import generate_district
from demo.sizes import DistrictSize
from encryption.master_key import create_key_file
from home.layout import DEFAULT_CONFIG_DIR, Home
from pipelines.hub import Hub


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Hub:
    home = Home(tmp_path / "home").ensure()
    monkeypatch.setenv("SHUZHI_HOME", str(home.root))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    create_key_file(home.keys / "master.key")
    hub = Hub(home, DEFAULT_CONFIG_DIR)
    generate_district(home, seed=3, size=DistrictSize.demo(0.05), district=hub.catalog.district)
    # The market-regulation API is not running: nothing listens on this port.
    monkeypatch.setenv("SHUZHI_MARKET_API_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("SHUZHI_MARKET_API_TOKEN", "demo-token-not-used")
    return hub


def test_the_run_fails_naming_the_source_while_other_departments_load(hub: Hub) -> None:
    from pipelines.run import run_refresh
    from pipelines.source_status import source_statuses

    outcome = run_refresh(hub)

    assert not outcome.success
    [failure] = [f for f in outcome.failures if f.startswith("raw_enterprises")]
    assert "mr_enterprises" in failure and "failed after 6 tries" in failure
    statuses = {s.source: s for s in source_statuses(hub)}
    assert statuses["mr_enterprises"].status == "failed"
    assert "failed after 6 tries" in (statuses["mr_enterprises"].error or "")
    for other in ("ps_population", "hl_cases", "ca_assistance"):
        assert statuses[other].status == "ok", other
        assert statuses[other].rows_loaded
    with hub.lake() as con:
        cases = con.execute("SELECT count(*) FROM lake.products.street_case_stats").fetchone()
    assert cases and cases[0] > 0  # products of the healthy sources are still built
