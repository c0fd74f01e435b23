"""The catalogue loads from config and says exactly which file and key is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from catalog_fixtures import copy_config, edit, set_column

from catalog.errors import ConfigError
from catalog.registry import load_catalog
from home.layout import DEFAULT_CONFIG_DIR


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    return copy_config(tmp_path)


def test_shipped_config_loads_and_cross_checks() -> None:
    catalog = load_catalog(DEFAULT_CONFIG_DIR)
    assert set(catalog.datasets) >= {
        "population", "enterprises", "cases", "assistance", "case_transfers", "visits",
        "social_organisations",
    }  # fmt: skip
    assert catalog.departments["street_offices"].sources[0].dataset == "visits"
    assert set(catalog.products) >= {"street_population_profile", "street_case_stats"}
    for dataset in catalog.datasets:
        assert all(s.dataset == dataset for s in catalog.sources_for(dataset))
    assert [s.name for s in catalog.sources_for("cases")] == [
        "hl_cases", "mb_cases", "wx_cases", "gd_cases", "wb_cases",
    ]  # fmt: skip
    # every dataset's strictest column sets its level (就高从严)
    assert catalog.datasets["population"].level == "L4"


def test_unknown_key_names_file_and_key(config_copy: Path) -> None:
    path = config_copy / "datasets" / "cases.yaml"
    edit(path, lambda d: d["columns"][0].update({"colour": "red"}))
    with pytest.raises(ConfigError) as err:
        load_catalog(config_copy)
    assert str(path) in str(err.value)
    assert "columns.0.colour" in str(err.value)


def test_identifier_column_must_be_protected(config_copy: Path) -> None:
    set_column(config_copy / "datasets" / "population.yaml", "id_number", "protection", "none")
    with pytest.raises(ConfigError, match="direct identifiers must be token"):
        load_catalog(config_copy)


def test_source_pointing_at_missing_dataset(config_copy: Path) -> None:
    path = config_copy / "departments" / "civil_affairs.yaml"
    edit(path, lambda d: d["sources"][0].update({"dataset": "ghosts"}))
    with pytest.raises(ConfigError) as err:
        load_catalog(config_copy)
    assert "sources.0.dataset" in str(err.value) and "ghosts" in str(err.value)


def test_a_source_primary_key_must_name_columns_the_contract_reads(config_copy: Path) -> None:
    path = config_copy / "departments" / "public_security.yaml"
    edit(path, lambda d: d["sources"][0].update({"primary_key": ["pid"]}))
    with pytest.raises(ConfigError) as err:
        load_catalog(config_copy)
    assert "public_security.yaml: sources.0.primary_key: ['pid']" in str(err.value)


def test_refusal_needs_a_reason(config_copy: Path) -> None:
    path = config_copy / "datasets" / "assistance.yaml"
    edit(path, lambda d: d.update({"sharing": "none"}))
    with pytest.raises(ConfigError, match="refusal_reason"):
        load_catalog(config_copy)


def test_invalid_yaml_is_one_clear_error(config_copy: Path) -> None:
    path = config_copy / "products" / "street_case_stats.yaml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_catalog(config_copy)
