"""The whole Dagster graph, merged from its parts (workspace.yaml loads this).

Assets, checks, schedules and sensors are generated from the catalogue in
the configuration folder, so adding a department or dataset needs no code.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from catalog.registry import load_catalog
from home.layout import config_dir
from home.permissions import keep_new_files_private
from pipelines.checks import dataset_checks
from pipelines.dataset_assets import dataset_assets
from pipelines.freshness_checks import freshness_checks, freshness_sensor
from pipelines.merge_assets import merge_asset, merge_asset_key
from pipelines.product_assets import product_asset, rooms_asset
from pipelines.resources import HubResource
from pipelines.retention_job import retention_job, retention_schedule
from pipelines.schedules import schedules_and_sensors

REFRESH_JOB = "refresh_district"


def build_definitions(config: Path | None = None) -> dg.Definitions:
    catalog = load_catalog(config or config_dir())
    assets: list[dg.AssetsDefinition] = []
    checks: list[dg.AssetChecksDefinition] = []
    for contract in catalog.datasets.values():
        assets += dataset_assets(catalog, contract)
        checks += dataset_checks(contract)
        if contract.merge is not None:
            assets.append(merge_asset(contract))
    for product in catalog.products.values():
        merges = [d for d in product.inputs if catalog.datasets[d].merge is not None]
        assets.append(product_asset(product, after=[merge_asset_key(d) for d in merges]))
    assets.append(rooms_asset(catalog))
    fresh = freshness_checks(catalog)
    checks += fresh
    jobs, schedules, sensors = schedules_and_sensors(catalog)
    sensors.append(freshness_sensor(fresh))
    schedules.append(retention_schedule(catalog))
    refresh = dg.define_asset_job(
        REFRESH_JOB,
        selection=dg.AssetSelection.all(),
        description="Sync every source and rebuild every layer, product and room.",
        tags={"shuzhi/scope": "district"},  # one at a time (deploy/dagster.example.yaml)
    )
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=[refresh, retention_job, *jobs],
        schedules=schedules,
        sensors=sensors,
        resources={"hub": HubResource()},
    )


# Every Dagster process that loads the graph (code server, run and step workers) writes
# into the home: its files are private from the start.
keep_new_files_private()
defs = build_definitions()
