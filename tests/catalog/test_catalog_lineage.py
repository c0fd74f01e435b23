"""Lineage: column level from each product's SQL (sqlglot against the protected-layer
schemas), table level from the Dagster asset graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.lineage import column_lineage, dataset_columns, table_lineage
from catalog.registry import Catalog, load_catalog

CONFIG = Path(__file__).resolve().parents[2] / "config"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CONFIG)


def test_product_columns_trace_to_dataset_columns(catalog: Catalog) -> None:
    traced = column_lineage(catalog, "street_case_stats")
    assert set(traced) == {c.name for c in catalog.products["street_case_stats"].columns}
    assert traced["satisfaction_rate"] == ["cases.satisfaction"]
    assert traced["on_time_rate"] == ["cases.closed_at", "cases.deadline"]
    assert traced["community_name"] == ["communities.name"]
    # a count reads the rows of the tables behind it, through the CTEs
    assert {"cases.*", "population.*"} <= set(traced["cases_per_10k_residents"])
    read = dataset_columns(traced)
    assert {"cases", "cases_merged", "population", "communities"} == set(read)


def test_a_list_reads_sealed_and_token_columns_never_clear_ones(catalog: Catalog) -> None:
    read = dataset_columns(column_lineage(catalog, "proactive_elderly_alone"))
    assert "id_number_token" in read["population"] and "name_sealed" in read["population"]
    assert "id_number" not in read["population"] and "name" not in read["population"]


def test_every_product_traces_its_inputs(catalog: Catalog) -> None:
    for name, product in catalog.products.items():
        read = dataset_columns(column_lineage(catalog, name))
        datasets = {t.removesuffix("_merged") for t in read} & set(catalog.datasets)
        assert datasets == set(product.inputs), name


def test_table_lineage_from_the_dagster_graph(catalog: Catalog) -> None:
    product = table_lineage(catalog, "street_case_stats")
    assert product.assets == ["street_case_stats"]
    assert set(product.upstream) == {"protected_cases", "merged_cases", "protected_population"}
    assert product.downstream == ["data_rooms"]
    dataset = table_lineage(catalog, "assistance")
    assert dataset.assets[0] == "raw_assistance"
    assert set(dataset.downstream) == {"proactive_disabled_unvisited", "proactive_elderly_alone"}
