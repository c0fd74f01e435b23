"""A contract's retention may count from a date column of its data (``date_column``):
one that exists and is an unprotected date loads; anything else is refused, named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from catalog_fixtures import copy_config, edit

from catalog.errors import ConfigError
from catalog.registry import load_catalog
from home.layout import DEFAULT_CONFIG_DIR


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    return copy_config(tmp_path)


def _retention_column(column: str) -> Any:
    def change(data: dict[str, Any]) -> None:
        data["retention"]["date_column"] = column

    return change


def test_the_shipped_visits_and_cases_count_from_their_own_dates() -> None:
    catalog = load_catalog(DEFAULT_CONFIG_DIR)
    assert catalog.datasets["visits"].retention.date_column == "visited_on"  # type: ignore[union-attr]
    assert catalog.datasets["cases"].retention.date_column == "closed_at"  # type: ignore[union-attr]
    assert catalog.datasets["population"].retention.date_column is None  # type: ignore[union-attr]


def test_a_date_column_of_the_data_loads(config_copy: Path) -> None:
    edit(config_copy / "datasets" / "assistance.yaml", _retention_column("registered_on"))
    retention = load_catalog(config_copy).datasets["assistance"].retention
    assert retention is not None and retention.date_column == "registered_on"


@pytest.mark.parametrize(
    ("column", "says"),
    [
        ("ended_on", "no column named 'ended_on'"),
        ("category", "must be an unprotected date or datetime column"),
        ("phone", "must be an unprotected date or datetime column"),
    ],
)
def test_a_date_column_that_is_not_one_is_refused(
    config_copy: Path, column: str, says: str
) -> None:
    edit(config_copy / "datasets" / "assistance.yaml", _retention_column(column))
    with pytest.raises(ConfigError) as err:
        load_catalog(config_copy)
    assert "assistance.yaml" in str(err.value) and says in str(err.value)
