"""A product's ``chart:`` block is data in its contract, checked when the catalogue loads:
its columns exist, identify nobody, and a list of people is only ever counted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from catalog_fixtures import copy_config, edit

from catalog.contracts import BarsChart, NetworkChart, TrendChart
from catalog.errors import ConfigError
from catalog.registry import load_catalog
from home.layout import DEFAULT_CONFIG_DIR

# Products that ship with a chart, and how they are drawn.
SHIPPED = {
    "street_case_stats": ("bars", "community_name"),
    "street_population_profile": ("bars", "grid_code"),
    "street_enterprise_roster": ("bars", "industry"),
    "street_social_organisations": ("bars", "community_name"),
    "proactive_turning_sixty": ("bars", "community_name"),
    "proactive_elderly_alone": ("bars", "community_name"),
    "proactive_disabled_unvisited": ("bars", "community_name"),
}


def _contract(config: Path, product: str) -> Path:
    return config / "products" / f"{product}.yaml"


def _set_chart(config: Path, product: str, chart: dict[str, Any]) -> None:
    edit(_contract(config, product), lambda d: d.update({"chart": chart}))


def test_the_shipped_products_carry_their_charts() -> None:
    products = load_catalog(DEFAULT_CONFIG_DIR).products
    for name, (kind, by) in SHIPPED.items():
        chart = products[name].chart
        assert isinstance(chart, BarsChart) and chart.kind == kind and chart.by == by, name
        if products[name].person_level:
            assert chart.value is None and chart.stack is None, name  # counted, never named


def test_each_kind_loads_from_yaml(tmp_path: Path) -> None:
    config = copy_config(tmp_path)
    # The linkage and trend kinds, on a shipped product's columns (the shape is what counts).
    _set_chart(
        config,
        "street_case_stats",
        {
            "kind": "network",
            "source": "community_name",
            "target": "category",
            "weight": "cases",
            "label": "month",
        },
    )
    _set_chart(
        config,
        "street_population_profile",
        {"kind": "trend", "x": "age_band", "value": "residents", "series": "sex", "alert": 30},
    )
    products = load_catalog(config).products
    assert isinstance(products["street_case_stats"].chart, NetworkChart)
    trend = products["street_population_profile"].chart
    assert isinstance(trend, TrendChart) and trend.alert == 30


# --- allowed / refused pairs ---------------------------------------------------------------


def test_a_chart_over_a_column_the_product_has_not(tmp_path: Path) -> None:
    config = copy_config(tmp_path)
    _set_chart(config, "street_case_stats", {"kind": "bars", "by": "district", "value": "cases"})
    with pytest.raises(ConfigError) as err:
        load_catalog(config)
    message = str(err.value)
    assert str(_contract(config, "street_case_stats")) in message
    assert "chart.by" in message and "'district' is not a column" in message


def test_an_unknown_kind_or_key_is_refused_naming_it(tmp_path: Path) -> None:
    config = copy_config(tmp_path)
    _set_chart(config, "street_case_stats", {"kind": "pie", "by": "community_name"})
    with pytest.raises(ConfigError, match="chart"):
        load_catalog(config)
    _set_chart(config, "street_case_stats", {"kind": "bars", "by": "community_name", "colour": 1})
    with pytest.raises(ConfigError, match=r"chart\.bars\.colour"):
        load_catalog(config)


def test_a_list_is_counted_per_community(tmp_path: Path) -> None:
    config = copy_config(tmp_path)
    _set_chart(config, "proactive_elderly_alone", {"kind": "bars", "by": "community_name"})
    assert load_catalog(config).products["proactive_elderly_alone"].chart is not None


def test_a_list_is_never_charted_by_who_is_on_it(tmp_path: Path) -> None:
    config = copy_config(tmp_path)
    _set_chart(config, "proactive_elderly_alone", {"kind": "bars", "by": "name"})
    with pytest.raises(ConfigError) as err:
        load_catalog(config)
    assert "chart.by" in str(err.value) and "identif" in str(err.value)


def test_a_list_is_never_charted_by_a_value_of_its_people(tmp_path: Path) -> None:
    config = copy_config(tmp_path)
    # age is L4 in the list; even a column it would allow is refused as a value.
    _set_chart(
        config, "proactive_elderly_alone", {"kind": "bars", "by": "community_name", "value": "age"}
    )
    with pytest.raises(ConfigError, match=r"chart\.value"):
        load_catalog(config)
    _set_chart(config, "proactive_elderly_alone", {"kind": "bars", "by": "community_name"})
    _set_chart(
        config,
        "proactive_turning_sixty",
        {"kind": "bars", "by": "community_name", "stack": "reg_type", "value": "reg_type"},
    )
    with pytest.raises(ConfigError, match="charted only as a count of rows"):
        load_catalog(config)


def test_a_sealed_column_is_never_drawn_even_where_its_level_would_pass(tmp_path: Path) -> None:
    config = copy_config(tmp_path)
    _set_chart(config, "street_enterprise_roster", {"kind": "bars", "by": "legal_rep"})
    with pytest.raises(ConfigError, match=r"chart\.by"):
        load_catalog(config)
    _set_chart(config, "street_enterprise_roster", {"kind": "bars", "by": "industry"})
    assert load_catalog(config).products["street_enterprise_roster"].chart is not None
