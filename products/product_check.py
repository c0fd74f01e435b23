"""What each product's Dagster asset check verifies on the table as written.

1. The table holds exactly the contract's columns, in order.
2. No text value is a resident ID or mobile number in clear (``identifiers.in_text``).
3. With a ``suppression`` block: the product's SQL is run again with the
   parameters of its last build (``lake.meta.product_builds``) to know the true
   counts; every published count is the true one and none is below the
   threshold; every derived column is blank where its counts are; and the
   attacker of ``products.suppression`` can pin down no blank cell, nor tell a
   small one is small.

The true counts are only compared here, never written or shown: a problem names
the product, the column and the margin group (codes and categories), never a value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from catalog.contracts import ProductContract, Suppression
from catalog.registry import Catalog
from identifiers.in_text import holds_identifier
from lakehouse import meta
from lakehouse.connection import table_exists
from products.build import checked_sql
from products.cell_ranges import MarginGroups
from products.reference_tables import reference_tables
from products.suppression import unprotected_cells

READ_ROWS = 50_000
MAX_PROBLEMS = 20


@dataclass
class ProductCheck:
    product: str
    problems: list[str] = field(default_factory=list)
    metadata: dict[str, object] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.problems


def check_product(con: duckdb.DuckDBPyConnection, catalog: Catalog, name: str) -> ProductCheck:
    product = catalog.products[name]
    check = ProductCheck(name)
    if not table_exists(con, "products", name):
        check.problems.append(f"lake.products.{name} has not been built")
        return check
    columns = [r[0] for r in con.execute(f"DESCRIBE lake.products.{name}").fetchall()]
    expected = [c.name for c in product.columns]
    if columns != expected:
        check.problems.append(f"columns are {columns}, the contract lists {expected}")
        return check
    check.metadata["plaintext_identifiers"] = _plaintext_identifiers(con, name)
    if check.metadata["plaintext_identifiers"]:
        check.problems.append(
            f"{check.metadata['plaintext_identifiers']} text values hold a resident ID or "
            "mobile number in clear"
        )
    if product.suppression is not None:
        _check_suppression(con, catalog, product, product.suppression, check)
    del check.problems[MAX_PROBLEMS:]
    return check


def _plaintext_identifiers(con: duckdb.DuckDBPyConnection, name: str) -> int:
    reader = con.execute(f"SELECT * FROM lake.products.{name}").fetch_record_batch(READ_ROWS)
    found = 0
    for batch in reader:
        for column in batch.columns:
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                found += sum(1 for v in column.to_pylist() if v and holds_identifier(v))
    return found


def _check_suppression(
    con: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    product: ProductContract,
    spec: Suppression,
    check: ProductCheck,
) -> None:
    name = product.name
    published = con.execute(f"SELECT * FROM lake.products.{name}").fetch_arrow_table()
    truth = _true_rows(con, catalog, product)
    measured = set(spec.counts) | {d.column for d in spec.derived}
    dimensions = [c.name for c in product.columns if c.name not in measured]
    order = _aligned(published, truth, dimensions)
    if order is None:
        check.problems.append(
            "the published rows are not the rows its SQL gives now (rebuild the product), "
            f"or they are not unique by {dimensions}"
        )
        return
    groups = MarginGroups.of(published, spec)
    lower = 0 if spec.empty_cells_listed else 1
    blanks = 0
    for count in spec.counts:
        shown = published.column(count).to_pylist()
        true_all = truth.column(count).to_pylist()
        true = [true_all[i] for i in order]
        if any(s is not None and s != t for s, t in zip(shown, true, strict=True)):
            check.problems.append(f"{count}: published counts differ from the true ones")
        if any(s is not None and 0 < s < spec.threshold for s in shown):
            check.problems.append(f"{count}: a published count is below {spec.threshold}")
        blank = {
            r
            for r, (s, t) in enumerate(zip(shown, true, strict=True))
            if s is None and t is not None
        }
        blanks += len(blank)
        for derived in spec.derived_from(count):
            values = published.column(derived).to_pylist()
            if any(values[r] is not None for r in blank):
                check.problems.append(f"{derived}: shown where {count} is blank")
        exposed = unprotected_cells(true, blank, groups, threshold=spec.threshold, lower=lower)
        for row in exposed[:MAX_PROBLEMS]:
            check.problems.append(f"{count}: a blank cell can be recovered ({groups.where(row)})")
    check.metadata["blank_cells"] = blanks


def _true_rows(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, product: ProductContract
) -> pa.Table:
    shown = meta.last_product_parameters(con, product.name)
    parameters: dict[str, object] = {}
    for key, value in shown.items():
        declared = product.parameters.get(key)
        is_date = declared is not None and declared.type == "date"
        parameters[key] = dt.date.fromisoformat(str(value)) if is_date else value
    with reference_tables(con, catalog.district):
        sql = checked_sql(con, catalog, product.name, parameters)
        return con.execute(sql, parameters).fetch_arrow_table()


def _aligned(published: pa.Table, truth: pa.Table, dimensions: list[str]) -> list[int] | None:
    """For each published row, the index of the true row with the same dimensions."""
    if published.num_rows != truth.num_rows:
        return None

    def keys(table: pa.Table) -> list[tuple[object, ...]]:
        columns = [table.column(d).to_pylist() for d in dimensions]
        return list(zip(*columns, strict=True)) if columns else [() for _ in range(table.num_rows)]

    index = {key: i for i, key in enumerate(keys(truth))}
    if len(index) != truth.num_rows:
        return None
    order = [index.get(key) for key in keys(published)]
    if any(i is None for i in order) or len(set(order)) != len(order):
        return None
    return [i for i in order if i is not None]
