"""The Dagster definitions load and contain the whole graph."""

from __future__ import annotations

import dagster as dg

from catalog.registry import load_catalog
from home.layout import config_dir


def test_definitions_load_with_every_asset_check_schedule_and_sensor() -> None:
    from pipelines.definitions import REFRESH_JOB, defs

    catalog = load_catalog(config_dir())
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for dataset in catalog.datasets:
        assert {f"staged_{dataset}", f"protected_{dataset}"} <= keys
    for source in catalog.sources:
        assert catalog.raw_asset_name(source) in keys
    assert set(catalog.products) <= keys
    assert "data_rooms" in keys
    assert "merged_cases" in keys

    checks = {k.name for k in graph.asset_check_keys}
    for dataset in catalog.datasets:
        assert {f"check_staged_{dataset}", f"check_quarantine_{dataset}"} <= checks
    for product in catalog.products:
        assert f"check_{product}" in checks
    freshness = {
        k.asset_key.to_user_string() for k in graph.asset_check_keys if k.name == "freshness_check"
    }
    assert freshness == {catalog.raw_asset_name(s) for s in catalog.sources}

    jobs = {j.name for j in defs.resolve_all_job_defs()}
    assert REFRESH_JOB in jobs
    assert {f"sync_{s}" for s in catalog.sources} <= jobs
    schedules = {s.name for s in defs.schedules or []}
    synced = {f"schedule_{s}" for s, src in catalog.sources.items() if src.schedule}
    assert synced | {"schedule_retention"} == schedules
    assert "enforce_retention" in jobs
    sensors = {s.name for s in defs.sensors or []}
    assert {
        "drop_hl_cases", "drop_mb_cases", "drop_wb_cases", "drop_ca_assistance", "drop_so_visits",
        "freshness_checks_sensor",
    } == sensors  # fmt: skip


def test_a_dataset_with_one_source_keeps_raw_dataset_and_each_channel_gets_its_own() -> None:
    """Single-source datasets keep ``raw_<dataset>`` (as always); each channel of a
    multi-source dataset lands in ``raw_<source>``, and all of them feed one staged asset;
    the merge comes after the protected layer and before the products that read it."""
    from pipelines.definitions import defs

    catalog = load_catalog(config_dir())
    graph = defs.resolve_asset_graph()
    for single in ("population", "enterprises", "assistance", "case_transfers"):
        [source] = catalog.sources_for(single)
        assert catalog.raw_asset_name(source.name) == f"raw_{single}"
    channels = [s.name for s in catalog.sources_for("cases")]
    assert len(channels) == 5
    staged = graph.get(dg.AssetKey("staged_cases"))
    assert {k.to_user_string() for k in staged.parent_keys} == {f"raw_{c}" for c in channels}
    merged = graph.get(dg.AssetKey("merged_cases"))
    assert {k.to_user_string() for k in merged.parent_keys} == {"protected_cases"}
    stats = graph.get(dg.AssetKey("street_case_stats"))
    assert dg.AssetKey("merged_cases") in stats.parent_keys
    job = defs.resolve_job_def("sync_wx_cases")
    selected = {k.to_user_string() for k in job.asset_layer.selected_asset_keys}
    assert {"raw_wx_cases", "staged_cases", "merged_cases"} <= selected
    assert "raw_hl_cases" not in selected


def test_quality_checks_block_and_freshness_checks_and_alerts_warn() -> None:
    """Bad data must not flow on; a late source must not hold back the others' fresh data,
    and a product's alerts (a topic rising) only warn."""
    from pipelines.definitions import defs

    catalog = load_catalog(config_dir())
    alerting = {f"alert_{n}" for n, p in catalog.products.items() if p.alerts is not None}
    assert "alert_street_hot_topics" in alerting
    graph = defs.resolve_asset_graph()
    assert graph.asset_check_keys
    for key in graph.asset_check_keys:
        warns = key.name in alerting or key.name == "freshness_check"
        assert graph.get_check_spec(key).blocking is not warns, key
    assert alerting <= {k.name for k in graph.asset_check_keys}


def test_schedule_uses_department_timezone() -> None:
    from pipelines.definitions import defs

    schedule = defs.resolve_schedule_def("schedule_ps_population")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert isinstance(schedule, dg.ScheduleDefinition)


def test_workspace_file_points_at_definitions() -> None:
    from pathlib import Path

    import yaml

    workspace = yaml.safe_load((Path(__file__).parents[2] / "workspace.yaml").read_text())
    target = workspace["load_from"][0]["python_module"]
    assert (target["module_name"], target["attribute"]) == ("pipelines.definitions", "defs")
