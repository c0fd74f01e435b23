"""The one place where access is decided, and explained.

``decide(principal, product)`` answers whether a principal may see a product,
which rows, and how each column is shown. Data rooms are built from its
decisions and the gateway asks it again before every query; nothing else
decides. Every decision explains itself: ``reasons`` for the product, and a
``because`` for every column.

Precedence, first match wins:

1. An unknown principal or product is denied.
2. A product shared as 不予共享 is denied, with the steward's stated reason.
3. A deny rule whose target matches the principal (by principal id, kind,
   role or group; every field given must match) and that covers the product
   (or ``"*"``) is denied: deny beats any grant.
4. Without a grant that matches the principal, covers the product and is
   valid on the day (``valid_from`` ≤ day ≤ ``valid_until``), access is denied
   (deny by default); grants that would apply on another day are named. A
   有条件共享 product is covered only by a grant that names it; a wildcard
   grant (``"*"``) does not reach it. A person-level product (``person_level``:
   a proactive-service list of named residents) is covered only by a grant that
   names both the product and the principal (``to: {principal: …}``); a grant to
   a kind, role or group of principals does not reach it.
   When a purpose is asked about (the gateway asks with the caller's stated
   purpose before every read; building and explaining rooms does not), only the
   valid grants that accept it apply (``purposes:``, codes of
   ``config/purposes.yaml``; a code or its Chinese name may be stated). No purpose,
   or one no valid grant accepts, is denied, naming each grant and the purposes
   it accepts.
5. Rows. Each valid grant's row scope is resolved for the principal:
   ``district`` is every row; ``own_street`` the principal's street;
   ``own_community`` its community (through the product's community column);
   ``own_jurisdiction`` its community if it has one, else its street. A grant
   whose scope the principal (or product) cannot meet — no street, no
   community, no community column — gives no rows, and if no grant gives rows
   that is a denial. The widest scope among the grants that give rows is the
   room's rows (district > street > community). Only grants with that scope
   apply from here on: a narrower grant's columns are never stretched over a
   wider grant's rows; the grants left out are named in the reasons.
6. Columns. Every column has a sharing type: the one its contract declares,
   else the default of its level (L1, L2 无条件共享; L3 有条件共享; L4 不予共享;
   see ``catalog.levels``).

   a. A 不予共享 column is withheld, whatever any grant says.
   b. A 有条件共享 column is treated only by grants that name the product;
      wildcard grants leave it withheld.
   c. Within one grant, a column rule (``column_treatments``) beats the
      grant's rule for the column's level (``treatments``), whether it shows
      more or less.
   d. Across grants, the most revealing treatment wins: withheld < token <
      year_only < masked < clear. Between equal ranks (two masks) the earlier
      grant in ``grants.yaml`` wins.
   e. A column no applying grant treats is withheld.
7. If every column is withheld, access is denied.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from catalog.contracts import SHARING_LABELS, ProductColumn, ProductContract
from policies.models import (
    TREATMENT_RANK,
    Grant,
    PolicySet,
    Principal,
    RevealGrant,
    parse_treatment,
)
from policies.purposes import ANY_PURPOSE, AnyPurpose, Purpose, describe_purposes, resolve_purpose

# How wide each resolved row scope is; the widest one that gives rows is used.
SCOPE_WIDTH: dict[str, int] = {"community": 0, "street": 1, "district": 2}
# The mask used when a treatment says "masked" and neither grant nor column names one.
DEFAULT_MASK = "hide_all"


@dataclass(frozen=True)
class RowFilter:
    column: str
    value: str
    description: str


@dataclass(frozen=True)
class ColumnDecision:
    name: str
    level: str
    treatment: str  # withheld | token | year_only | masked | clear
    because: str
    mask: str | None = None  # the named mask applied when the treatment is "masked"


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


@dataclass(frozen=True)
class _Scope:
    """A grant's row scope, resolved for one principal and product."""

    grant: Grant
    width: int
    row_filter: RowFilter | None
    description: str


def _deny(principal: str, product: str, reason: str) -> Decision:
    return Decision(principal, product, False, [reason])


def decide(
    principal_id: str,
    product: ProductContract | None,
    policies: PolicySet,
    *,
    day: dt.date | None = None,
    product_name: str | None = None,
    purpose: str | AnyPurpose | None = ANY_PURPOSE,
) -> Decision:
    """Decide one principal's access to one product; see the module docstring for the order."""
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
            return _deny(
                who.id,
                name,
                f"denied by rule {rule.id} (to {rule.to.describe()}): {rule.reason}",
            )

    covering = [g for g in policies.grants if g.covers(name) and g.to.matches(who)]
    if product.sharing == "conditional":
        covering = [g for g in covering if name in g.products]
    if product.person_level:
        covering = [g for g in covering if g.to.principal == who.id]
    valid = [g for g in covering if g.valid_on(day)]
    if not valid:
        lapsed = [g.id for g in covering if not g.valid_on(day)]
        reason = "no grant covers this principal and product (deny by default)"
        if lapsed:
            reason += f"; grants not valid on {day}: {', '.join(lapsed)}"
        if product.sharing == "conditional":
            reason += f"; {SHARING_LABELS['conditional']} needs a grant that names {name}"
        if product.person_level:
            reason += f", and a list of people needs one that names {who.id} too"
        return _deny(who.id, name, reason)
    if not isinstance(purpose, AnyPurpose):
        stated = resolve_purpose(purpose, policies.purposes)
        accepting = [g for g in valid if stated and stated in g.accepted_purposes]
        if not accepting:
            return _deny(who.id, name, purpose_refusal(stated, valid, policies.purposes))
        valid = accepting

    scopes: list[_Scope] = []
    no_rows: list[str] = []
    for grant in valid:
        scope = _scope(who, product, grant)
        if isinstance(scope, str):
            no_rows.append(scope)
        else:
            scopes.append(scope)
    if not scopes:
        return _deny(who.id, name, "no rows: " + "; ".join(no_rows))
    widest = max(s.width for s in scopes)
    applying = [s for s in scopes if s.width == widest]
    chosen = applying[0]
    grants = [s.grant for s in applying]

    decision = Decision(
        who.id,
        name,
        True,
        grants=[g.id for g in grants],
        purpose="; ".join(sorted({g.purpose for g in grants})),
    )
    decision.row_filter = chosen.row_filter
    decision.reasons.append(f"{chosen.description} (grant {chosen.grant.id})")
    narrower = [s for s in scopes if s.width < widest]
    if narrower:
        decision.reasons.append(
            "not applied, their rows are narrower than the room's: "
            + ", ".join(f"{s.grant.id} ({s.description})" for s in narrower)
        )
    if no_rows:
        decision.reasons.append("not applied: " + "; ".join(no_rows))
    decision.columns = [_column(col, product, grants) for col in product.columns]
    if not decision.visible_columns():
        return _deny(
            who.id,
            name,
            "every column is withheld: "
            + "; ".join(f"{c.name}: {c.because}" for c in decision.columns),
        )
    decision.reasons.append(
        f"{len(decision.visible_columns())} of {len(product.columns)} "
        f"columns visible; grants {', '.join(decision.grants)}"
    )
    return decision


def purpose_refusal(
    stated: str, grants: list[Grant] | list[RevealGrant], catalogue: list[Purpose]
) -> str:
    """Why the stated purpose opens nothing: each grant and the purposes it accepts."""
    accepts = "; ".join(
        f"grant {g.id} accepts {describe_purposes(g.accepted_purposes, catalogue)}" for g in grants
    )
    if not stated:
        return f"a purpose is required: {accepts} (state one with --purpose CODE)"
    # Only a catalogue code is echoed: free text can hold a name, and reasons are audited.
    named = f"purpose {stated!r}" if stated in {p.code for p in catalogue} else "the stated purpose"
    return f"{named} is not one its grants accept: {accepts}"


def grant_rows(who: Principal, product: ProductContract, grant: Grant) -> tuple[int, str] | str:
    """How wide the rows ``grant`` gives ``who`` in ``product`` are (``SCOPE_WIDTH``) and
    how they read, or why it gives none (rule 5). An access request's approval is compared
    with what the request asked for by it."""
    scope = _scope(who, product, grant)
    return scope if isinstance(scope, str) else (scope.width, scope.description)


def _scope(who: Principal, product: ProductContract, grant: Grant) -> _Scope | str:
    """The rows ``grant`` gives ``who`` in ``product``, or why it gives none."""
    scope = grant.rows
    if scope == "district":
        return _Scope(grant, SCOPE_WIDTH["district"], None, "all rows of the district")
    if scope == "own_jurisdiction":
        scope = "own_community" if who.community else "own_street"
    if scope == "own_street":
        if not who.street:
            return f"grant {grant.id} gives rows of the principal's own street, and it has none"
        return _Scope(
            grant,
            SCOPE_WIDTH["street"],
            RowFilter(product.street_column, who.street, f"street {who.street}"),
            f"rows of its own street {who.street} only",
        )
    if not who.community:
        return f"grant {grant.id} gives rows of the principal's own community, and it has none"
    if not product.community_column:
        return (
            f"grant {grant.id} gives rows of community {who.community}, "
            f"and {product.name} has no community column"
        )
    return _Scope(
        grant,
        SCOPE_WIDTH["community"],
        RowFilter(product.community_column, who.community, f"community {who.community}"),
        f"rows of its own community {who.community} only",
    )


def _column(col: ProductColumn, product: ProductContract, grants: list[Grant]) -> ColumnDecision:
    level = col.level
    sharing = col.effective_sharing
    origin = "declared by the column" if col.sharing else f"level {level} default"
    if sharing == "none":
        return ColumnDecision(
            col.name,
            level,
            "withheld",
            f"{SHARING_LABELS['none']} ({origin}): withheld whatever the grants say",
        )
    candidates = grants
    skipped: list[str] = []
    if sharing == "conditional":
        candidates = [g for g in grants if product.name in g.products]
        skipped = [g.id for g in grants if g not in candidates]

    best: ColumnDecision | None = None
    for grant in candidates:
        if col.name in grant.column_treatments:
            given, rule = grant.column_treatments[col.name], "column rule"
        elif level in grant.treatments:
            given, rule = grant.treatments[level], f"level {level}"
        else:
            continue
        treatment, mask, shown = _resolve(given, col)
        if best is None or TREATMENT_RANK[treatment] > TREATMENT_RANK[best.treatment]:
            best = ColumnDecision(
                col.name, level, treatment, f"grant {grant.id}, {rule} → {shown}", mask
            )
    if best is not None:
        return best
    because = f"no applying grant treats column {col.name} or level {level} → withheld"
    if skipped:
        because = (
            f"{SHARING_LABELS['conditional']} ({origin}): only a grant naming {product.name} "
            f"may show it, and {', '.join(skipped)} name it only by wildcard → withheld"
        )
    return ColumnDecision(col.name, level, "withheld", because)


def _pseudonymisable(col: ProductColumn) -> bool:
    """A column a room can show under ``token``: it has a token domain, or it holds a
    pseudonym already (``*_token``, as staged identifiers are named)."""
    return bool(col.token_domain) or col.name.endswith("_token")


def _resolve(given: str, col: ProductColumn) -> tuple[str, str | None, str]:
    """A grant's treatment for a column: (treatment, mask, how to explain it)."""
    treatment, grant_mask = parse_treatment(given)
    if treatment == "token" and not _pseudonymisable(col):
        # A room shows a token column as it is: without a domain to pseudonymise with,
        # "token" would show the clear value of a column that is not a pseudonym already.
        return "withheld", None, "token, but the column has no token_domain → withheld"
    if treatment != "masked":
        return treatment, None, treatment
    if grant_mask:
        return treatment, grant_mask, f"masked {grant_mask} (the grant's mask)"
    if col.mask:
        return treatment, col.mask, f"masked {col.mask} (the column's mask)"
    return treatment, DEFAULT_MASK, f"masked {DEFAULT_MASK} (the column names no mask)"
