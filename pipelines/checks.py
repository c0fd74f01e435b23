"""Blocking asset checks on staged data: bad data must not flow on."""

import dagster as dg

from catalog.contracts import DatasetContract
from pipelines import steps
from pipelines.progress import step
from pipelines.resources import HubResource
from quality.expectations import SuiteOutcome


def dataset_checks(contract: DatasetContract) -> list[dg.AssetChecksDefinition]:
    name = contract.name
    staged_key = dg.AssetKey(f"staged_{name}")

    rules = [r.name for r in contract.quality.rules]
    references = sorted({r.reference[0] for r in contract.quality.rules if r.check == "exists_in"})

    @dg.asset_check(
        asset=staged_key,
        name=f"check_staged_{name}",
        blocking=True,
        # A reference rule compares with the other dataset's protected tokens: after them.
        additional_deps=[dg.AssetKey(f"protected_{r}") for r in references],
        description=f"Great Expectations suite of the {name} contract on the staged table: "
        f"rules {', '.join(rules) or 'none'} and {len(contract.expectations)} further "
        "expectations; a failed block rule stops the data (see quality.rule_suite).",
    )
    def gx_suite(context: dg.AssetCheckExecutionContext, hub: HubResource) -> dg.AssetCheckResult:
        with step(
            context, hub.show_progress, f"check_staged_{name} (Great Expectations)"
        ) as summary:
            outcome = steps.validate_staged(hub.hub(), name)
            summary.append(
                f"{len(outcome.outcomes) - len(outcome.failed)}/{len(outcome.outcomes)} passed"
            )
            if outcome.blocking_failures:
                summary.fail(", ".join(o.rule for o in outcome.blocking_failures))
            warned = [o.rule for o in outcome.failed if o.on_fail == "warn"]
            if warned:
                summary.warn(", ".join(warned))
        return suite_result(outcome)

    @dg.asset_check(
        asset=staged_key,
        name=f"check_quarantine_{name}",
        blocking=True,
        description=f"At most {contract.max_quarantine_ratio:.0%} of the latest batch's rows "
        "of each source may be quarantined; more means the source changed or broke.",
    )
    def quarantine(context: dg.AssetCheckExecutionContext, hub: HubResource) -> dg.AssetCheckResult:
        # Each source (channel) on its own: a broken channel must not hide behind the others.
        limit = contract.max_quarantine_ratio
        with step(context, hub.show_progress, f"check_quarantine_{name}") as summary:
            ratios = steps.quarantine_ratios(hub.hub(), name)
            read = sum(r[0] for r in ratios.values())
            quarantined = sum(r[1] for r in ratios.values())
            worst = max((r[2] for r in ratios.values()), default=0.0)
            over = [s for s, r in ratios.items() if r[2] > limit]
            summary.append(f"{quarantined:,} of {read:,} rows quarantined (limit {limit:.0%})")
            if over:
                summary.fail(
                    ", ".join(f"{s} {ratios[s][2]:.0%} quarantined" for s in over)
                    + f" (above {limit:.0%})"
                )
        metadata: dict[str, float | int | str] = {
            "rows_read": read,
            "rows_quarantined": quarantined,
            "share": round(worst, 4),
            "limit": limit,
            "sources_over_limit": ", ".join(over) or "none",
        }
        if len(ratios) > 1:
            metadata.update({f"share {s}": round(r[2], 4) for s, r in ratios.items()})
        return dg.AssetCheckResult(
            passed=not over,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata=metadata,
            description=f"failed: {summary.failure}" if over else None,
        )

    return [gx_suite, quarantine]


def suite_result(outcome: SuiteOutcome) -> dg.AssetCheckResult:
    """The check's result: failed rules by name, counts per rule, never a value.

    A failed ``block`` rule is an ERROR (downstream assets wait); failed ``warn`` rules
    alone are a WARN (data flows on)."""
    failed = outcome.failed
    blocking = outcome.blocking_failures
    metadata: dict[str, str | int] = {
        "rows": outcome.rows,
        "failed_rules": ", ".join(o.rule for o in failed) or "none",
    }
    for o in outcome.outcomes:
        verdict = "pass" if o.success else "FAIL"
        metadata[f"rule {o.rule}"] = f"{verdict} ({o.on_fail}): {o.observed}"
    return dg.AssetCheckResult(
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR
        if blocking or not failed
        else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
        description=f"failed: {', '.join(o.rule for o in failed)}" if failed else None,
    )
