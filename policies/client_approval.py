"""Who may approve a client system (API registration), decided and explained in one place.

An approved client gets a key that reads its principal's data room from another
system, so approving one is a steward's decision. Precedence, first match wins:

1. An unknown approving principal is refused.
2. A principal that is not a data steward is refused, whatever its roles.
3. A person without the ``approver`` role is refused (an operator on the hub's host
   acting for the steward has no roles to check; the audit log names them).
4. A client of an unknown principal is refused.
5. A client of the steward's own principal is refused when the one approving is the
   one who registered it: nobody approves their own key (four eyes); another person
   of the same steward office may.
6. Otherwise the steward is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

from identity.models import Identity
from policies.models import PolicySet


@dataclass(frozen=True)
class ClientApprovalDecision:
    allowed: bool
    approver: str  # the audit name of who approves
    client_principal: str
    reason: str


class ClientApprovalRefused(PermissionError):
    """The approver may not approve this client; the message says why."""


def decide_client_approval(
    policies: PolicySet, approver: Identity, client_principal: str, registered_by: str
) -> ClientApprovalDecision:
    def decision(allowed: bool, reason: str) -> ClientApprovalDecision:
        return ClientApprovalDecision(allowed, approver.audit_name, client_principal, reason)

    refusal = policies.steward_refusal(approver.principal, "may approve a client system")
    if refusal is not None:
        return decision(False, refusal)
    steward = approver.principal
    if approver.kind == "person" and "approver" not in approver.roles:
        return decision(False, f"{approver.audit_name} does not have the approver role")
    if policies.principal(client_principal) is None:
        return decision(False, f"the client's principal {client_principal!r} is unknown")
    if client_principal == steward and registered_by == approver.audit_name:
        return decision(
            False,
            f"{approver.audit_name} registered this client of {steward}; "
            "another person of the steward office must approve it",
        )
    return decision(True, f"{steward} is a data steward")


def require_client_approval(
    policies: PolicySet, approver: Identity, client_principal: str, registered_by: str
) -> ClientApprovalDecision:
    decided = decide_client_approval(policies, approver, client_principal, registered_by)
    if not decided.allowed:
        raise ClientApprovalRefused(decided.reason)
    return decided
