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
    params: dict[str, str],
    *,
    max_rows: int,
) -> PageRequest:
    visible = [c.name for c in decision.visible_columns()]
    asked = [c.strip() for c in params.get("columns", "").split(",") if c.strip()]
    for name in asked:
        _check_column(name, visible, "columns")
    sort: list[tuple[str, bool]] = []
    for item in (s.strip() for s in params.get("sort", "").split(",") if s.strip()):
        name = item.removeprefix("-")
        _check_column(name, visible, "sort")
        sort.append((name, item.startswith("-")))
    filters = {k: v for k, v in params.items() if k not in RESERVED}
    for name in filters:
        _check_column(name, visible, "filter")
    return PageRequest(
        columns=asked or visible,
        filters=filters,
        sort=sort,
        limit=_bounded_int(params.get("limit", "100"), "limit", 0, max_rows),
        offset=_bounded_int(params.get("offset", "0"), "offset", 0, 10**9),
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


def _bounded_int(text: str, name: str, low: int, high: int) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise ApiError(
            422, "invalid_request", f"{name} must be a whole number from {low} to {high}"
        )
    return int(text)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
