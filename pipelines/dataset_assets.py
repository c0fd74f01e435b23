"""Per dataset: raw → staged → protected assets, built from the catalogue.

A dataset with one source has one raw asset, ``raw_<dataset>``; a dataset fed by
several channels has one raw asset per channel, ``raw_<source>``, all feeding the
one staged asset.
"""

import datetime as dt
from collections.abc import Iterator

import dagster as dg

from catalog.contracts import SHARING_LABELS, DatasetContract
from catalog.registry import Catalog
from connectors.config import AnySource, FileDropSource
from lakehouse.raw_landing import quarantined_file_line
from pipelines import steps
from pipelines.progress import step
from pipelines.resources import HubResource

_KIND = {"sql": "sql", "http_json": "api", "file_drop": "csv"}


def _kind(source: AnySource) -> str:
    if isinstance(source, FileDropSource):
        suffixes = {p.rsplit(".", 1)[-1].lower() for p in source.patterns}
        if suffixes <= {"jsonl", "ndjson"}:
            return "json"
        if suffixes <= {"xlsx", "xls", "xlsm"}:
            return "excel"
    return _KIND[source.kind]


def _column_schema(contract: DatasetContract) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(c.name, c.type, description=f"{c.title} · {c.level} · {c.protection}")
            for c in contract.columns
        ]
    )


QUARANTINE_SCHEMA = dg.TableSchema(
    columns=[
        dg.TableColumn("_batch_id", "VARCHAR", description="the batch the row came in"),
        dg.TableColumn("_source_pos", "VARCHAR", description="where in the source (row, file)"),
        dg.TableColumn("_origin", "VARCHAR", description="file or source it came from"),
        dg.TableColumn("field", "VARCHAR", description="the column that failed"),
        dg.TableColumn("reason", "VARCHAR", description="why it was held back"),
        dg.TableColumn("_rejected_row", "BLOB", description="the row as read, sealed"),
        dg.TableColumn("quarantined_at", "TIMESTAMP"),
    ]
)


def raw_asset(
    catalog: Catalog, contract: DatasetContract, source: AnySource, common_meta: dict
) -> dg.AssetsDefinition:
    """The exact, sealed copy of one source's records."""
    dept = catalog.department_of_source(source.name)
    asset_name = catalog.raw_asset_name(source.name)

    @dg.asset(
        name=asset_name,
        group_name="raw",
        owners=[f"team:{dept.id}"],
        kinds={_kind(source), "duckdb"},
        description=f"Exact copy of {dept.name} source {source.name} ({contract.title}); "
        "personal columns sealed before writing.",
        metadata={**common_meta, "source": source.name, "owner": dept.name},
        tags={"department": dept.id},
        # Dagster's own freshness state in the UI (from its materializations); the
        # freshness checks (pipelines.freshness_checks) read the lakehouse's syncs.
        freshness_policy=dg.FreshnessPolicy.time_window(
            fail_window=dt.timedelta(hours=contract.update.freshness_hours)
        ),
    )
    def raw(context: dg.AssetExecutionContext, hub: HubResource) -> dg.MaterializeResult:
        with step(context, hub.show_progress, f"sync {source.name} → {asset_name}") as summary:
            result = steps.sync_source(hub.hub(), source.name)
            summary.append(f"{result.rows_read:,} rows read, {result.rows_rejected} unreadable")
            if result.files_quarantined:
                summary.append(f"{len(result.files_quarantined)} files quarantined")
        for file_name, why in result.files_quarantined:
            context.log.warning(quarantined_file_line(file_name, why))
        for note in result.notes:
            context.log.info(note)
        return dg.MaterializeResult(
            metadata={
                "batch_id": result.batch_id,
                "mode": result.mode,
                "rows_read": result.rows_read,
                "rows_rejected": result.rows_rejected,
                "declared_rows": result.declared_rows if result.declared_rows is not None else "-",
                "files_quarantined": ", ".join(f for f, _ in result.files_quarantined) or "none",
                "origins": ", ".join(result.origins) or "-",
                "dagster/row_count": result.rows_raw,
            }
        )

    return raw


def dataset_assets(catalog: Catalog, contract: DatasetContract) -> list[dg.AssetsDefinition]:
    name = contract.name
    sources = catalog.sources_for(name)
    dept = catalog.departments[contract.owner]
    owners = [f"team:{dept.id}"]
    common_meta = {
        "owner": dept.name,
        "steward": contract.steward,
        "level": contract.level,
        "sharing": SHARING_LABELS[contract.sharing],
        "dagster/column_schema": _column_schema(contract),
    }
    if len(sources) > 1:
        common_meta["sources"] = ", ".join(s.name for s in sources)
    raws = [raw_asset(catalog, contract, source, common_meta) for source in sources]

    staged_key = dg.AssetKey(f"staged_{name}")
    quarantine_key = dg.AssetKey(f"quarantine_{name}")

    # One step writes both: the rows that pass to staged, the rows that do not (and the
    # rows the sync could not read) to quarantine, each with its reason.
    @dg.multi_asset(
        name=f"stage_{name}",
        specs=[
            dg.AssetSpec(
                staged_key,
                group_name="staged",
                owners=owners,
                deps=[raw.key for raw in raws],
                kinds={"duckdb"},
                description=f"{contract.title}: {contract.description.strip()} Typed, cleaned "
                "and de-duplicated; identifiers as join tokens plus sealed values; bad rows in "
                f"quarantine_{name} with a reason.",
                metadata=common_meta,
            ),
            dg.AssetSpec(
                quarantine_key,
                group_name="quarantine",
                owners=owners,
                deps=[raw.key for raw in raws],
                kinds={"duckdb"},
                description=f"{contract.title}（隔离）: rows held back from staged_{name} by the "
                "contract's rules, and rows the sync could not read, each with the field and the "
                "reason; the rejected row itself is sealed.",
                metadata={**common_meta, "dagster/column_schema": QUARANTINE_SCHEMA},
            ),
        ],
    )
    def staged(
        context: dg.AssetExecutionContext, hub: HubResource
    ) -> Iterator[dg.MaterializeResult]:
        feeding = " + ".join(catalog.raw_asset_name(s.name) for s in sources)
        with step(context, hub.show_progress, f"standardise {feeding} → staged_{name}") as summary:
            results = steps.stage_dataset(hub.hub(), name)
            read = sum(r.rows_read for r in results)
            loaded = sum(r.rows_loaded for r in results)
            quarantined = sum(r.rows_quarantined for r in results)
            summary.append(f"{read:,} read = {loaded:,} loaded + {quarantined:,} quarantined")
        yield dg.MaterializeResult(
            asset_key=staged_key,
            metadata={
                "batches": len(results),
                "rows_read": read,
                "rows_loaded": loaded,
                "rows_quarantined": quarantined,
            },
        )
        # counts only: a reason may quote the value it refused
        yield dg.MaterializeResult(
            asset_key=quarantine_key,
            metadata={"batches": len(results), "rows_quarantined": quarantined},
        )

    @dg.asset(
        name=f"protected_{name}",
        group_name="protected",
        owners=owners,
        deps=[staged_key],
        kinds={"duckdb", "presidio"},
        description=f"{contract.title}, ready for products: free text redacted by the "
        "personal-data detector, undeclared personal data refused.",
        metadata=common_meta,
    )
    def protected(context: dg.AssetExecutionContext, hub: HubResource) -> dg.MaterializeResult:
        with step(
            context, hub.show_progress, f"protect staged_{name} → protected_{name}"
        ) as summary:
            result = steps.protect_dataset(hub.hub(), name)
            summary.append(f"{result.rows:,} rows, {result.rows_redacted:,} texts redacted")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": result.rows,
                "rows_redacted": result.rows_redacted,
                "entities_found": ", ".join(
                    f"{k}={v}" for k, v in sorted(result.entity_counts.items())
                )
                or "none",
            }
        )

    return [*raws, staged, protected]
