"""A product page request (columns, equality filters, sort, page) as one read statement.

Only names the caller may see reach the statement, each quoted; every value is a
quoted literal, so the statement shape in the audit log keeps none of them. The
statement then goes through the gateway like any other: the engine decides it.
"""

from __future__ import annotations

from dataclasses import dataclass

from policies.engine import Decision
from service.errors import ApiError

RESERVED = frozenset({"columns", "sort", "limit", "offset", "format", "purpose"})


@dataclass(frozen=True)
class PageRequest:
    columns: list[str]
    filters: dict[str, str]
    sort: list[tuple[str, bool]]  # (column, descending)
    limit: int
    offset: int


def page_request(
    decision: Decision,
    *,
    columns: str,
    sort: str,
    limit: int,
    offset: int,
    filters: dict[str, str],
    max_rows: int,
) -> PageRequest:
    """The page asked for, every name checked against the columns the caller may see."""
    visible = [c.name for c in decision.visible_columns()]
    asked = [c.strip() for c in columns.split(",") if c.strip()]
    for name in asked:
        _check_column(name, visible, "columns")
    _check_once(asked, "columns")
    order: list[tuple[str, bool]] = []
    for item in (s.strip() for s in sort.split(",") if s.strip()):
        name = item.removeprefix("-")
        _check_column(name, visible, "sort")
        order.append((name, item.startswith("-")))
    _check_once([name for name, _ in order], "sort")
    for name in filters:
        _check_column(name, visible, "filter")
    if not 0 <= limit <= max_rows:
        raise ApiError(422, "invalid_request", f"limit must be a whole number from 0 to {max_rows}")
    return PageRequest(
        columns=asked or visible, filters=filters, sort=order, limit=limit, offset=offset
    )


def statement(product: str, page: PageRequest) -> str:
    items = ", ".join(_quoted(name) for name in page.columns)
    sql = f"SELECT {items} FROM {_quoted(product)}"
    if page.filters:
        sql += " WHERE " + " AND ".join(
            f"CAST({_quoted(name)} AS VARCHAR) = {_literal(value)}"
            for name, value in page.filters.items()
        )
    if page.sort:
        sql += " ORDER BY " + ", ".join(
            _quoted(name) + (" DESC" if descending else "") for name, descending in page.sort
        )
    return sql + f" LIMIT {page.limit} OFFSET {page.offset}"


def _check_column(name: str, visible: list[str], where: str) -> None:
    if name not in visible:
        raise ApiError(
            422,
            "invalid_request",
            f"{where}: no column of that name is visible to you in this product",
        )


def _check_once(names: list[str], where: str) -> None:
    # Two columns of one name make a Parquet or Arrow file no reader opens.
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ApiError(422, "invalid_request", f"{where}: {', '.join(twice)} named twice")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
