"""One case from several channel records: the merge asset of a dataset with a merge rule."""

import dagster as dg

from catalog.contracts import DatasetContract
from pipelines import steps
from pipelines.progress import step
from pipelines.resources import HubResource


def merge_asset_key(dataset: str) -> dg.AssetKey:
    return dg.AssetKey(f"merged_{dataset}")


def merge_asset(contract: DatasetContract) -> dg.AssetsDefinition:
    name = contract.name
    assert contract.merge is not None
    rules = ", ".join(
        f"{r.name} (same {r.same} within {r.within_hours:g} h, text ≥ {r.min_similarity:g})"
        for r in contract.merge.rules
    )

    @dg.asset(
        name=f"merged_{name}",
        group_name="protected",
        owners=[f"team:{contract.owner}"],
        deps=[dg.AssetKey(f"protected_{name}")],
        kinds={"duckdb"},
        description=f"{contract.title}: every channel record with the id of the case it "
        f"belongs to (lake.protected.{name}_merged) and why it was linked "
        f"(lake.protected.{name}_merge_links). Rules: {rules}; then the steward's overrides.",
        metadata={"steward": contract.steward, "rules": rules},
    )
    def merged(context: dg.AssetExecutionContext, hub: HubResource) -> dg.MaterializeResult:
        with step(context, hub.show_progress, f"merge protected_{name} → merged_{name}") as summary:
            result = steps.merge_step(hub.hub(), name)
            summary.append(
                f"{result.merged_records:,} channel records merged into "
                f"{result.merged_cases:,} cases; {result.cases:,} cases in all"
            )
        for override in result.stale_overrides:
            context.log.warning(f"override {override} names a record no longer loaded; skipped")
        return dg.MaterializeResult(
            metadata={
                "records": result.records,
                "cases": result.cases,
                "merged_records": result.merged_records,
                "merged_cases": result.merged_cases,
                **{f"links {rule}": n for rule, n in sorted(result.links.items())},
                "overrides": result.overrides,
            }
        )

    return merged
