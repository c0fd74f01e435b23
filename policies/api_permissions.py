"""What a caller of the API may do, before any product is decided: the action rule.

Products and rows are decided by ``policies.engine`` as always; this rule only
says which kinds of action a person's role or a client's scopes allow. Rules,
in order (the first that applies decides):

1. an action nobody has listed is refused (deny by default);
   reading the audit log is for principals of kind ``reviewer`` only, and
   reading sources for ``department`` principals (their own sources, see
   ``sources_of``);
2. an operator (the hub's CLI) may do what its principal may do;
3. a client may do an action when one of its scopes names it;
4. a person may do an action when their role includes it
   (viewer ⊂ requester ⊂ approver);
5. anything else is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from identity.models import Identity

Action = Literal[
    "read_catalogue", "read_products", "query", "request_access", "decide_access",
    "read_audit", "read_sources", "sync_sources", "steward_catalogue",
]  # fmt: skip

# The client scope each action needs.
SCOPE_FOR: dict[str, str] = {
    "read_catalogue": "products:read",
    "read_products": "products:read",
    "query": "query",
    "request_access": "access:request",
    "decide_access": "access:decide",
    "read_audit": "audit:read",
    "read_sources": "sources:read",
    "sync_sources": "sources:sync",
    "steward_catalogue": "catalogue:steward",
}
_VIEWER = {"read_catalogue", "read_products", "query", "read_audit", "read_sources"}
# Changing something (a request, a sync, a classification) takes more than viewing.
ROLE_ACTIONS: dict[str, set[str]] = {
    "viewer": _VIEWER,
    "requester": _VIEWER | {"request_access", "sync_sources"},
    "approver": _VIEWER | {"request_access", "decide_access", "sync_sources", "steward_catalogue"},
}


@dataclass(frozen=True)
class ActionDecision:
    allowed: bool
    reason: str


# Actions only principals of one kind take, whatever their role or scopes.
KIND_FOR: dict[str, str] = {
    "read_audit": "reviewer",
    "read_sources": "department",
    "sync_sources": "department",
    "steward_catalogue": "steward",
}


def may(identity: Identity, action: str, principal_kind: str | None = None) -> ActionDecision:
    """Whether ``identity`` may take ``action`` at all, and why (rules in the docstring)."""
    if action not in SCOPE_FOR:
        return ActionDecision(False, f"rule 1: {action} is not an action of the API")
    needed = KIND_FOR.get(action)
    if needed is not None and principal_kind != needed:
        return ActionDecision(False, f"rule 1: only a {needed} principal may do this")
    if identity.kind == "operator":
        return ActionDecision(True, "rule 2: the hub's operator acts for its principal")
    if identity.kind == "client":
        scope = SCOPE_FOR[action]
        if scope in identity.scopes:
            return ActionDecision(True, f"rule 3: the client's scope {scope} allows it")
        return ActionDecision(False, f"rule 3: the client has no scope {scope}")
    roles = [role for role in sorted(identity.roles) if action in ROLE_ACTIONS.get(role, ())]
    if roles:
        return ActionDecision(True, f"rule 4: the role {roles[0]} allows it")
    held = ", ".join(sorted(identity.roles)) or "none"
    return ActionDecision(False, f"rule 5: no role of this person allows it (roles: {held})")


def may_see_request(identity: Identity, principal_kind: str | None, requester: str) -> bool:
    """An access request is seen by its own principal, and by whoever may decide it:
    a steward principal's approver (or its operator)."""
    if requester == identity.principal:
        return True
    if principal_kind != "steward":
        return False
    return identity.kind == "operator" or (
        identity.kind == "person" and may(identity, "decide_access").allowed
    )


def sources_of(department: str | None, owners: dict[str, str]) -> list[str]:
    """The sources (name → owning department) a department principal may see: its own."""
    if department is None:
        return []
    return sorted(name for name, owner in owners.items() if owner == department)
