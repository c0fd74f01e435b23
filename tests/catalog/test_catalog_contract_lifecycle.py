"""Update frequency, freshness, retention, steward and glossary terms in the contracts:
declared for every shipped contract, and a wrong value refused at load naming file and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from catalog_fixtures import copy_config, edit

from catalog.contracts import DatasetContract, ProductContract
from catalog.errors import ConfigError
from catalog.registry import load_catalog
from home.layout import DEFAULT_CONFIG_DIR


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    return copy_config(tmp_path)


def _refused(config: Path) -> str:
    with pytest.raises(ConfigError) as err:
        load_catalog(config)
    return str(err.value)


def test_every_shipped_contract_declares_update_retention_and_glossary_terms() -> None:
    catalog = load_catalog(DEFAULT_CONFIG_DIR)
    contracts: list[DatasetContract | ProductContract] = [
        *catalog.datasets.values(),
        *catalog.products.values(),
    ]
    for contract in contracts:
        assert contract.retention is not None, contract.name
        assert contract.glossary, contract.name
        assert all(term in catalog.glossary for term in contract.glossary)
    assistance = catalog.datasets["assistance"]
    assert "低保" in assistance.glossary
    assert (assistance.update.frequency, assistance.update.freshness_hours) == ("weekly", 200)
    entry = catalog.glossary.get("低保")
    assert entry is not None and "最低生活保障" in entry.also


def test_a_valid_update_and_retention_load(config_copy: Path) -> None:
    """The allowed half of the pairs below: the same keys with sound values load."""
    path = config_copy / "datasets" / "population.yaml"
    edit(path, lambda d: d.update({"update": {"frequency": "hourly", "freshness_hours": 3}}))
    edit(path, lambda d: d["retention"].update({"keep_days": 30}))
    population = load_catalog(config_copy).datasets["population"]
    assert population.update.freshness_hours == 3 and population.retention is not None
    assert population.retention.keep_days == 30


@pytest.mark.parametrize(
    ("change", "key", "says"),
    [
        (
            lambda d: d["update"].update({"frequency": "yearly"}),
            "update.frequency",
            "'hourly', 'daily', 'weekly' or 'monthly'",
        ),
        (lambda d: d["update"].update({"freshness_hours": 0}), "update.freshness_hours", "1"),
        (lambda d: d["update"].update({"freshness_hours": 5}), "update", "shorter than one daily"),
        (lambda d: d["update"].update({"every": 1}), "update.every", "Extra inputs"),
        (lambda d: d["retention"].update({"keep_days": -1}), "retention.keep_days", "1"),
        (lambda d: d["retention"].update({"basis": ""}), "retention.basis", "at least 1"),
        (lambda d: d["retention"].pop("rule"), "retention.rule", "Field required"),
        (lambda d: d.update({"glossary": "低保"}), "glossary", "valid list"),
    ],
)
def test_a_bad_value_names_the_file_and_the_key_path(
    config_copy: Path, change: Any, key: str, says: str
) -> None:
    path = config_copy / "datasets" / "population.yaml"
    edit(path, change)
    problem = _refused(config_copy)
    assert f"{path}: {key}: " in problem
    assert says in problem


def test_the_old_top_level_freshness_hours_says_where_it_moved(config_copy: Path) -> None:
    path = config_copy / "datasets" / "visits.yaml"

    def old_style(data: dict[str, Any]) -> None:
        data["freshness_hours"] = data.pop("update")["freshness_hours"]

    edit(path, old_style)
    problem = _refused(config_copy)
    assert str(path) in problem
    assert "freshness_hours: moved under update" in problem
    assert "freshness_hours: 50" in problem


def test_a_product_with_a_bad_update_names_its_file(config_copy: Path) -> None:
    path = config_copy / "products" / "street_case_stats.yaml"
    edit(path, lambda d: d["update"].update({"frequency": "weekly"}))
    assert f"{path}: update: " in _refused(config_copy)


@pytest.mark.parametrize("folder", ["datasets", "products"])
def test_a_term_missing_from_the_glossary_is_refused_with_its_index(
    config_copy: Path, folder: str
) -> None:
    name = "assistance" if folder == "datasets" else "street_case_stats"
    path = config_copy / folder / f"{name}.yaml"
    index = len(yaml.safe_load(path.read_text(encoding="utf-8"))["glossary"])
    edit(path, lambda d: d["glossary"].append("五险一金"))
    problem = _refused(config_copy)
    assert f"{path}: glossary.{index}: no term '五险一金'" in problem
    assert "glossary.yaml" in problem


def test_a_term_defined_in_the_glossary_is_accepted(config_copy: Path) -> None:
    glossary = config_copy / "glossary.yaml"
    edit(glossary, lambda d: d["terms"].append({"term": "五险一金", "meaning": "社会保险和公积金"}))
    edit(config_copy / "datasets" / "assistance.yaml", lambda d: d["glossary"].append("五险一金"))
    assert "五险一金" in load_catalog(config_copy).datasets["assistance"].glossary


def test_a_term_defined_twice_or_listed_twice_is_refused(config_copy: Path) -> None:
    glossary = config_copy / "glossary.yaml"
    index = len(yaml.safe_load(glossary.read_text(encoding="utf-8"))["terms"])
    edit(glossary, lambda d: d["terms"].append({"term": "低保", "meaning": "另一个意思"}))
    assert f"{glossary}: terms.{index}.term: '低保' is defined twice" in _refused(config_copy)

    fresh = copy_config(config_copy.parent / "second")
    path = fresh / "datasets" / "assistance.yaml"
    edit(path, lambda d: d["glossary"].append("低保"))
    assert f"{path}: glossary: Value error, ['低保'] listed twice" in _refused(fresh)


def test_steward_and_owner_must_exist(config_copy: Path) -> None:
    dataset = config_copy / "datasets" / "cases.yaml"
    edit(dataset, lambda d: d.update({"steward": "street_donghu"}))
    problem = _refused(config_copy)
    assert f"{dataset}: steward: 'street_donghu' is not a steward principal" in problem

    fresh = copy_config(config_copy.parent / "second")
    product = fresh / "products" / "street_enterprise_roster.yaml"
    edit(product, lambda d: d.update({"owner": "tax_bureau"}))
    assert f"{product}: owner: no department named 'tax_bureau'" in _refused(fresh)
