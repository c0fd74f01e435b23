"""Product SQL is data beside its contract: named parameters, checked at catalogue load."""

from __future__ import annotations

from pathlib import Path

import pytest
from catalog_fixtures import copy_config, edit

from catalog.errors import ConfigError
from catalog.registry import load_catalog
from home.layout import DEFAULT_CONFIG_DIR

PRODUCT = "street_population_profile"


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    return copy_config(tmp_path)


def _sql(config: Path) -> Path:
    return config / "products" / f"{PRODUCT}.sql"


def _contract(config: Path) -> Path:
    return config / "products" / f"{PRODUCT}.yaml"


def test_every_shipped_product_has_its_sql_with_exactly_its_declared_parameters() -> None:
    catalog = load_catalog(DEFAULT_CONFIG_DIR)
    assert set(catalog.queries) == set(catalog.products)
    for name, query in catalog.queries.items():
        assert query.path == DEFAULT_CONFIG_DIR / "products" / f"{name}.sql"
        assert query.parameters == set(catalog.products[name].parameters)
        for parameter in catalog.products[name].parameters.values():
            assert parameter.meaning.strip()
    assert "today" in catalog.queries[PRODUCT].parameters
    # No product module is looked up by name any more.
    assert not list((Path(__file__).parents[2] / "products").glob("street_*.py"))


def test_a_parameter_the_sql_uses_but_the_contract_does_not_declare(config_copy: Path) -> None:
    sql = _sql(config_copy)
    sql.write_text(sql.read_text().replace("$today", "$build_day"))
    with pytest.raises(ConfigError) as err:
        load_catalog(config_copy)
    message = str(err.value)
    assert str(_contract(config_copy)) in message and "parameters" in message
    assert "$build_day" in message and "does not declare" in message


def test_a_declared_parameter_the_sql_does_not_use(config_copy: Path) -> None:
    edit(
        _contract(config_copy),
        lambda d: d["parameters"].update(
            {"window": {"type": "integer", "value": 3, "meaning": "m"}}
        ),
    )
    with pytest.raises(ConfigError) as err:
        load_catalog(config_copy)
    assert f"{_contract(config_copy)}: parameters.window" in str(err.value)
    assert "does not use $window" in str(err.value)


def test_positional_parameters_are_refused(config_copy: Path) -> None:
    sql = _sql(config_copy)
    sql.write_text(sql.read_text().replace("$today", "$1"))
    with pytest.raises(ConfigError) as err:
        load_catalog(config_copy)
    assert str(sql) in str(err.value) and "positional" in str(err.value)


def test_a_product_without_its_sql_file(config_copy: Path) -> None:
    _sql(config_copy).unlink()
    with pytest.raises(ConfigError) as err:
        load_catalog(config_copy)
    assert f"{_sql(config_copy)}: missing" in str(err.value)


def test_an_sql_file_without_a_contract(config_copy: Path) -> None:
    stray = config_copy / "products" / "street_ghosts.sql"
    stray.write_text("SELECT 1 AS one")
    with pytest.raises(ConfigError) as err:
        load_catalog(config_copy)
    assert str(stray) in str(err.value) and "no contract" in str(err.value)


@pytest.mark.parametrize(
    "text", ["SELECT 1; SELECT 2", "DELETE FROM lake.products.x", "SELEC nothing"]
)
def test_the_sql_must_be_one_select(config_copy: Path, text: str) -> None:
    _sql(config_copy).write_text(text)
    with pytest.raises(ConfigError) as err:
        load_catalog(config_copy)
    assert str(_sql(config_copy)) in str(err.value)


@pytest.mark.parametrize(
    ("parameter", "fix"),
    [
        ({"type": "integer", "meaning": "m"}, "supplies today as a date"),
        ({"type": "date", "meaning": "m", "value": "2026-01-01"}, "remove its value"),
    ],
)
def test_build_parameters_are_the_builds(config_copy: Path, parameter: dict, fix: str) -> None:
    edit(_contract(config_copy), lambda d: d["parameters"].update({"today": parameter}))
    with pytest.raises(ConfigError) as err:
        load_catalog(config_copy)
    assert "parameters" in str(err.value) and fix in str(err.value)


def test_a_constant_parameter_needs_a_value_of_its_type(config_copy: Path) -> None:
    path = config_copy / "products" / "street_case_stats.yaml"
    edit(path, lambda d: d["parameters"]["population_rounding"].update({"value": "hundred"}))
    with pytest.raises(ConfigError) as err:
        load_catalog(config_copy)
    assert str(path) in str(err.value) and "is not of type integer" in str(err.value)


def test_suppression_names_columns_of_the_product(config_copy: Path) -> None:
    edit(_contract(config_copy), lambda d: d["suppression"]["margins"][0].update({"by": ["ward"]}))
    with pytest.raises(ConfigError) as err:
        load_catalog(config_copy)
    assert str(_contract(config_copy)) in str(err.value)
    assert "suppression.margins.0.by" in str(err.value) and "ward" in str(err.value)


def test_a_derived_column_is_made_from_counts(config_copy: Path) -> None:
    path = config_copy / "products" / "street_case_stats.yaml"
    edit(path, lambda d: d["suppression"]["derived"][0].update({"from": ["month"]}))
    with pytest.raises(ConfigError) as err:
        load_catalog(config_copy)
    assert "suppression.derived.0.from" in str(err.value) and "not count columns" in str(err.value)


@pytest.mark.parametrize("key", ["column", "latest"])
def test_alerts_name_columns_of_the_product(config_copy: Path, key: str) -> None:
    path = config_copy / "products" / "street_hot_topics.yaml"
    assert load_catalog(config_copy).products["street_hot_topics"].alerts is not None
    edit(path, lambda d: d["alerts"].update({key: "ward"}))
    with pytest.raises(ConfigError) as err:
        load_catalog(config_copy)
    assert str(path) in str(err.value) and "alerts" in str(err.value) and "ward" in str(err.value)
