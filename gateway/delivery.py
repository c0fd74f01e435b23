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


def person_columns(catalog: Catalog, products: Iterable[str], table: pa.Table) -> list[int]:
    """The positions of the result's columns that hold person-level data (by position: a
    statement may name two columns alike, ``SELECT a.x, b.x``)."""
    levelled = {
        column.name
        for name in products
        if (product := catalog.products.get(name)) is not None
        for column in product.columns
        if column.level in PERSON_LEVELS
    }
    found = []
    for index, field in enumerate(table.schema):
        textual = pa.types.is_string(field.type) or pa.types.is_large_string(field.type)
        if field.name in levelled or (
            textual and any(is_token(v) for v in table.column(index).to_pylist())
        ):
            found.append(index)
    return found


def _distinct_names(names: list[str]) -> list[str]:
    """Names made unique (x, x#2, …) so that rows as dicts lose no column."""
    seen: dict[str, int] = {}
    distinct = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        distinct.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return distinct


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
    positions = person_columns(catalog, products, table)
    if not positions or table.num_rows == 0:
        return result, None
    names = _distinct_names(table.column_names)
    marked = mark_and_record(
        register,
        table.rename_columns(names).to_pylist(),
        person_columns=[names[i] for i in positions],
        kind=delivery_kind(catalog, products, kind),
        principal=principal,
        by=by,
        grants=grants,
        products=products,
        statement=statement,
        purpose=purpose,
        format=format,
    )
    delivered = pa.Table.from_pylist(
        marked.rows, schema=table.rename_columns(names).schema
    ).rename_columns(table.column_names)
    return dataclasses.replace(result, table=delivered), marked.delivery
