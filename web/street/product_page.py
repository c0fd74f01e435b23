"""What a product page shows besides its rows: the page asked for (sort, filters, page)
as links, each column's treatment, and why a cell may be blank."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from catalog.contracts import ProductContract
from service.row_requests import RESERVED

PAGE_ROWS = 50


@dataclass(frozen=True)
class PageAsked:
    """The product page's query: one sort column, equality filters, an offset."""

    sort: str
    filters: dict[str, str]
    offset: int

    @classmethod
    def of(cls, params: dict[str, str]) -> PageAsked:
        filters = {k: v for k, v in params.items() if k not in RESERVED and v.strip()}
        offset = params.get("offset", "0")
        return cls(params.get("sort", ""), filters, int(offset) if offset.isdigit() else 0)

    def query(self, **changes: object) -> str:
        values: dict[str, object] = {**self.filters, "sort": self.sort, "offset": self.offset}
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in ("", 0, None)})

    def without_filters(self) -> str:
        return urlencode({"sort": self.sort} if self.sort else {})

    def sort_link(self, column: str) -> str:
        """Ascending on a first click, descending on the next."""
        return "?" + self.query(sort=f"-{column}" if self.sort == column else column, offset=0)

    def sorted_by(self, column: str) -> str:
        return {column: "▲", f"-{column}": "▼"}.get(self.sort, "")

    def download(self, name: str, kind: str, purpose: str, limit: int) -> str:
        values: dict[str, object] = {
            **self.filters,
            "format": kind,
            "purpose": purpose,
            "limit": limit,
            **({"sort": self.sort} if self.sort else {}),
        }
        return f"/api/v1/products/{name}/rows?" + urlencode(values)


def blank_reasons(product: ProductContract) -> dict[str, str]:
    """Column → why its cells may be blank: a small count, or one computed from it."""
    rule = product.suppression
    if rule is None:
        return {}
    small = f"不公布：少于{rule.threshold}，或可由其他格推算（小数保护），不是0"
    reasons = {column: small for column in rule.counts}
    for derived in rule.derived:
        reasons[derived.column] = f"不公布：由不公布的 {', '.join(derived.inputs)} 计算而来"
    return reasons
