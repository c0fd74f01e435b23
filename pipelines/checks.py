"""Blocking asset checks on staged data: bad data must not flow on."""

import dagster as dg

from catalog.contracts import DatasetContract
from pipelines import steps
from pipelines.progress import step
from pipelines.resources import HubResource


def dataset_checks(contract: DatasetContract) -> list[dg.AssetChecksDefinition]:
    name = contract.name
    staged_key = dg.AssetKey(f"staged_{name}")

    @dg.asset_check(
        asset=staged_key,
        name=f"check_staged_{name}",
        blocking=True,
        description=f"Great Expectations suite of the {name} contract "
        f"({len(contract.expectations)} expectations) on the staged table.",
    )
    def gx_suite(context: dg.AssetCheckExecutionContext, hub: HubResource) -> dg.AssetCheckResult:
        with step(
            context, hub.show_progress, f"check_staged_{name} (Great Expectations)"
        ) as summary:
            outcome = steps.validate_staged(hub.hub(), name)
            summary.append(
                f"{len(outcome.outcomes) - len(outcome.failed)}/{len(outcome.outcomes)} passed"
            )
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "rows": outcome.rows,
                **{
                    f"{o.expectation}({o.column or ''})": f"{'pass' if o.success else 'FAIL'}: "
                    f"{o.observed}"
                    for o in outcome.outcomes
                },
            },
        )

    @dg.asset_check(
        asset=staged_key,
        name=f"check_quarantine_{name}",
        blocking=True,
        description=f"At most {contract.max_quarantine_ratio:.0%} of the latest batch's rows "
        "of each source may be quarantined; more means the source changed or broke.",
    )
    def quarantine(context: dg.AssetCheckExecutionContext, hub: HubResource) -> dg.AssetCheckResult:
        # Each source (channel) on its own: a broken channel must not hide behind the others.
        ratios = steps.quarantine_ratios(hub.hub(), name)
        read = sum(r[0] for r in ratios.values())
        quarantined = sum(r[1] for r in ratios.values())
        worst = max((r[2] for r in ratios.values()), default=0.0)
        metadata: dict[str, float | int] = {
            "rows_read": read,
            "rows_quarantined": quarantined,
            "share": round(worst, 4),
            "limit": contract.max_quarantine_ratio,
        }
        if len(ratios) > 1:
            metadata.update({f"share {s}": round(r[2], 4) for s, r in ratios.items()})
        return dg.AssetCheckResult(
            passed=worst <= contract.max_quarantine_ratio,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata=metadata,
        )

    return [gx_suite, quarantine]
