"""The hub's configuration is read once and reused, and read again as soon as a file changes.

A long-running process (``shuzhi serve``) must not keep deciding from a grant
an operator has taken out of ``grants.yaml``, nor miss a product contract
added to ``config/products``.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from catalog.errors import ConfigError
from home.layout import DEFAULT_CONFIG_DIR, Home
from pipelines.hub import Hub
from policies.engine import decide

IN_FORCE = dt.date(2026, 6, 1)
STREET_GRANT = "g-street-returned-products"


@pytest.fixture
def hub(tmp_path: Path) -> Hub:
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    return Hub(Home(tmp_path / "home").ensure(), config)


def take_out_of_grant(grants: Path, grant_id: str, product: str) -> None:
    """Edit grants.yaml as an operator would: the product leaves one grant's list."""
    data = yaml.safe_load(grants.read_text("utf-8"))
    grant = next(g for g in data["grants"] if g["id"] == grant_id)
    assert product in grant["products"]
    grant["products"].remove(product)
    grants.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


def _street_may_read_case_stats(hub: Hub) -> bool:
    product = hub.catalog.products["street_case_stats"]
    return decide("street_donghu", product, hub.policies, day=IN_FORCE).allowed


def test_configuration_is_loaded_once_while_no_file_changes(hub: Hub) -> None:
    assert hub.catalog is hub.catalog
    assert hub.config_policies is hub.config_policies


# --- a grant in grants.yaml: allowed while it is there, refused once it is taken out -------


def test_a_configured_grant_allows_the_street(hub: Hub) -> None:
    assert _street_may_read_case_stats(hub)


def test_a_grant_taken_out_of_grants_yaml_is_refused_at_once(hub: Hub) -> None:
    assert _street_may_read_case_stats(hub)  # loaded and in use before the change
    take_out_of_grant(hub.config / "grants.yaml", STREET_GRANT, "street_case_stats")
    assert not _street_may_read_case_stats(hub)


def test_a_broken_grants_yaml_fails_every_decision_until_it_is_fixed(hub: Hub) -> None:
    grants = hub.config / "grants.yaml"
    good = grants.read_text("utf-8")
    assert _street_may_read_case_stats(hub)
    grants.write_text(good + "  - id: [unclosed\n", "utf-8")
    with pytest.raises(ConfigError, match=r"grants\.yaml"):
        _ = hub.policies  # never the last good grants: the change may have been a revocation
    grants.write_text(good, "utf-8")
    assert _street_may_read_case_stats(hub)


def test_a_product_contract_added_to_the_folder_is_in_the_catalogue_at_once(hub: Hub) -> None:
    before = set(hub.catalog.products)
    products = hub.config / "products"
    source = products / "street_case_stats.yaml"
    copy = source.read_text("utf-8").replace(
        "name: street_case_stats", "name: street_case_stats_copy", 1
    )
    (products / "street_case_stats_copy.yaml").write_text(copy, "utf-8")
    shutil.copyfile(products / "street_case_stats.sql", products / "street_case_stats_copy.sql")
    assert set(hub.catalog.products) == before | {"street_case_stats_copy"}
