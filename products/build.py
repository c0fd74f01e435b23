"""Build a product from its SQL module and check it against its contract."""

from __future__ import annotations

import datetime as dt
import importlib

import duckdb
import pyarrow as pa

from catalog.contracts import ProductContract
from catalog.district import District
from lakehouse.connection import lake_transaction


class ProductContractError(RuntimeError):
    """A product's query does not yield the columns its contract lists."""


class ProductInputMissing(RuntimeError):
    """A product's input dataset has not been protected yet, so there is nothing to build from."""


def _check_inputs(con: duckdb.DuckDBPyConnection, product: ProductContract) -> None:
    from lakehouse.connection import table_exists

    missing = [d for d in product.inputs if not table_exists(con, "protected", d)]
    if missing:
        needed = ", ".join(f"protected_{d}" for d in missing)
        raise ProductInputMissing(
            f"product {product.name} needs {needed}, which has not been built yet; "
            "run the whole district once (`shuzhi run`) or sync those sources first"
        )


def communities_table(district: District) -> pa.Table:
    return pa.table(
        {
            "code": [c.code for _, c in district.communities],
            "name": [c.name for _, c in district.communities],
            "street_code": [s.code for s, _ in district.communities],
        }
    )


def build_product(
    con: duckdb.DuckDBPyConnection,
    product: ProductContract,
    district: District,
    *,
    today: dt.date | None = None,
) -> int:
    """(Re)build ``lake.products.<name>``; returns its row count."""
    _check_inputs(con, product)
    module = importlib.import_module(f"products.{product.name}")
    sql: str = module.SQL
    params: list[object] = []
    if "$1" in sql:
        params.append(today or dt.date.today())
    if "$2" in sql:
        params.append(product.small_count_threshold or 1)
    con.register("communities", communities_table(district))
    try:
        columns = [d[0] for d in con.execute(f"DESCRIBE {sql}", params).fetchall()]
        expected = [c.name for c in product.columns]
        if columns != expected:
            raise ProductContractError(
                f"product {product.name}: query yields {columns}, contract lists {expected}"
            )
        with lake_transaction(con):
            con.execute(f"CREATE OR REPLACE TABLE lake.products.{product.name} AS {sql}", params)
    finally:
        con.unregister("communities")
    row = con.execute(f"SELECT count(*) FROM lake.products.{product.name}").fetchone()
    return int(row[0]) if row else 0
