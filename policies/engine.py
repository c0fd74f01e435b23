"""The one place where access is decided, and explained.

Precedence, first match wins:

1. An unknown principal or product is denied.
2. A product shared as 不予共享 is denied, with the steward's stated reason.
3. A deny rule that covers the principal and product is denied: deny beats grant.
4. Without a grant valid today that covers the principal and product, access is
   denied (deny by default). A 有条件共享 product is covered only by a grant
   that names it; a wildcard grant does not reach it.
5. Rows: a district-wide grant shows every row; otherwise the principal's own
   jurisdiction (its community if it has one, else its street). A principal
   without a jurisdiction gets no rows from an own-jurisdiction grant.
6. Columns: each column gets the most revealing treatment any applying grant
   gives it (a grant's per-column treatment overrides its per-level one);
   a column no grant treats is withheld.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from catalog.contracts import SHARING_LABELS, ProductContract
from policies.models import TREATMENT_RANK, Grant, PolicySet, Principal


@dataclass(frozen=True)
class RowFilter:
    column: str
    value: str
    description: str


@dataclass(frozen=True)
class ColumnDecision:
    name: str
    level: str
    treatment: str
    because: str


@dataclass
class Decision:
    principal: str
    product: str
    allowed: bool
    reasons: list[str] = field(default_factory=list)
    grants: list[str] = field(default_factory=list)
    row_filter: RowFilter | None = None
    columns: list[ColumnDecision] = field(default_factory=list)
    purpose: str | None = None

    def visible_columns(self) -> list[ColumnDecision]:
        return [c for c in self.columns if c.treatment != "withheld"]


def _deny(principal: str, product: str, reason: str) -> Decision:
    return Decision(principal, product, False, [reason])


def decide(
    principal_id: str,
    product: ProductContract | None,
    policies: PolicySet,
    *,
    day: dt.date | None = None,
    product_name: str | None = None,
) -> Decision:
    day = day or dt.date.today()
    name = product.name if product else (product_name or "?")
    who = policies.principal(principal_id)
    if who is None:
        return _deny(principal_id, name, f"unknown principal {principal_id!r}")
    if product is None:
        return _deny(principal_id, name, f"unknown product {name!r}")
    if product.sharing == "none":
        return _deny(who.id, name, f"{SHARING_LABELS['none']}: the product is not shared")

    for rule in policies.denies:
        if rule.covers(name) and rule.to.matches(who):
            return _deny(who.id, name, f"denied by rule {rule.id}: {rule.reason}")

    covering = [g for g in policies.grants if g.covers(name) and g.to.matches(who)]
    if product.sharing == "conditional":
        covering = [g for g in covering if name in g.products]
    valid = [g for g in covering if g.valid_on(day)]
    if not valid:
        lapsed = [g.id for g in covering if not g.valid_on(day)]
        reason = "no grant covers this principal and product (deny by default)"
        if lapsed:
            reason += f"; grants not valid on {day}: {', '.join(lapsed)}"
        if product.sharing == "conditional":
            reason += f"; {SHARING_LABELS['conditional']} needs an approved request"
        return _deny(who.id, name, reason)

    decision = Decision(
        who.id,
        name,
        True,
        grants=[g.id for g in valid],
        purpose="; ".join(sorted({g.purpose for g in valid})),
    )
    row_filter, row_reason = _rows(who, product, valid)
    if row_reason.startswith("no rows"):
        return _deny(who.id, name, row_reason)
    decision.row_filter = row_filter
    decision.reasons.append(row_reason)
    decision.columns = [_column(col.name, col.level, valid) for col in product.columns]
    if not decision.visible_columns():
        return _deny(who.id, name, "every column is withheld by the applying grants")
    decision.reasons.append(
        f"{len(decision.visible_columns())} of {len(product.columns)} "
        f"columns visible; grants {', '.join(decision.grants)}"
    )
    return decision


def _rows(
    who: Principal, product: ProductContract, grants: list[Grant]
) -> tuple[RowFilter | None, str]:
    district = [g for g in grants if g.rows == "district"]
    if district:
        return None, f"all rows of the district (grant {district[0].id})"
    grant = grants[0]
    if who.community and product.community_column:
        return (
            RowFilter(product.community_column, who.community, f"community {who.community}"),
            f"rows of its own community {who.community} only (grant {grant.id})",
        )
    if who.street:
        return (
            RowFilter(product.street_column, who.street, f"street {who.street}"),
            f"rows of its own street {who.street} only (grant {grant.id})",
        )
    return None, "no rows: the principal has no jurisdiction for an own-jurisdiction grant"


def _column(name: str, level: str, grants: list[Grant]) -> ColumnDecision:
    best: tuple[str, str] = ("withheld", "no grant treats this column or its level")
    for grant in grants:
        if name in grant.column_treatments:
            treatment, why = grant.column_treatments[name], f"grant {grant.id}, column rule"
        elif level in grant.treatments:
            treatment, why = grant.treatments[level], f"grant {grant.id}, level {level}"
        else:
            continue
        if TREATMENT_RANK[treatment] > TREATMENT_RANK[best[0]]:
            best = (treatment, why)
    return ColumnDecision(name, level, best[0], best[1])
