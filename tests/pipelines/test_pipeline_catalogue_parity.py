"""Nothing exists in Dagster that the catalogue does not list, and the reverse: raw copies
per source, staged tables with their quarantines, protected and merged tables, products,
rooms. The Dagster graph and the catalogue are built from the contracts separately."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import yaml

from catalog.assets import catalogue_assets
from catalog.registry import load_catalog
from encryption.master_key import MASTER_KEY_ENV, create_key_file
from home.layout import DEFAULT_CONFIG_DIR, Home
from pipelines.definitions import build_definitions


def _dagster_assets(config: Path) -> set[str]:
    graph = build_definitions(config).resolve_asset_graph()
    return {k.to_user_string() for k in graph.get_all_asset_keys()}


def test_dagster_and_the_catalogue_hold_the_same_assets() -> None:
    listed = {a.name for a in catalogue_assets(load_catalog(DEFAULT_CONFIG_DIR))}
    in_dagster = _dagster_assets(DEFAULT_CONFIG_DIR)
    assert in_dagster - listed == set(), "in Dagster, not in the catalogue"
    assert listed - in_dagster == set(), "in the catalogue, not in Dagster"
    assert {"quarantine_cases", "quarantine_population", "raw_hl_cases", "data_rooms"} <= listed


def test_each_quarantine_is_written_by_its_staging_step() -> None:
    defs = build_definitions(DEFAULT_CONFIG_DIR)
    graph = defs.resolve_asset_graph()
    for dataset in load_catalog(DEFAULT_CONFIG_DIR).datasets:
        quarantine = dg.AssetKey(f"quarantine_{dataset}")
        staged = dg.AssetKey(f"staged_{dataset}")
        step = defs.resolve_assets_def(quarantine)
        assert step is defs.resolve_assets_def(staged)
        assert step.node_def.name == f"stage_{dataset}"
        assert graph.get(quarantine).parent_keys == graph.get(staged).parent_keys
        assert not graph.get(quarantine).child_keys  # nothing reads held-back rows


def test_a_new_dataset_appears_in_both_or_in_neither(tmp_path: Path) -> None:
    """The pair: a dataset added in configuration only is in Dagster and in the catalogue,
    with its quarantine, and the two still agree."""
    import shutil

    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    contract = yaml.safe_load((config / "datasets" / "visits.yaml").read_text(encoding="utf-8"))
    contract["name"] = "visits_copy"
    (config / "datasets" / "visits_copy.yaml").write_text(
        yaml.safe_dump(contract, allow_unicode=True), encoding="utf-8"
    )
    dept_path = config / "departments" / "street_offices.yaml"
    dept = yaml.safe_load(dept_path.read_text(encoding="utf-8"))
    dept["sources"].append(
        {**dept["sources"][0], "name": "so_visits_copy", "dataset": "visits_copy"}
    )
    dept_path.write_text(yaml.safe_dump(dept, allow_unicode=True), encoding="utf-8")

    listed = {a.name for a in catalogue_assets(load_catalog(config))}
    assert listed == _dagster_assets(config)
    assert {"raw_visits_copy", "staged_visits_copy", "quarantine_visits_copy"} <= listed


def test_catalog_list_lists_every_asset_with_its_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What ``catalog list`` prints is that listing, each asset with the lake table it fills."""
    from cli.catalog_command import catalog_entries

    for var in (MASTER_KEY_ENV, "SHUZHI_LAKE_CATALOG", "SHUZHI_LAKE_DATA_PATH", "SHUZHI_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    home = Home(tmp_path / "home").ensure()
    create_key_file(home.keys / "master.key")
    monkeypatch.setenv("SHUZHI_HOME", str(home.root))
    entries = {e["name"]: e for e in catalog_entries()}
    assert set(entries) == _dagster_assets(DEFAULT_CONFIG_DIR)
    assert entries["quarantine_cases"]["layer"] == "quarantine"
    assert entries["quarantine_cases"]["table"] == "quarantine.cases"
    assert entries["raw_wx_cases"]["table"] == "raw.cases"
    assert entries["raw_wx_cases"]["sources"] == ["wx_cases"]
    assert entries["data_rooms"]["kind"] == "rooms"
    assert {e["freshness"] for n, e in entries.items() if n != "data_rooms"} == {"never"}
