"""The one freshness rule: a source by its last sync, a dataset by its stalest source, a
product by its last build and its inputs. Each case in pairs: fresh and stale."""

from __future__ import annotations

import datetime as dt

from catalog.contracts import UpdateSpec
from catalog.freshness import (
    catalog_freshness,
    dataset_freshness,
    freshness_of,
    product_freshness,
)
from catalog.registry import load_catalog
from home.layout import DEFAULT_CONFIG_DIR

NOW = dt.datetime(2026, 12, 6, 12, 0)
DAILY = UpdateSpec(frequency="daily", freshness_hours=26)


def _ago(hours: float) -> dt.datetime:
    return NOW - dt.timedelta(hours=hours)


def test_a_source_is_fresh_within_its_hours_and_stale_past_them() -> None:
    assert freshness_of(DAILY, _ago(26), NOW).state == "fresh"  # the edge still counts
    assert freshness_of(DAILY, _ago(26.1), NOW).state == "stale"
    stale = freshness_of(DAILY, _ago(27), NOW)
    assert stale.state == "stale" and stale.label == "过期"
    assert stale.text() == "过期 (27 h > 26 h)"
    assert freshness_of(DAILY, _ago(3), NOW).text() == "及时 (3 h ≤ 26 h)"
    never = freshness_of(DAILY, None, NOW)
    assert (never.state, never.label, never.age_hours) == ("never", "从未同步", None)


def test_a_dataset_is_as_fresh_as_its_stalest_channel() -> None:
    hourly = UpdateSpec(frequency="hourly", freshness_hours=2)
    channels = ["hl_cases", "wx_cases", "wb_cases"]
    all_fresh = dataset_freshness(hourly, channels, {c: _ago(1) for c in channels}, NOW)
    assert all_fresh.state == "fresh"
    one_late = {**{c: _ago(1) for c in channels}, "wb_cases": _ago(5)}
    stale = dataset_freshness(hourly, channels, one_late, NOW)
    assert stale.state == "stale" and stale.stale_because == ("wb_cases",)
    assert stale.last_update == _ago(5)
    one_never = {"hl_cases": _ago(1), "wx_cases": _ago(1)}
    assert dataset_freshness(hourly, channels, one_never, NOW).stale_because == ("wb_cases",)
    assert dataset_freshness(hourly, channels, {}, NOW).state == "never"


def test_a_product_is_stale_when_built_long_ago_or_built_on_stale_data() -> None:
    fresh_input = freshness_of(DAILY, _ago(2), NOW)
    stale_input = freshness_of(DAILY, _ago(40), NOW)
    assert product_freshness(DAILY, _ago(3), {"population": fresh_input}, NOW).state == "fresh"
    assert product_freshness(DAILY, _ago(30), {"population": fresh_input}, NOW).state == "stale"
    on_stale = product_freshness(DAILY, _ago(3), {"population": stale_input}, NOW)
    assert on_stale.state == "stale" and on_stale.stale_because == ("population",)
    assert product_freshness(DAILY, None, {"population": fresh_input}, NOW).state == "never"


def test_the_catalogue_uses_each_contract_s_own_expectation() -> None:
    catalog = load_catalog(DEFAULT_CONFIG_DIR)
    syncs = {name: _ago(10) for name in catalog.sources}  # every source synced 10 h ago
    fresh = catalog_freshness(catalog, syncs, {p: _ago(1) for p in catalog.products}, NOW)
    # cases (hourly, 2 h) and their transfers are stale; daily and weekly data is fresh
    assert {n for n, f in fresh.datasets.items() if f.state == "stale"} == {
        "cases",
        "case_transfers",
    }
    assert (
        fresh.sources["hl_cases"].state == "stale"
        and fresh.sources["ps_population"].state == "fresh"
    )
    assert fresh.products["street_case_stats"].stale_because == ("cases",)
    assert fresh.products["street_population_profile"].state == "fresh"
