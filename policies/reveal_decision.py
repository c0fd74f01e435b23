"""Whether a principal may re-identify rows of a dataset: decided here, and explained.

Re-identification opens sealed originals (names, phone numbers, addresses)
behind the tokens a principal sees elsewhere. It is decided apart from data
rooms because it is granted apart: by ``reveals:`` in ``grants.yaml``, never by
a product grant.

Precedence, first match wins:

1. An unknown principal is denied.
2. An unknown dataset is denied.
3. A deny rule whose ``to`` matches the principal and whose ``datasets`` cover the
   dataset (or ``"*"``) is denied: deny beats grant. A deny rule that names only
   products does not touch re-identification.
4. Without a reveal grant that names the dataset, matches the principal and is
   valid on the day, re-identification is denied (deny by default); grants that
   would apply but are not valid that day are named. When a purpose is asked
   about (every re-identification asks), only those grants that accept it apply
   (``purposes:``); no purpose, or one none of them accepts, is denied, naming
   each grant and the purposes it accepts.
5. Otherwise it is allowed under one grant: the first valid one in
   ``grants.yaml`` order. Grants are never merged, so one grant's row scope
   cannot stretch another grant's columns. The others are listed in ``grants``.
   Under that grant:

   - rows: ``district`` reads every row; ``own_jurisdiction`` reads the
     principal's community (through the dataset's community column, type
     ``community_code`` or ``community_name``) if it has one and the dataset
     records communities, else its street (the column of type ``street_code``).
     A principal without a jurisdiction, or a dataset without the needed
     column, gets no rows, and that is a denial.
   - columns: the dataset's protected columns (any protection but ``none``),
     in contract order, that the grant names (``"*"``: all of them). A grant
     that names none of this dataset's protected columns is a denial.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from catalog.contracts import DatasetContract
from policies.engine import RowFilter, purpose_refusal
from policies.models import PolicySet, Principal, RevealGrant
from policies.purposes import ANY_PURPOSE, AnyPurpose, resolve_purpose

STREET_TYPES = ("street_code",)
COMMUNITY_TYPES = ("community_code", "community_name")


@dataclass
class RevealDecision:
    principal: str
    dataset: str
    allowed: bool
    reasons: list[str] = field(default_factory=list)
    # Every valid reveal grant that applies, in configuration order; the first is used.
    grants: list[str] = field(default_factory=list)
    # Contract columns whose sealed values may be opened, in contract order.
    columns: list[str] = field(default_factory=list)
    row_filter: RowFilter | None = None
    # The purpose the grant was given for (the requester states its own).
    purpose: str | None = None

    @property
    def grant(self) -> str | None:
        """The grant the re-identification happens under."""
        return self.grants[0] if self.allowed and self.grants else None


def street_column(contract: DatasetContract) -> str | None:
    return next((c.name for c in contract.columns if c.type in STREET_TYPES), None)


def community_column(contract: DatasetContract) -> str | None:
    return next((c.name for c in contract.columns if c.type in COMMUNITY_TYPES), None)


def protected_columns(contract: DatasetContract) -> list[str]:
    return [c.name for c in contract.columns if c.protection != "none"]


def decide_reveal(
    principal_id: str,
    dataset: DatasetContract | None,
    policies: PolicySet,
    *,
    day: dt.date | None = None,
    dataset_name: str | None = None,
    purpose: str | AnyPurpose | None = ANY_PURPOSE,
) -> RevealDecision:
    """Decide one re-identification request; see the module docstring for the order."""
    day = day or dt.date.today()
    name = dataset.name if dataset else (dataset_name or "?")
    who = policies.principal(principal_id)
    if who is None:
        return _deny(principal_id, name, f"unknown principal {principal_id!r}")
    if dataset is None:
        return _deny(who.id, name, f"unknown dataset {name!r}")

    for rule in policies.denies:
        if rule.covers_dataset(name) and rule.to.matches(who):
            return _deny(who.id, name, f"denied by rule {rule.id}: {rule.reason}")

    covering = [g for g in policies.reveals if g.covers(name) and g.to.matches(who)]
    valid = [g for g in covering if g.valid_on(day)]
    if not valid:
        reason = "no reveal grant covers this principal and dataset (deny by default)"
        lapsed = [g.id for g in covering if not g.valid_on(day)]
        if lapsed:
            reason += f"; reveal grants not valid on {day}: {', '.join(lapsed)}"
        return _deny(who.id, name, reason)
    if not isinstance(purpose, AnyPurpose):
        stated = resolve_purpose(purpose, policies.purposes)
        accepting = [g for g in valid if stated and stated in g.accepted_purposes]
        if not accepting:
            return _deny(who.id, name, purpose_refusal(stated, valid, policies.purposes))
        valid = accepting

    grant = valid[0]
    decision = RevealDecision(
        who.id, name, True, grants=[g.id for g in valid], purpose=grant.purpose
    )
    row_filter, row_reason = _rows(who, dataset, grant)
    if row_reason.startswith("no rows"):
        return _deny(who.id, name, row_reason, grants=decision.grants)
    decision.row_filter = row_filter
    decision.reasons.append(row_reason)
    decision.columns = [c for c in protected_columns(dataset) if grant.allows_column(c)]
    if not decision.columns:
        return _deny(
            who.id,
            name,
            f"reveal grant {grant.id} names none of the protected columns of {name}",
            grants=decision.grants,
        )
    decision.reasons.append(f"columns {', '.join(decision.columns)} (grant {grant.id})")
    if len(valid) > 1:
        decision.reasons.append(f"also valid, not merged: {', '.join(g.id for g in valid[1:])}")
    return decision


def _deny(
    principal: str, dataset: str, reason: str, *, grants: list[str] | None = None
) -> RevealDecision:
    return RevealDecision(principal, dataset, False, [reason], grants=list(grants or []))


def _rows(
    who: Principal, dataset: DatasetContract, grant: RevealGrant
) -> tuple[RowFilter | None, str]:
    if grant.rows == "district":
        return None, f"all rows of the district (reveal grant {grant.id})"
    community = community_column(dataset)
    if who.community and community:
        return (
            RowFilter(community, who.community, f"community {who.community}"),
            f"rows of its own community {who.community} only (reveal grant {grant.id})",
        )
    if who.street:
        street = street_column(dataset)
        if street is None:
            return None, f"no rows: {dataset.name} has no street column to bound its street"
        return (
            RowFilter(street, who.street, f"street {who.street}"),
            f"rows of its own street {who.street} only (reveal grant {grant.id})",
        )
    return None, "no rows: the principal has no jurisdiction for an own-jurisdiction grant"
