"""Build a product: its SQL, its named parameters, its small-cell protection, its table.

1. The inputs must have been protected (``lake.protected.<input>`` exists).
2. The SQL (``config/products/<name>.sql``, checked when the catalogue loaded)
   runs with its named parameters (``products.parameters``) and the reference
   tables (``products.reference_tables``); its columns must be the contract's,
   in order.
3. With a ``suppression`` block, the result is protected in memory
   (``products.suppression``) before anything is written; without one, DuckDB
   writes the result straight into the lake.
4. ``lake.products.<name>`` is replaced in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from catalog.contracts import ProductContract
from catalog.registry import Catalog
from lakehouse import meta
from lakehouse.connection import lake_transaction, table_exists
from products.parameters import parameter_values, shown
from products.reference_tables import reference_tables
from products.suppression import SuppressionReport, suppress


class ProductContractError(RuntimeError):
    """A product's query does not yield the columns its contract lists."""


class ProductInputMissing(RuntimeError):
    """A product's input dataset has not been protected yet, so there is nothing to build from."""


@dataclass
class ProductBuild:
    """What one build did: rows written, the parameters it ran with, what it blanked."""

    product: str
    rows: int
    parameters: dict[str, object]
    suppression: SuppressionReport | None = None

    def as_details(self) -> dict[str, object]:
        out: dict[str, object] = {"rows": self.rows, "parameters": shown(self.parameters)}
        if self.suppression is not None:
            out["suppression"] = self.suppression.as_details()
        return out


def check_inputs(con: duckdb.DuckDBPyConnection, product: ProductContract) -> None:
    missing = [d for d in product.inputs if not table_exists(con, "protected", d)]
    if missing:
        needed = ", ".join(f"protected_{d}" for d in missing)
        raise ProductInputMissing(
            f"product {product.name} needs {needed}, which has not been built yet; "
            "run the whole district once (`shuzhi run`) or sync those sources first"
        )


def checked_sql(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, name: str, parameters: dict[str, object]
) -> str:
    """The product's SQL, once DuckDB says it yields exactly the contract's columns.

    The reference tables must be registered (``reference_tables``)."""
    product = catalog.products[name]
    query = catalog.queries[name]
    columns = [d[0] for d in con.execute(f"DESCRIBE {query.sql}", parameters).fetchall()]
    expected = [c.name for c in product.columns]
    if columns != expected:
        raise ProductContractError(
            f"product {name}: {query.path.name} yields {columns}, the contract lists {expected}"
        )
    return query.sql


def build_product(
    con: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    name: str,
    *,
    today: dt.date | None = None,
) -> ProductBuild:
    """(Re)build ``lake.products.<name>`` from its SQL and contract."""
    product = catalog.products[name]
    check_inputs(con, product)
    parameters = parameter_values(product, today or dt.date.today())
    report: SuppressionReport | None = None
    meta.ensure_meta(con)
    with reference_tables(con, catalog.district):
        sql = checked_sql(con, catalog, name, parameters)
        if product.suppression is None:
            with lake_transaction(con):
                con.execute(f"CREATE OR REPLACE TABLE lake.products.{name} AS {sql}", parameters)
                rows = _record(con, name, parameters, None)
        else:
            result = con.execute(sql, parameters).fetch_arrow_table()
            table, report = suppress(result, product.suppression, product=name)
            con.register("protected_product_rows", table)
            try:
                with lake_transaction(con):
                    con.execute(
                        f"CREATE OR REPLACE TABLE lake.products.{name} AS "
                        "SELECT * FROM protected_product_rows"
                    )
                    rows = _record(con, name, parameters, report)
            finally:
                con.unregister("protected_product_rows")
    return ProductBuild(name, rows, parameters, report)


def _record(
    con: duckdb.DuckDBPyConnection,
    name: str,
    parameters: dict[str, object],
    report: SuppressionReport | None,
) -> int:
    row = con.execute(f"SELECT count(*) FROM lake.products.{name}").fetchone()
    rows = int(row[0]) if row else 0
    meta.record_product_build(
        con, name, shown(parameters), rows, report.as_details() if report else None
    )
    return rows
