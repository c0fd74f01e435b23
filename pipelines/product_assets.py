"""Shared data products and the data rooms built from them."""

from collections.abc import Sequence

import dagster as dg

from catalog.contracts import SHARING_LABELS, ProductContract
from catalog.registry import Catalog
from pipelines import room_steps, steps
from pipelines.progress import step
from pipelines.resources import HubResource


def _check_description(product: ProductContract) -> str:
    what = "columns as contracted, no identifier in clear"
    if product.suppression is not None:
        what += (
            f", counts below {product.suppression.threshold} blank and no blank cell "
            f"recoverable from {len(product.suppression.margins)} margins"
        )
    return f"The product as written: {what} (products.product_check)."


def _check_specs(product: ProductContract) -> list[dg.AssetCheckSpec]:
    specs = [
        dg.AssetCheckSpec(
            f"check_{product.name}",
            asset=product.name,
            blocking=True,
            description=_check_description(product),
        )
    ]
    if product.alerts is not None:
        latest = f" in the latest {product.alerts.latest}" if product.alerts.latest else ""
        specs.append(
            dg.AssetCheckSpec(
                f"alert_{product.name}",
                asset=product.name,
                blocking=False,
                description=f"{product.alerts.title}: warns (WARN, not blocking) while any row's "
                f"{product.alerts.column} is true{latest}, listing them by "
                f"{', '.join(product.alerts.shown)} as the product publishes them.",
            )
        )
    return specs


def product_asset(
    product: ProductContract, *, after: Sequence[dg.AssetKey] = ()
) -> dg.AssetsDefinition:
    """The product, and its blocking check run in the same step right after the build (the
    check re-runs the product's SQL to know the true counts: one step, not two).

    ``after``: assets beyond its inputs' protected layers the product waits for (an
    input's merge, whose case ids it may read)."""
    check_name = f"check_{product.name}"

    @dg.asset(
        name=product.name,
        group_name="products",
        owners=[f"team:{product.owner}"],
        deps=[*(dg.AssetKey(f"protected_{d}") for d in product.inputs), *after],
        kinds={"duckdb"},
        description=f"{product.title}: {product.description.strip()}",
        metadata={
            "level": product.level,
            "sharing": SHARING_LABELS[product.sharing],
            "steward": product.steward,
            "downgrade": product.downgrade.reason if product.downgrade else "none",
            "dagster/column_schema": dg.TableSchema(
                columns=[
                    dg.TableColumn(c.name, description=f"{c.title} · {c.level}")
                    for c in product.columns
                ]
            ),
        },
        check_specs=_check_specs(product),
    )
    def build(context: dg.AssetExecutionContext, hub: HubResource) -> dg.MaterializeResult:
        with step(context, hub.show_progress, f"build product {product.name}") as summary:
            rows = steps.build_product_step(hub.hub(), product.name)
            summary.append(f"{rows:,} rows")
        with step(context, hub.show_progress, check_name) as summary:
            outcome = steps.check_product_step(hub.hub(), product.name)
            summary.append("passed" if outcome.passed else f"{len(outcome.problems)} problems")
            if not outcome.passed:
                summary.fail("; ".join(outcome.problems))
        results = [
            dg.AssetCheckResult(
                check_name=check_name,
                passed=outcome.passed,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={
                    **{k: str(v) for k, v in outcome.metadata.items()},
                    "problems": "; ".join(outcome.problems) or "none",
                },
            )
        ]
        if product.alerts is not None:
            alerts = steps.product_alerts_step(hub.hub(), product.name)
            if alerts.raised:
                context.log.warning(f"{product.name}: {alerts.count} {product.alerts.title}")
            results.append(
                dg.AssetCheckResult(
                    check_name=f"alert_{product.name}",
                    passed=not alerts.raised,
                    severity=dg.AssetCheckSeverity.WARN,
                    metadata=alerts.as_metadata(),
                )
            )
        return dg.MaterializeResult(metadata={"dagster/row_count": rows}, check_results=results)

    return build


def rooms_asset(catalog: Catalog) -> dg.AssetsDefinition:
    @dg.asset(
        name="data_rooms",
        group_name="rooms",
        kinds={"duckdb"},
        deps=[dg.AssetKey(p) for p in catalog.products],
        description="One read-only DuckDB database per principal holding only the rows and "
        "columns its grants allow; rebuilt whenever products change.",
    )
    def data_rooms(context: dg.AssetExecutionContext, hub: HubResource) -> dg.MaterializeResult:
        with step(context, hub.show_progress, "build data rooms") as summary:
            reports = room_steps.build_rooms_step(hub.hub())
            summary.append(f"{len(reports)} rooms")
        return dg.MaterializeResult(
            metadata={
                r.principal: ", ".join(f"{p}={n}" for p, n in r.products.items()) or "no products"
                for r in reports
            }
        )

    return data_rooms
