"""Explain one decision: what a principal would see of a product, and why.

The engine (``policies.engine.decide``) stays the only place that decides;
this module only lays its decision out for people, adding what the engine's
first-match answer leaves unsaid: for a denial, every rule that stands in the
way (not just the first), the grants that lapsed, and the access requests
already made for this principal and product.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from catalog.contracts import SHARING_LABELS, ProductContract
from policies.access_requests import GRANT_PREFIX, AccessRequest
from policies.engine import Decision, decide
from policies.models import Grant, PolicySet
from policies.purposes import describe_purposes


@dataclass
class Explanation:
    principal: str
    product: str
    allowed: bool
    sharing: str | None
    decision: Decision
    rows: str | None = None  # the scope, e.g. "street 440399001" or "district"
    rows_because: str | None = None
    reasons: list[str] = field(default_factory=list)
    grants: list[dict[str, object]] = field(default_factory=list)
    requests: list[dict[str, object]] = field(default_factory=list)
    hint: str | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "principal": self.principal,
            "product": self.product,
            "allowed": self.allowed,
            "sharing": self.sharing,
            "rows": self.rows,
            "rows_because": self.rows_because,
            "columns": [
                {"name": c.name, "level": c.level, "treatment": c.treatment, "because": c.because}
                for c in self.decision.columns
            ],
            "grants": self.grants,
            "reasons": self.reasons,
            "requests": self.requests,
            "hint": self.hint,
        }


def _grant_entry(grant: Grant, day: dt.date) -> dict[str, object]:
    source = (
        f"access request {grant.id.removeprefix(GRANT_PREFIX)}"
        if grant.id.startswith(GRANT_PREFIX + "req-")
        else "config/grants.yaml"
    )
    return {
        "id": grant.id,
        "source": source,
        "rows": grant.rows,
        "purpose": grant.purpose,
        "purposes": grant.accepted_purposes,  # what a caller must state to read through it
        "valid_from": grant.valid_from.isoformat(),
        "valid_until": grant.valid_until.isoformat(),
        "valid_today": grant.valid_on(day),
        "reason": grant.reason,
    }


def explain(
    principal: str,
    product: ProductContract | None,
    policies: PolicySet,
    *,
    product_name: str,
    requests: list[AccessRequest] | None = None,
    day: dt.date | None = None,
) -> Explanation:
    day = day or dt.date.today()
    decision = decide(principal, product, policies, day=day, product_name=product_name)
    found = Explanation(
        principal,
        product_name,
        decision.allowed,
        SHARING_LABELS[product.sharing] if product else None,
        decision,
    )
    mine = [r for r in requests or [] if r.principal == principal and r.product == product_name]
    found.requests = [r.summary(day) for r in mine]
    by_id = {g.id: g for g in policies.grants}
    if decision.allowed:
        found.rows = decision.row_filter.description if decision.row_filter else "district"
        found.rows_because = decision.reasons[0] if decision.reasons else None
        found.reasons = list(decision.reasons)
        found.grants = [_grant_entry(by_id[g], day) for g in decision.grants if g in by_id]
        accepted = sorted(
            {p for g in decision.grants if g in by_id for p in by_id[g].accepted_purposes}
        )
        found.reasons.append(
            "a read must state a purpose its grants accept: "
            + describe_purposes(accepted, policies.purposes)
        )
        return found

    reasons = list(decision.reasons)
    who = policies.principal(principal)
    if who is not None and product is not None:
        if product.sharing == "none":
            pass  # nothing else matters
        else:
            for rule in policies.denies:
                text = f"denied by rule {rule.id}: {rule.reason}"
                if rule.covers(product_name) and rule.to.matches(who) and text not in reasons:
                    reasons.append(text)
            covering = [g for g in policies.grants if g.covers(product_name) and g.to.matches(who)]
            if product.sharing == "conditional":
                for grant in covering:
                    if product_name not in grant.products:
                        reasons.append(
                            f"grant {grant.id} covers every product, but a "
                            f"{SHARING_LABELS['conditional']} product only through a grant "
                            "that names it"
                        )
            found.grants = [_grant_entry(g, day) for g in covering]
        for request in mine:
            state = request.state_on(day)
            last = request.last
            if state == "requested":
                reasons.append(f"access request {request.id} waits for a steward's decision")
            elif last is not None:
                reasons.append(
                    f"access request {request.id} was {state} by {last.by}: {last.reason}"
                )
        blocked = product.sharing == "none" or any(
            r.covers(product_name) and r.to.matches(who) for r in policies.denies
        )
        waiting = any(r.state_on(day) == "requested" for r in mine)
        if not blocked and not waiting:
            found.hint = (
                f"ask for it: shuzhi access request --as {principal} {product_name} "
                "--purpose TEXT --until YYYY-MM-DD"
            )
    found.reasons = reasons
    return found
