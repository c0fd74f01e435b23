"""Dagster freshness checks: is each source synced within its dataset's expectation?

One check per raw asset (a source), named and shaped like Dagster's own freshness checks
(``freshness_check``, ``dagster/freshness_params`` on the spec, ``dagster/fresh_until_timestamp``
on each result), so Dagster's ``build_sensor_for_freshness_checks`` re-runs each one when it
could have gone stale. Unlike ``build_last_update_freshness_checks``, which reads Dagster's
own event log, these read the lakehouse's last committed syncs through
``catalog.freshness``: the catalogue, ``sources list`` and Dagster flag the same sources,
whichever way a sync was made (a Dagster run or ``shuzhi sources sync``).

Warnings, not blocking: a channel that stopped must not hold back the fresh data of the
others.
"""

import datetime as dt
import warnings
from collections.abc import Iterator

import dagster as dg

from catalog.contracts import FREQUENCY_LABELS, DatasetContract
from catalog.freshness import freshness_of, utcnow
from catalog.registry import Catalog
from lakehouse import meta
from pipelines.resources import HubResource

CHECK_NAME = "freshness_check"  # Dagster's own name for a freshness check
SENSOR_NAME = "freshness_checks_sensor"


def _timestamp(moment: dt.datetime) -> dg.TimestampMetadataValue:
    """A naive UTC time of the lakehouse as Dagster's timestamp metadata."""
    return dg.TimestampMetadataValue(moment.replace(tzinfo=dt.UTC).timestamp())


def dataset_freshness_check(
    catalog: Catalog, contract: DatasetContract
) -> dg.AssetChecksDefinition:
    """The freshness check of every raw asset (source) of one dataset."""
    raw_of = {
        dg.AssetKey(catalog.raw_asset_name(s.name)): s.name
        for s in catalog.sources.values()
        if s.dataset == contract.name
    }
    update = contract.update
    params = dg.JsonMetadataValue(
        {"lower_bound_delta_seconds": update.freshness_hours * 3600, "timezone": "UTC"}
    )

    @dg.multi_asset_check(
        name=f"freshness_{contract.name}",
        specs=[
            dg.AssetCheckSpec(
                CHECK_NAME,
                asset=key,
                blocking=False,
                description=f"{source} synced within {update.freshness_hours} h "
                f"({contract.title}: updated {FREQUENCY_LABELS[update.frequency]}); "
                "older is 过期 (stale).",
                metadata={"dagster/freshness_params": params},
            )
            for key, source in raw_of.items()
        ],
        can_subset=True,
    )
    def check(
        context: dg.AssetCheckExecutionContext, hub: HubResource
    ) -> Iterator[dg.AssetCheckResult]:
        with hub.hub().lake() as con:
            syncs = meta.last_syncs(con)
        now = utcnow()
        for key in context.selected_asset_check_keys:
            freshness = freshness_of(update, syncs.get(raw_of[key.asset_key]), now)
            metadata: dict[str, dg.MetadataValue] = {
                "dagster/freshness_params": params,
                "dagster/freshness_lower_bound_timestamp": _timestamp(
                    now - dt.timedelta(hours=update.freshness_hours)
                ),
                "freshness": dg.MetadataValue.text(freshness.text()),
            }
            if freshness.last_update is not None:
                metadata["dagster/last_updated_timestamp"] = _timestamp(freshness.last_update)
            if freshness.state == "fresh" and freshness.fresh_until is not None:
                metadata["dagster/fresh_until_timestamp"] = _timestamp(freshness.fresh_until)
            yield dg.AssetCheckResult(
                asset_key=key.asset_key,
                check_name=CHECK_NAME,
                passed=freshness.state == "fresh",
                severity=dg.AssetCheckSeverity.WARN,
                description=freshness.text(),
                metadata=metadata,
            )

    return check


def freshness_checks(catalog: Catalog) -> list[dg.AssetChecksDefinition]:
    return [dataset_freshness_check(catalog, c) for c in catalog.datasets.values()]


def freshness_sensor(checks: list[dg.AssetChecksDefinition]) -> dg.SensorDefinition:
    """Dagster's own sensor for freshness checks: runs a check again once it could be stale.

    Dagster marks it superseded by ``FreshnessPolicy``, which the raw assets carry too; but a
    policy reads only Dagster's event log, and these checks read the lakehouse."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.SupersessionWarning)
        return dg.build_sensor_for_freshness_checks(
            freshness_checks=checks, minimum_interval_seconds=300, name=SENSOR_NAME
        )
