"""A department system that is down fails its own sync, clearly; the others go on.

On a fresh district: every source that is up loads its first rows. A registry that goes
down after a good night is tests/pipelines/test_pipeline_registry_down.py."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from demo.generate import generate_district
from demo.sizes import DistrictSize
from encryption.master_key import create_key_file
from home.layout import DEFAULT_CONFIG_DIR, Home
from pipelines.hub import Hub

pytestmark = pytest.mark.slow  # runs the whole refresh of a generated district


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
    # Neither department API is running: nothing listens on these ports.
    monkeypatch.setenv("SHUZHI_MARKET_API_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("SHUZHI_MARKET_API_TOKEN", "demo-token-not-used")
    monkeypatch.setenv("SHUZHI_WECHAT_API_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("SHUZHI_WECHAT_API_KEY", "demo-key-not-used")
    return hub


def test_the_run_fails_naming_the_source_while_other_departments_load(hub: Hub) -> None:
    """The register's API and one case channel (WeChat) are down: each fails its own raw
    asset; the cases of the four other channels are still staged, protected, merged and
    reach the products (a channel down does not hold back its dataset)."""
    from pipelines.run import run_refresh
    from pipelines.source_status import source_statuses

    outcome = run_refresh(hub)

    assert not outcome.success
    [failure] = [f for f in outcome.failures if f.startswith("raw_enterprises")]
    assert "mr_enterprises" in failure and "failed after 6 tries" in failure
    [channel] = [f for f in outcome.failures if f.startswith("raw_wx_cases")]
    assert "wx_cases" in channel
    statuses = {s.source: s for s in source_statuses(hub)}
    assert statuses["mr_enterprises"].status == "failed"
    assert statuses["wx_cases"].status == "failed"
    assert "failed after 6 tries" in (statuses["mr_enterprises"].error or "")
    for other in ("ps_population", "hl_cases", "mb_cases", "gd_cases", "wb_cases", "ca_assistance"):
        assert statuses[other].status == "ok", other
        assert statuses[other].rows_loaded
    assert {"staged_cases", "protected_cases", "merged_cases"} <= set(outcome.rebuilt)
    assert "staged_enterprises" not in outcome.rebuilt  # nothing new came for it
    with hub.lake() as con:
        cases = con.execute("SELECT count(*) FROM lake.products.street_case_stats").fetchone()
        channels = con.execute("SELECT DISTINCT _source FROM lake.protected.cases").fetchall()
        merged = con.execute("SELECT count(*) FROM lake.protected.cases_merged").fetchone()
    assert cases and cases[0] > 0  # products of the healthy sources are still built
    assert {c[0] for c in channels} == {"hl_cases", "mb_cases", "gd_cases", "wb_cases"}
    assert merged and merged[0] > 0
