"""A product's alerts: the rows of its table its contract's ``alerts`` block points at.

Read from the table as written (after small-cell protection), so an alert shows only
what the product itself publishes: the ``shown`` columns of each row whose alert column
is true (of the latest period only, for a trend: the contract's ``latest``), a blank
count as ``<threshold``. The product's non-blocking Dagster check
(severity WARN, ``pipelines.product_assets``) lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from catalog.contracts import ProductContract
from lakehouse.connection import table_exists

# At most this many alerts are described in the check's metadata (the count is exact).
MAX_LISTED = 50


@dataclass
class ProductAlerts:
    product: str
    title: str
    alerts: list[str] = field(default_factory=list)
    count: int = 0

    @property
    def raised(self) -> bool:
        return self.count > 0

    def as_metadata(self) -> dict[str, str]:
        listed = "; ".join(self.alerts) or "none"
        if self.count > len(self.alerts):
            listed += f"; … and {self.count - len(self.alerts)} more"
        return {"alerts": str(self.count), self.title: listed}


def product_alerts(con: duckdb.DuckDBPyConnection, product: ProductContract) -> ProductAlerts:
    """The alerts of ``product`` in ``lake.products.<name>`` (none if not built)."""
    spec = product.alerts
    if spec is None:
        raise ValueError(f"product {product.name} declares no alerts")
    found = ProductAlerts(product.name, spec.title)
    if not table_exists(con, "products", product.name):
        return found
    shown = ", ".join(f'"{c}"' for c in spec.shown)
    table = f"lake.products.{product.name}"
    where = f'"{spec.column}"'
    if spec.latest is not None:  # a trend: only its latest period alerts
        where += f' AND "{spec.latest}" = (SELECT max("{spec.latest}") FROM {table})'
    rows = con.execute(f"SELECT {shown} FROM {table} WHERE {where} ORDER BY {shown}").fetchall()
    found.count = len(rows)
    small = f"<{product.suppression.threshold}" if product.suppression else "blank"
    found.alerts = [
        " ".join(small if value is None else str(value) for value in row)
        for row in rows[:MAX_LISTED]
    ]
    return found
