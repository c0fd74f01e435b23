"""The level table, and derived products taking the strictest level of their inputs."""

from __future__ import annotations

from pathlib import Path

import pytest
from catalog_fixtures import copy_config, edit, set_column
from pydantic import ValidationError

from catalog.contracts import LEVEL_GRADES, ProductColumn
from catalog.errors import ConfigError
from catalog.levels import LEVELS, SHARING_LABELS, strictest
from catalog.registry import load_catalog
from home.layout import DEFAULT_CONFIG_DIR


def test_level_table() -> None:
    assert {
        lv: (i.name, i.grade, SHARING_LABELS[i.default_sharing]) for lv, i in LEVELS.items()
    } == {
        "L1": ("public", "一般", "无条件共享"),
        "L2": ("internal", "一般", "无条件共享"),
        "L3": ("sensitive", "重要", "有条件共享"),
        "L4": ("highly sensitive", "核心", "不予共享"),
    }
    assert LEVEL_GRADES == {"L1": "一般", "L2": "一般", "L3": "重要", "L4": "核心"}
    assert LEVELS["L3"].label == "L3 sensitive (重要)"


def test_strictest_level_wins() -> None:
    assert strictest(["L1", "L3", "L2"]) == "L3"
    assert strictest([]) == "L1"


def test_column_sharing_defaults_to_its_levels_and_loosening_needs_a_reason() -> None:
    assert ProductColumn(name="a", level="L4").effective_sharing == "none"
    assert ProductColumn(name="a", level="L3").effective_sharing == "conditional"
    assert ProductColumn(name="a", level="L2").effective_sharing == "unconditional"
    # stricter than the default: no reason needed
    assert ProductColumn(name="a", level="L1", sharing="none").effective_sharing == "none"
    with pytest.raises(ValidationError, match="sharing_reason"):
        ProductColumn(name="a", level="L4", sharing="conditional")
    ok = ProductColumn(name="a", level="L4", sharing="conditional", sharing_reason="joins only")
    assert ok.effective_sharing == "conditional"


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    return copy_config(tmp_path)


def test_shipped_products_levels() -> None:
    catalog = load_catalog(DEFAULT_CONFIG_DIR)
    levels = {name: p.level for name, p in catalog.products.items()}
    assert levels == {
        "street_case_stats": "L1",  # downgraded from L4 (inputs cases L3, population L4)
        "street_case_channels": "L1",  # downgraded from L3 (cases)
        "street_repeat_complaints": "L2",  # downgraded from L3: addresses as tokens only
        "street_population_profile": "L2",  # downgraded from L4
        "street_enterprise_roster": "L4",  # no downgrade: as strict as enterprises (L4)
        "street_social_organisations": "L3",  # as strict as its register (legal reps, L3)
        "proactive_turning_sixty": "L4",  # lists of people: L4, no downgrade
        "proactive_elderly_alone": "L4",
        "proactive_disabled_unvisited": "L4",
        # downgraded from L3 (cases L3): counts, no free text, reporter or address
        "department_buck_passing": "L1",
        "department_linkage": "L1",
        "street_hot_topics": "L1",  # words sieved and of many cases and reporters
    }


def test_derived_product_below_its_inputs_needs_a_downgrade(config_copy: Path) -> None:
    path = config_copy / "products" / "street_population_profile.yaml"
    edit(path, lambda d: d.pop("downgrade"))
    with pytest.raises(ConfigError) as err:
        load_catalog(config_copy)
    message = str(err.value)
    assert message.startswith(f"{path}: columns:")
    assert "L2" in message and "population is L4" in message and "downgrade" in message


@pytest.mark.parametrize(
    ("column", "key", "value", "message"),
    [
        pytest.param(
            "legal_rep_token",
            "level",
            "L3",
            "input enterprises is L4",
            id="as-strict-as-its-inputs-needs-no-downgrade",
        ),
        pytest.param(
            "legal_rep",
            "mask",
            "keep_nothing",
            r"columns\.8\.mask: no mask named 'keep_nothing'",
            id="unknown-mask-names-file-and-field",
        ),
    ],
)
def test_roster_column_edit_is_refused(
    config_copy: Path, column: str, key: str, value: str, message: str
) -> None:
    """A derived product as strict as its inputs needs no downgrade, so lowering one of its
    columns below the inputs' level is refused; an unknown mask is named by file and field."""
    set_column(config_copy / "products" / "street_enterprise_roster.yaml", column, key, value)
    with pytest.raises(ConfigError, match=message):
        load_catalog(config_copy)


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        ({"reason": "  "}, "downgrade", "stated reason"),
        ({"by": ""}, "downgrade.by", "at least 1 character"),
        ({"by": "street_donghu"}, "downgrade.by", "not a steward principal"),
        ({"by": "nobody"}, "downgrade.by", "not a steward principal"),
        ({"to": "L4"}, "downgrade.to", "not below the inputs' level L4"),
        ({"to": "L1"}, "downgrade.to", "below column grid_code's level L2"),
    ],
)
def test_downgrade_needs_a_steward_a_reason_and_a_real_downgrade(
    config_copy: Path, change: dict[str, str], key: str, message: str
) -> None:
    path = config_copy / "products" / "street_population_profile.yaml"
    edit(path, lambda d: d["downgrade"].update(change))
    with pytest.raises(ConfigError) as err:
        load_catalog(config_copy)
    assert str(err.value).startswith(f"{path}: {key}"), str(err.value)
    assert message in str(err.value)
