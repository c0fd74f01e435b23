"""A query answer that holds person-level data becomes a registered, marked delivery.

Person-level: a result column named after an L3/L4 column of a product the
statement read, or any cell holding a person token. Such an answer's text
cells in those columns get the delivery's invisible mark (audit.watermark)
and the delivery goes into the register (audit.deliveries) before the answer
leaves the gateway; its id goes into the query's audit event.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import pyarrow as pa

from audit.deliveries import PERSON_LEVELS, Delivery, Register, is_token, mark_and_record
from catalog.registry import Catalog
from gateway.room_connection import QueryResult


def person_columns(catalog: Catalog, products: Iterable[str], table: pa.Table) -> list[str]:
    """The result's columns that hold person-level data."""
    levelled = {
        column.name
        for name in products
        if (product := catalog.products.get(name)) is not None
        for column in product.columns
        if column.level in PERSON_LEVELS
    }
    found = []
    for name in table.column_names:
        kind = table.schema.field(name).type
        textual = pa.types.is_string(kind) or pa.types.is_large_string(kind)
        if name in levelled or (
            textual and any(is_token(v) for v in table.column(name).to_pylist())
        ):
            found.append(name)
    return found


def delivery_kind(catalog: Catalog, products: Iterable[str], asked: str | None) -> str:
    """download when the caller asked for a file, list for a proactive-service list."""
    if asked is not None:
        return asked
    person_level = any(
        (product := catalog.products.get(name)) is not None and product.person_level
        for name in products
    )
    return "list" if person_level else "query"


def deliver(
    register: Register,
    catalog: Catalog,
    result: QueryResult,
    *,
    products: list[str],
    grants: list[str],
    principal: str,
    by: str | None,
    statement: str,
    purpose: str,
    kind: str | None,
    format: str | None,
) -> tuple[QueryResult, Delivery | None]:
    """The result as it may leave (marked) and its register line; unchanged and None when it
    holds no person-level data."""
    table = result.table
    columns = person_columns(catalog, products, table)
    if not columns or table.num_rows == 0:
        return result, None
    marked = mark_and_record(
        register,
        table.to_pylist(),
        person_columns=columns,
        kind=delivery_kind(catalog, products, kind),
        principal=principal,
        by=by,
        grants=grants,
        products=products,
        statement=statement,
        purpose=purpose,
        format=format,
    )
    delivered = pa.Table.from_pylist(marked.rows, schema=table.schema)
    return dataclasses.replace(result, table=delivered), marked.delivery
